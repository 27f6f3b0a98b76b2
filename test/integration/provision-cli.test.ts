/**
 * The direct target driven through the real CLI against the emulator, for a 3-zone HA spec
 * (private topology, bastion, NLB, Route53): plan, create with every resource tagged, a second
 * update with zero mutating calls, a size/type change that touches only that group, delete.
 */
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {
  ListHostedZonesByNameCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {isMutating} from '../../src/cloud/aws/clients.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {inventory} from '../fixtures/cloud/inventory.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const region = 'us-east-2'
const name = 'ha.provision-cli.example.com'
const dir = tempDir('kforge-provision-cli-')
const callLog = join(dir, 'calls.log')
const env = {
  ...emulatorEnv(region),
  KFORGE_STATE_STORE: 's3://kforge-provision-cli/kforge',
  KFORGE_POLL_MS: '50',
  KFORGE_AWS_CALL_LOG: callLog,
  // No lease renewal inside one run (a loaded machine can make an apply outlast the default 30 s),
  // so the only state-store writes of an apply that changes nothing are the lease's two.
  KFORGE_LOCK_RENEW_MS: '3600000',
}

/** The only writes of an apply that changes nothing: the cluster lock, taken and given back. */
const LEASE = ['S3 PutObject', 'S3 DeleteObject']

async function kforge(...args: string[]) {
  rmSync(callLog, {force: true})
  const r = await runKforge(args, {env})
  const calls = existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) : []
  return {...r, calls, mutating: calls.filter((c) => isMutating(c.split(' ')[1]!))}
}

function writeSpec(mutate: (c: ReturnType<typeof haPrivateCluster>) => void = () => {}): string {
  const cluster = haPrivateCluster(name, region)
  mutate(cluster)
  const file = join(dir, 'cluster.yaml')
  writeFileSync(file, renderSpec(cluster))
  return file
}

// The state store lives in the emulator's S3, where instances would fetch from it.
beforeAll(async () => {
  await emulatorStateStore(region, 'kforge-provision-cli')
})

