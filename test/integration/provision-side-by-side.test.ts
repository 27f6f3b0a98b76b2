/**
 * Two clusters in one account and region whose names differ only in punctuation:
 * `demo.example.com` and `demo-example.com`. Their AWS names once collided (the KMS alias
 * `alias/kforge/demo-example-com`, the target group `tg-api-demo-example-com`): the second cluster
 * re-tagged the first one's key, its nodes could decrypt with it, and deleting it scheduled that key
 * for deletion. Each is created, updated and deleted here while the other must stay exactly as it was.
 */
import {GetRolePolicyCommand} from '@aws-sdk/client-iam'
import {DescribeKeyCommand, ListAliasesCommand} from '@aws-sdk/client-kms'
import {afterAll, describe, expect, inject, it} from 'vitest'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, type AwsClients, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {updateCluster} from '../../src/phases/cluster/update.js'
import {publicSingleCluster, SSH_PUBLIC_KEY} from '../fixtures/cloud/clusters.js'
import {type Inventory, inventory} from '../fixtures/cloud/inventory.js'
import {emulatorClients, plainUserData} from '../fixtures/cloud/library.js'

const region = 'ca-central-1'

const clients = (calls: AwsCall[] = []): AwsClients => emulatorClients(region, calls)

/** Everything the cluster owns, in a stable order, to compare before and after the other's runs. */
async function snapshot(cluster: Cluster): Promise<Inventory> {
  const inv = await inventory(inject('awsEndpoint'), region, cluster.name)
  for (const items of Object.values(inv)) items.sort((a, b) => a.id.localeCompare(b.id))
  return inv
}

async function aliasTarget(cluster: Cluster): Promise<string | undefined> {
  const aliases = (await (await clients().kms()).send(new ListAliasesCommand({}))).Aliases ?? []
  return aliases.find((a) => a.AliasName === awsNames.kmsAlias(cluster.name))?.TargetKeyId
}

async function keyState(keyId: string): Promise<string | undefined> {
  return (await (await clients().kms()).send(new DescribeKeyCommand({KeyId: keyId}))).KeyMetadata?.KeyState
}

/** The key ARNs a role of the cluster may decrypt its secrets with (undefined: none at all). */
async function decryptKeys(cluster: Cluster, role: 'control-plane' | 'nodes'): Promise<unknown> {
  const out = await (await clients().iam()).send(
    new GetRolePolicyCommand({
      RoleName: awsNames.instanceRole(role, cluster.name),
      PolicyName: `kforge-${role}`,
    }),
  )
  const doc = JSON.parse(decodeURIComponent(out.PolicyDocument!)) as {
    Statement: {Sid?: string; Resource: unknown}[]
  }
  return doc.Statement.find((s) => s.Sid === 'DecryptOwnSecrets')?.Resource
}

async function apply(cluster: Cluster): Promise<void> {
  const result = await updateCluster(cluster, {aws: clients(), yes: true, userData: plainUserData})
  expect(result.applied || !result.changes).toBe(true)
}

