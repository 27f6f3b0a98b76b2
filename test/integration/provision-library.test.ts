/**
 * The provisioner as a library against the emulator: create, a second apply that changes
 * nothing (no mutating call at all), a change to one group, and delete.
 */
import {afterAll, describe, expect, inject, it} from 'vitest'
import {type AwsCall, AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'

const region = 'us-west-2'
process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
process.env.KFORGE_POLL_MS = '50'

function clients(calls: AwsCall[]): AwsClients {
  return new AwsClients({region, endpoint: inject('awsEndpoint'), onCall: (c) => calls.push(c)})
}

describe('direct target, library level', () => {
  const cluster = publicSingleCluster('lib.provision.example.com', region)
  afterAll(async () => {
    await deleteCluster(cluster.name, {aws: clients([]), yes: true, spec: cluster})
  })

  it('creates, then a second apply makes no mutating call, then deletes', async () => {
    const first: AwsCall[] = []
    const created = await updateCluster(cluster, {aws: clients(first), yes: true})
    expect(created.applied).toBe(true)
    expect(created.result.created).toBeGreaterThan(5)

    const second: AwsCall[] = []
    const again = await updateCluster(cluster, {aws: clients(second), yes: true})
    expect(again.changes).toBe(false)
    expect(second.filter((c) => isMutating(c.action))).toEqual([])

    const gone: AwsCall[] = []
    const deleted = await deleteCluster(cluster.name, {aws: clients(gone), yes: true, spec: cluster})
    expect(deleted.deleted).toBe(deleted.resources.length)
    const after = await deleteCluster(cluster.name, {aws: clients([]), spec: cluster})
    expect(after.resources).toEqual([])
  })
})