describe('update/delete cluster through the CLI (3-zone HA, private, bastion, NLB, Route53)', {
  timeout: 300_000,
}, () => {
  let endpoint: string
  beforeAll(async () => {
    endpoint = inject('awsEndpoint')
    const created = await kforge('create', '-f', writeSpec())
    expect(created.code).toBe(0)
  }, 300_000)

  it('plans without --yes and creates nothing', async () => {
    const r = await kforge('update', 'cluster', name)
    expect(r.stderr).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Will create:/)
    expect(r.stdout).toContain('+ NatGateway nat-us-east-2c')
    expect(r.stdout).toContain('Must specify --yes')
    // A plan writes nothing anywhere: not the cloud, not the state store.
    expect(r.mutating).toEqual([])
    expect(await inventory(endpoint, region, name)).toEqual({})
  })

  it('creates every resource with the cluster tags; instances carry role and group tags', async () => {
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/\+ Vpc vpc: created vpc-/)
    expect(r.stderr).toMatch(/\+ AutoScalingGroup asg-nodes: created/)
    const inv = await inventory(endpoint, region, name)
    const count = (k: string) => inv[k]?.length ?? 0
    expect(count('Vpc')).toBe(1)
    expect(count('Subnet')).toBe(6)
    expect(count('InternetGateway')).toBe(1)
    expect(count('RouteTable')).toBe(4) // public + one private per zone
    expect(count('NatGateway')).toBe(3)
    expect(count('Eip')).toBe(3)
    expect(count('SecurityGroup')).toBe(4) // control plane, nodes, bastion, API load balancer
    expect(count('IamRole')).toBe(3)
    expect(count('InstanceProfile')).toBe(3)
    expect(count('KmsKey')).toBe(1)
    expect(count('KeyPair')).toBe(1)
    expect(count('LaunchTemplate')).toBe(5)
    expect(count('AutoScalingGroup')).toBe(5) // control plane per zone, nodes, bastions
    expect(count('LoadBalancer')).toBe(1)
    expect(count('TargetGroup')).toBe(1)
    expect(count('Instance')).toBe(3 + 3 + 1)

    for (const [kind, items] of Object.entries(inv)) {
      for (const item of items) {
        if (kind === 'InstanceProfile') continue // listed by path: IAM cannot filter profiles by tag
        expect(item.tags.KubernetesCluster, `${kind} ${item.id}`).toBe(name)
        expect(item.tags[`kubernetes.io/cluster/${name}`], `${kind} ${item.id}`).toBe('owned')
        expect(item.tags.Name, `${kind} ${item.id}`).toBeTruthy()
      }
    }
    const roleTags = (i: {tags: Record<string, string>}) =>
      Object.keys(i.tags).filter((k) => k.startsWith('k8s.io/role/'))
    const byGroup = new Map<string, string[]>()
    for (const i of inv.Instance!) {
      const group = i.tags['kforge.dev/instancegroup']!
      byGroup.set(group, [...(byGroup.get(group) ?? []), ...roleTags(i)])
    }
    expect([...byGroup.keys()].sort()).toEqual([
      'bastions',
      'control-plane-us-east-2a',
      'control-plane-us-east-2b',
      'control-plane-us-east-2c',
      'nodes',
    ])
    expect(byGroup.get('nodes')).toContain('k8s.io/role/node')
    expect(byGroup.get('bastions')).toContain('k8s.io/role/bastion')
    expect(byGroup.get('control-plane-us-east-2a')).toContain('k8s.io/role/control-plane')
    const subnetRoles = inv.Subnet!.map((s) =>
      Object.keys(s.tags).find((k) => k.startsWith('kubernetes.io/role/')),
    )
    expect(subnetRoles.filter((k) => k === 'kubernetes.io/role/elb')).toHaveLength(3)
    expect(subnetRoles.filter((k) => k === 'kubernetes.io/role/internal-elb')).toHaveLength(3)
    const nodesAsg = inv.AutoScalingGroup!.find((g) => g.tags['kforge.dev/instancegroup'] === 'nodes')!
    expect(nodesAsg.tags['k8s.io/cluster-autoscaler/enabled']).toBe('1')

    const r53 = new Route53Client({
      region,
      endpoint,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    const zone = (await r53.send(new ListHostedZonesByNameCommand({DNSName: 'provision-cli.example.com.'})))
      .HostedZones![0]!
    const records = (await r53.send(new ListResourceRecordSetsCommand({HostedZoneId: zone.Id!})))
      .ResourceRecordSets!
    const api = records
      .filter((x) => x.Type === 'A')
      .map((x) => [x.Name, x.AliasTarget?.DNSName?.replace(/\.$/, '')])
    expect(api.map((a) => a[0]).sort()).toEqual([`api.${name}.`, `api.internal.${name}.`])
    for (const [, target] of api)
      expect(target).toMatch(new RegExp(`^${awsNames.apiLoadBalancer(name)}.*elb\\.amazonaws\\.com$`))
  })

  it('a second update makes no mutating call', async () => {
    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^No changes: \d+ resources are up to date/)
    expect(r.mutating).toEqual(LEASE)
    expect(r.calls.length).toBeGreaterThan(10)
  })

  it('a change to one group plans and applies only that group', async () => {
    const replaced = await kforge(
      'replace',
      '-f',
      writeSpec((c) => {
        const nodes = c.instanceGroups.find((g) => g.name === 'nodes')!
        nodes.spec.maxSize = 5
        nodes.spec.machineType = 't3.large'
      }),
    )
    expect(replaced.code, replaced.stderr).toBe(0)
    const plan = await kforge('update', 'cluster', name)
    expect(plan.stdout).toContain('~ LaunchTemplate lt-nodes')
    expect(plan.stdout).toContain('instanceType: t3.medium -> t3.large')
    expect(plan.stdout).toContain('~ AutoScalingGroup asg-nodes')
    expect(plan.stdout).toContain('maxSize: 3 -> 5')
    expect(plan.stdout).not.toContain('Will create')
    expect(plan.stdout).not.toContain('Will delete')
    expect(plan.stdout.match(/^ {2}~ /gm)).toHaveLength(2)

    const r = await kforge('update', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.mutating.sort()).toEqual(
      [
        'AutoScaling UpdateAutoScalingGroup',
        'EC2 CreateLaunchTemplateVersion',
        'EC2 ModifyLaunchTemplate',
        ...LEASE,
      ].sort(),
    )
    const again = await kforge('update', 'cluster', name, '--yes')
    expect(again.mutating).toEqual(LEASE)
  })

  it('delete lists, then deletes everything owned and the stored spec', async () => {
    const list = await kforge('delete', 'cluster', name)
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/^Will delete:/)
    expect(list.stdout).toContain('Must specify --yes')
    expect(list.mutating).toEqual([])

    const r = await kforge('delete', 'cluster', name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('Removed the cluster from the state store')
    expect(await inventory(endpoint, region, name)).toEqual({})
    const r53 = new Route53Client({
      region,
      endpoint,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    const zones =
      (await r53.send(new ListHostedZonesByNameCommand({DNSName: 'provision-cli.example.com.'})))
        .HostedZones ?? []
    expect(zones.filter((z) => z.Name === 'provision-cli.example.com.')).toEqual([])
    const get = await kforge('get', 'cluster', name)
    expect(get.code).not.toBe(0)
  })
})
