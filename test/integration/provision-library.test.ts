/**
 * The provisioner as a library against the emulator: create, a second apply that changes
 * nothing (no mutating call at all), and delete that leaves nothing owned.
 */
import {ListAliasesCommand} from '@aws-sdk/client-kms'
import {afterAll, describe, expect, inject, it} from 'vitest'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {haPrivateCluster, publicSingleCluster} from '../fixtures/cloud/clusters.js'

const region = 'us-west-2'
process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
process.env.KFORGE_POLL_MS = '50'

function clients(calls: AwsCall[] = []): AwsClients {
  return new AwsClients({region, endpoint: inject('awsEndpoint'), onCall: (c) => calls.push(c)})
}

async function roundTrip(cluster: Cluster) {
  const first: AwsCall[] = []
  const created = await updateCluster(cluster, {aws: clients(first), yes: true})
  expect(created.applied).toBe(true)

  const second: AwsCall[] = []
  let text = ''
  const again = await updateCluster(cluster, {aws: clients(second), yes: true, onPlan: (t) => (text = t)})
  expect(text).toMatch(/^No changes/)
  expect(again.changes).toBe(false)
  expect(second.filter((c) => isMutating(c.action))).toEqual([])

  const deleted = await deleteCluster(cluster.name, {aws: clients(), yes: true, spec: cluster})
  expect(deleted.deleted).toBe(deleted.resources.length)
  const after = await deleteCluster(cluster.name, {aws: clients(), spec: cluster})
  expect(after.resources).toEqual([])
  return {created, first}
}

describe('direct target, library level', {timeout: 300_000}, () => {
  const single = publicSingleCluster('lib.provision.example.com', region)
  const ha = haPrivateCluster('ha.lib.provision.example.com', region)
  afterAll(async () => {
    for (const c of [single, ha]) await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })

  it('1-zone public: create, no-op, delete', async () => {
    await roundTrip(single)
  })

  it('3-zone HA private: create, no-op, delete', async () => {
    const {created} = await roundTrip(ha)
    expect(created.plan.create.map((c) => c.kind)).toContain('NatGateway')
  })

  it('no-op reads do not grow with the number of instance groups', async () => {
    const reads: number[] = []
    for (const groups of [2, 12]) {
      const c = publicSingleCluster(`groups${groups}.lib.provision.example.com`, region)
      const nodes = c.instanceGroups.find((g) => g.spec.role === 'node')!
      c.instanceGroups = [
        ...c.instanceGroups.filter((g) => g.spec.role !== 'node'),
        ...Array.from({length: groups - 1}, (_, i) => ({
          ...nodes,
          name: `nodes-${i}`,
          spec: {...nodes.spec, minSize: 1, maxSize: 1},
        })),
      ]
      await updateCluster(c, {aws: clients(), yes: true})
      const calls: AwsCall[] = []
      const noop = await updateCluster(c, {aws: clients(calls), yes: true})
      expect(noop.changes).toBe(false)
      expect(calls.filter((x) => isMutating(x.action))).toEqual([])
      reads.push(calls.length)
      await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
    }
    expect(reads[1]).toBe(reads[0])
  })

  it('a changed API access list replaces the rule; a new SSH key replaces the key pair', async () => {
    const c = haPrivateCluster('access.lib.provision.example.com', region)
    await updateCluster(c, {aws: clients(), yes: true})
    c.spec.api.access = ['198.51.100.0/24']
    c.spec.cloud.aws.sshKey = {
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFf0Gx3uPq9l0Vv2Yh8cJm7kQyYc3v1bB0Zp6wqfG1Ta other',
    }
    let text = ''
    const calls: AwsCall[] = []
    await updateCluster(c, {aws: clients(calls), yes: true, onPlan: (t) => (text = t)})
    expect(text).toContain('+ SecurityGroupRule rule-api-lb-tcp-6443-6443-from-198-51-100-0-24')
    expect(text).toMatch(/- SecurityGroupRule sgr-\w+ \(api-lb-ingress\./)
    expect(text).toContain('± KeyPair keypair')
    expect(
      calls
        .filter((x) => isMutating(x.action))
        .map((x) => x.action)
        .sort(),
    ).toEqual([
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'DeleteKeyPair',
      'ImportKeyPair',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
    ])
    const again = await updateCluster(c, {aws: clients(), yes: true})
    expect(again.changes).toBe(false)
    await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })

  it('user-data that needs the new KMS key is rendered after the security phase', async () => {
    const c = publicSingleCluster('late.lib.provision.example.com', region)
    let sawKey = false
    const late = async () => {
      const listed = await (await clients().kms()).send(new ListAliasesCommand({}))
      sawKey = (listed.Aliases ?? []).some((a) => a.AliasName === awsNames.kmsAlias(c.name))
      return (group: string) => `#cloud-config\n# sealed for ${group}\n`
    }
    await updateCluster(c, {
      aws: clients(),
      yes: true,
      userData: () => '#cloud-config\n# pending\n',
      lateUserData: late,
    })
    expect(sawKey).toBe(true)
    const again = await updateCluster(c, {
      aws: clients(),
      yes: true,
      userData: (g) => `#cloud-config\n# sealed for ${g}\n`,
    })
    expect(again.changes).toBe(false)
    await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })
})
