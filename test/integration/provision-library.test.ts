/**
 * The provisioner as a library against the emulator: create, a second apply that changes
 * nothing (no mutating call at all), and delete that leaves nothing owned; and the phases in
 * their one order, prerequisites first, with the user-data they render in the launch templates.
 */
import {DescribeLaunchTemplateVersionsCommand} from '@aws-sdk/client-ec2'
import {afterAll, describe, expect, inject, it} from 'vitest'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, type AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {clusterStoreObjects} from '../../src/phases/cluster/prerequisites.js'
import {provisionCluster} from '../../src/phases/cluster/provision.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {S3StateStore} from '../../src/state/s3.js'
import {silentLogger} from '../../src/util/logger.js'
import {haPrivateCluster, publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorClients, expectNoOpUpdate, plainUserData} from '../fixtures/cloud/library.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'

const region = 'us-west-2'

const clients = (calls: AwsCall[] = []): AwsClients => emulatorClients(region, calls)

async function roundTrip(cluster: Cluster) {
  const first: AwsCall[] = []
  const created = await updateCluster(cluster, {aws: clients(first), yes: true, userData: plainUserData})
  expect(created.applied).toBe(true)

  await expectNoOpUpdate(cluster, region)

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
      await updateCluster(c, {aws: clients(), yes: true, userData: plainUserData})
      const calls: AwsCall[] = []
      const noop = await updateCluster(c, {aws: clients(calls), yes: true, userData: plainUserData})
      expect(noop.changes).toBe(false)
      expect(calls.filter((x) => isMutating(x.action))).toEqual([])
      reads.push(calls.length)
      await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
    }
    expect(reads[1]).toBe(reads[0])
  })

  it('a changed API access list replaces the rule; a new SSH key replaces the key pair', async () => {
    const c = haPrivateCluster('access.lib.provision.example.com', region)
    await updateCluster(c, {aws: clients(), yes: true, userData: plainUserData})
    c.spec.api.access = ['198.51.100.0/24']
    c.spec.cloud.aws.sshKey = {
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFf0Gx3uPq9l0Vv2Yh8cJm7kQyYc3v1bB0Zp6wqfG1Ta other',
    }
    let text = ''
    const calls: AwsCall[] = []
    await updateCluster(c, {
      aws: clients(calls),
      yes: true,
      userData: plainUserData,
      onPlan: (t) => (text = t),
    })
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
    const again = await updateCluster(c, {aws: clients(), yes: true, userData: plainUserData})
    expect(again.changes).toBe(false)
    await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })

  it('applies the prerequisites first, and the cluster phase takes its user-data from them', async () => {
    const c = publicSingleCluster('prereq.lib.provision.example.com', region)
    const calls: AwsCall[] = []
    const onCall = (x: AwsCall) => calls.push(x)
    const store = S3StateStore.fromUrl(await emulatorStateStore(region, 'kforge-provision-library'), {
      region,
      endpoint: inject('awsEndpoint'),
      onCall,
    })
    const aws = emulatorClients(region, calls)
    let plan = ''
    await provisionCluster(c, {store, aws, yes: true, logger: silentLogger, onPlan: (t) => (plan = t)})
    expect(plan).toContain('+ KmsKey kms-key')
    expect(plan).toContain('+ StateStoreObjects state-store-objects')
    expect(plan).toContain('user-data (rendered after the prerequisites)')

    // One way: key, then the state store's objects, then network, security, cluster.
    const first = (action: string) => calls.findIndex((x) => x.action === action)
    const order = [
      'CreateKey',
      'CreateAlias',
      'PutObject',
      'CreateVpc',
      'CreateSecurityGroup',
      'CreateLaunchTemplate',
    ]
    for (const a of order) expect(first(a), a).toBeGreaterThanOrEqual(0)
    expect(order.map(first)).toEqual(order.map(first).sort((a, b) => a - b))
    expect(calls.findLastIndex((x) => x.action === 'PutObject' && x.service === 'S3')).toBeLessThan(
      first('CreateVpc'),
    )

    // The launch template carries the user-data rendered from what the prerequisites stored.
    const found = await clusterStoreObjects(c, {store, aws, logger: silentLogger}).find()
    expect(found?.missing).toEqual([])
    const ec2 = await aws.ec2()
    const version = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: awsNames.launchTemplate('nodes', c.name),
        Versions: ['$Latest'],
      }),
    )
    const lt = version.LaunchTemplateVersions![0]!.LaunchTemplateData!.UserData
    expect(lt).toBe(found?.attrs['userData:nodes'])
    expect(Buffer.from(lt!, 'base64').toString()).not.toContain('instance-group')

    const again: AwsCall[] = []
    const noop = await provisionCluster(c, {
      store: S3StateStore.fromUrl(store.location, {
        region,
        endpoint: inject('awsEndpoint'),
        onCall: (x) => again.push(x),
      }),
      aws: clients(again),
      yes: true,
      logger: silentLogger,
    })
    expect(noop.changes).toBe(false)
    expect(again.filter((x) => isMutating(x.action))).toEqual([])
    await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })
})
