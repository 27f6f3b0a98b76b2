/**
 * The prerequisites phase, one decision for both targets, through the CLI against the emulator:
 * a plan writes nothing anywhere and shows what the prerequisites would make; an export before
 * they exist is refused with the command that makes them; after them, the exported stack's launch
 * templates carry byte for byte the user-data the direct target puts in its own; and an apply runs
 * prerequisites → network → security → cluster, in that order, once.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {gunzipSync} from 'node:zlib'
import {DescribeLaunchTemplateVersionsCommand, EC2Client} from '@aws-sdk/client-ec2'
import {KMSClient, ListAliasesCommand} from '@aws-sdk/client-kms'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {logicalId} from '../../src/cloud/aws/cfn/template.js'
import {isMutating} from '../../src/cloud/aws/clients.js'
import {lockKey} from '../../src/state/lock.js'
import {openStateStore} from '../../src/state/store.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

const region = 'ap-northeast-2'
// For this file's own reads of the state store (the emulator takes any credentials).
process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
const dir = tempDir('kforge-cfn-prereq-')
const callLog = join(dir, 'calls.log')
const creds = {accessKeyId: 'testing', secretAccessKey: 'testing'}
let env: Record<string, string>
const kforge = (...args: string[]) => runKforge(args, {env})

/** The calls the CLI made since the log was last cleared: `<service> <Action>` lines. */
function calls(): {service: string; action: string}[] {
  const text = (() => {
    try {
      return readFileSync(callLog, 'utf8')
    } catch {
      return ''
    }
  })()
  writeFileSync(callLog, '')
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [service, action] = l.split(' ')
      return {service: service!, action: action!}
    })
}

async function create(cluster: Cluster) {
  const file = join(dir, `${cluster.name}.yaml`)
  writeFileSync(file, renderSpec(cluster))
  const r = await kforge('create', '-f', file)
  expect(r.code, r.stderr).toBe(0)
}

async function aliases(): Promise<string[]> {
  const kms = new KMSClient({region, endpoint: inject('awsEndpoint'), credentials: creds})
  return ((await kms.send(new ListAliasesCommand({}))).Aliases ?? []).map((a) => a.AliasName!)
}

/** Each group's launch template user-data (base64) as the direct target left it. */
async function directUserData(cluster: Cluster): Promise<Record<string, string>> {
  const ec2 = new EC2Client({region, endpoint: inject('awsEndpoint'), credentials: creds})
  const out: Record<string, string> = {}
  for (const g of cluster.instanceGroups) {
    const v = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateName: awsNames.launchTemplate(g.name, cluster.name),
        Versions: ['$Latest'],
      }),
    )
    out[g.name] = v.LaunchTemplateVersions![0]!.LaunchTemplateData!.UserData!
  }
  return out
}

/** Each group's launch template user-data (base64) in an exported template. */
function stackUserData(cluster: Cluster, file: string): Record<string, string> {
  const t = JSON.parse(readFileSync(file, 'utf8')) as {
    Resources: Record<string, {Properties: {LaunchTemplateData?: {UserData: string}}}>
  }
  return Object.fromEntries(
    cluster.instanceGroups.map((g) => [
      g.name,
      t.Resources[logicalId(`lt-${g.name}`)]!.Properties.LaunchTemplateData!.UserData,
    ]),
  )
}

beforeAll(async () => {
  env = {
    ...emulatorEnv(region),
    KFORGE_STATE_STORE: await emulatorStateStore(region, 'kforge-cfn-prereq'),
    KFORGE_POLL_MS: '50',
    KFORGE_AWS_CALL_LOG: callLog,
  }
})