describe('two clusters whose names differ only in punctuation', {timeout: 300_000}, () => {
  // The load balancer and target group are the names ELB limits to [a-zA-Z0-9-]; the key pair and
  // key alias the ones that once lost the '.'.
  const dotted = publicSingleCluster('demo.example.com', region, {sshPublicKey: SSH_PUBLIC_KEY})
  const dashed = publicSingleCluster('demo-example.com', region, {sshPublicKey: SSH_PUBLIC_KEY})
  afterAll(async () => {
    for (const c of [dotted, dashed]) await deleteCluster(c.name, {aws: clients(), yes: true, spec: c})
  })

  it('are created, updated and deleted side by side, each leaving the other intact', async () => {
    await apply(dotted)
    const dottedKey = await aliasTarget(dotted)
    expect(dottedKey).toBeDefined()
    const before = await snapshot(dotted)
    expect(Object.keys(before)).toEqual(expect.arrayContaining(['KmsKey', 'LoadBalancer', 'TargetGroup']))

    // The second cluster gets its own of everything; the first is untouched (its key not re-tagged).
    await apply(dashed)
    const dashedKey = await aliasTarget(dashed)
    expect(dashedKey).toBeDefined()
    expect(dashedKey).not.toBe(dottedKey)
    expect(await snapshot(dotted)).toEqual(before)
    const dashedBefore = await snapshot(dashed)
    for (const kind of ['KmsKey', 'LoadBalancer', 'TargetGroup', 'IamRole', 'KeyPair', 'LaunchTemplate']) {
      const mine = new Set(before[kind]!.map((r) => r.id))
      expect(
        dashedBefore[kind]!.filter((r) => mine.has(r.id)),
        kind,
      ).toEqual([])
    }
    // Each cluster's control plane decrypts with its own cluster's key only; nodes (which join
    // through node identity) have nothing sealed for them and may decrypt nothing.
    expect(JSON.stringify(await decryptKeys(dashed, 'control-plane'))).toContain(dashedKey!)
    expect(JSON.stringify(await decryptKeys(dashed, 'control-plane'))).not.toContain(dottedKey!)
    expect(await decryptKeys(dashed, 'nodes')).toBeUndefined()

    // Updating either one changes only that one.
    dashed.spec.sshAccess = ['198.51.100.0/24']
    await apply(dashed)
    expect(await snapshot(dotted)).toEqual(before)
    dotted.spec.sshAccess = ['192.0.2.0/24']
    await apply(dotted)
    const dottedUpdated = await snapshot(dotted)
    const dashedUpdated = await snapshot(dashed)
    expect(dashedUpdated.KmsKey).toEqual(dashedBefore.KmsKey)
    expect(dashedUpdated.TargetGroup).toEqual(dashedBefore.TargetGroup)

    // Deleting the second leaves the first complete: key enabled, nothing to re-create.
    await deleteCluster(dashed.name, {aws: clients(), yes: true, spec: dashed})
    expect(await snapshot(dashed)).toEqual({})
    expect(await snapshot(dotted)).toEqual(dottedUpdated)
    expect(await keyState(dottedKey!)).toBe('Enabled')
    expect(await aliasTarget(dotted)).toBe(dottedKey)
    const calls: AwsCall[] = []
    let plan = ''
    const again = await updateCluster(dotted, {
      aws: clients(calls),
      yes: true,
      userData: plainUserData,
      onPlan: (t) => (plan = t),
    })
    expect(again.changes).toBe(false)
    // Even with nothing to change, the plan lists what is open to the whole internet: the API
    // (spec.api.access defaults to 0.0.0.0/0), and not SSH (spec.sshAccess names one network).
    expect(plan).toMatch(/^No changes/)
    expect(plan).toContain(
      'Open to the internet (0.0.0.0/0):\n  ! SecurityGroupRule rule-api-lb-tcp-6443-6443-from-0-0-0-0-0: tcp/6443 from 0.0.0.0/0\n  ! SecurityGroupRule rule-api-lb-icmp-3-4-from-0-0-0-0-0: icmp/type 3 code 4 from 0.0.0.0/0\n',
    )
    expect(plan).not.toContain('tcp/22 from 0.0.0.0/0')
    expect(calls.filter((c) => isMutating(c.action))).toEqual([])

    // And the other way round: re-create the second, delete the first.
    await apply(dashed)
    const dashedAgain = await snapshot(dashed)
    await deleteCluster(dotted.name, {aws: clients(), yes: true, spec: dotted})
    expect(await snapshot(dotted)).toEqual({})
    expect(await snapshot(dashed)).toEqual(dashedAgain)
    const secondKey = await aliasTarget(dashed)
    expect(await keyState(secondKey!)).toBe('Enabled')
    await deleteCluster(dashed.name, {aws: clients(), yes: true, spec: dashed})
    expect(await snapshot(dashed)).toEqual({})
  })
})
