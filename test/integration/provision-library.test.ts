/**
 * The provisioner as a library against the emulator: create, a second apply that changes
 * nothing (no mutating call at all), and delete that leaves nothing owned.
 */
import {afterAll, describe, expect, inject, it} from 'vitest'
import {type AwsCall, AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import type {Cluster} from '../../src/spec/types.js'
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
})