describe('the prerequisites phase', {timeout: 300_000}, () => {
  it('a plan writes nothing anywhere, and shows the prerequisites and the user-data pending on them', async () => {
    const c = publicSingleCluster('plan.cfn-prereq.example.com', region)
    await create(c)
    const store = await openStateStore(env.KFORGE_STATE_STORE!, {region, endpoint: inject('awsEndpoint')})
    const before = await store.list(`${c.name}/`)
    calls()
    const plan = await kforge('update', 'cluster', c.name)
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain('+ KmsKey kms-key')
    expect(plan.stdout).toContain('+ StateStoreObjects state-store-objects')
    expect(plan.stdout).toMatch(
      /\+ LaunchTemplate lt-nodes: .*user-data \(rendered after the prerequisites\)/,
    )
    expect(calls().filter((x) => isMutating(x.action))).toEqual([])
    expect(await store.list(`${c.name}/`)).toEqual(before)
    expect(await aliases()).not.toContain(awsNames.kmsAlias(c.name))
  })

  it('refuses an export whose prerequisites do not exist, naming them and the command that makes them', async () => {
    const c = publicSingleCluster('refused.cfn-prereq.example.com', region)
    await create(c)
    const out = join(dir, 'refused')
    calls()
    const r = await kforge('export', 'cloudformation', c.name, '--out', out)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('KmsKey kms-key')
    expect(r.stderr).toContain('StateStoreObjects state-store-objects')
    expect(r.stderr).toContain(`kforge update cluster ${c.name} --phase prerequisites --yes`)
    const u = await kforge('update', 'cluster', c.name, '--target', 'cloudformation', '--out', out)
    expect(u.code).not.toBe(0)
    expect(u.stderr).toContain(`kforge update cluster ${c.name} --phase prerequisites --yes`)
    expect(calls().filter((x) => isMutating(x.action))).toEqual([])
  })

  it('gives the exported stack the user-data the direct target puts in its launch templates', async () => {
    const c = publicSingleCluster('same.cfn-prereq.example.com', region)
    await create(c)
    const pre = await kforge('update', 'cluster', c.name, '--phase', 'prerequisites', '--yes')
    expect(pre.code, pre.stderr).toBe(0)
    const made = calls()
    // The prerequisites phase alone: the key, the state store's objects, nothing of the cluster.
    expect(made.map((x) => x.action)).toEqual(
      expect.arrayContaining(['CreateKey', 'CreateAlias', 'PutObject']),
    )
    expect(
      made.filter((x) => /^(CreateVpc|CreateSecurityGroup|CreateLaunchTemplate)$/.test(x.action)),
    ).toEqual([])

    const exported = await kforge('export', 'cloudformation', c.name, '--out', join(dir, 'same'))
    expect(exported.code, exported.stderr).toBe(0)
    const file = join(dir, 'same', `${c.name}.cloudformation.json`)
    const fromStack = stackUserData(c, file)
    // The export reads: it makes and writes nothing.
    expect(calls().filter((x) => isMutating(x.action))).toEqual([])

    const store = await openStateStore(env.KFORGE_STATE_STORE!, {region, endpoint: inject('awsEndpoint')})
    const objects = async () => (await store.list(`${c.name}/`)).filter((k) => k !== lockKey(c.name))
    const stored = await objects()
    const applied = await kforge('update', 'cluster', c.name, '--yes')
    expect(applied.code, applied.stderr).toBe(0)
    // The prerequisites existed: the apply made none of them again.
    expect(calls().filter((x) => /^(CreateKey|CreateAlias)$/.test(x.action))).toEqual([])
    expect(await objects()).toEqual(stored)
    expect(await directUserData(c)).toEqual(fromStack)
    for (const g of c.instanceGroups) {
      // The real cloud-config (as is, or gzip when large), never a stand-in.
      const bytes = Buffer.from(fromStack[g.name]!, 'base64')
      const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString()
      expect(text).toMatch(/^#cloud-config\n/)
      expect(text).toContain(c.name)
    }

    // And the same bytes again after the direct apply, through update --target cloudformation.
    const again = await kforge(
      'update',
      'cluster',
      c.name,
      '--target',
      'cloudformation',
      '--out',
      join(dir, 'again'),
    )
    expect(again.code, again.stderr).toBe(0)
    expect(readFileSync(join(dir, 'again', `${c.name}.cloudformation.json`)).equals(readFileSync(file))).toBe(
      true,
    )
    expect((await kforge('delete', 'cluster', c.name, '--yes')).code).toBe(0)
  })

  it('applies prerequisites, network, security and cluster in that order', async () => {
    const c = publicSingleCluster('order.cfn-prereq.example.com', region)
    await create(c)
    calls()
    const r = await kforge('update', 'cluster', c.name, '--yes')
    expect(r.code, r.stderr).toBe(0)
    const log = calls()
    const first = (action: string) => log.findIndex((x) => x.action === action)
    const last = (action: string) => log.findLastIndex((x) => x.action === action)
    for (const a of ['CreateKey', 'CreateVpc', 'CreateSecurityGroup', 'CreateLaunchTemplate']) {
      expect(first(a), a).toBeGreaterThanOrEqual(0)
    }
    // prerequisites (the key, then the state store's objects) → network → security → cluster
    const between = log.slice(first('CreateKey'), first('CreateVpc'))
    expect(
      between.filter((x) => x.service === 'S3' && x.action === 'PutObject').length,
    ).toBeGreaterThanOrEqual(9)
    expect(last('CreateAlias')).toBeLessThan(first('CreateVpc'))
    expect(last('CreateSubnet')).toBeLessThan(first('CreateSecurityGroup'))
    expect(last('PutRolePolicy')).toBeLessThan(first('CreateLaunchTemplate'))
    // No phase re-planned: one read of the launch templates, at plan time.
    expect(log.filter((x) => x.action === 'DescribeLaunchTemplates').length).toBe(1)
    expect((await kforge('delete', 'cluster', c.name, '--yes')).code).toBe(0)
  })
})
