#!/usr/bin/env node
// The direct target against the emulator for 1, 10 and 50 instance groups: wall time and AWS API
// calls by action for create, a no-op update, and delete. Prints figures only; asserts nothing.
// Run after `npm run build`: `node bench/provision.mjs` (BENCH_GROUPS=1,10 to choose sizes).
//
// What to look for: the no-op update makes 0 mutating calls and the same number of reads
// whatever the group count; create makes about one mutating call per resource (plus waits).
import {fileURLToPath} from 'node:url'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
process.env.AWS_ACCESS_KEY_ID ??= 'testing'
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing'
process.env.KFORGE_POLL_MS ??= '50'

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url))
const {startMoto} = await import(dist('sandbox/moto.js'))
const {clusterFromOptions} = await import(dist('api/v1alpha1/flags.js'))
const {AwsClients, isMutating} = await import(dist('cloud/aws/clients.js'))
const {updateCluster} = await import(dist('phases/cluster/update.js'))
const {deleteCluster} = await import(dist('phases/cluster/delete.js'))

const sizes = (process.env.BENCH_GROUPS ?? '1,10,50').split(',').map(Number)
const region = 'us-east-1'
const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c']

/** One control-plane group, then node groups up to `groups` in all. */
function cluster(groups) {
  const c = clusterFromOptions({name: `bench${groups}.provision.example.com`, zones, controlPlaneCount: 1})
  c.spec.cloud.aws.image = {
    lookup: {owner: '099720109477', namePattern: 'ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*'},
  }
  c.spec.dns = {zone: '', type: 'none'}
  const cp = c.instanceGroups.find((g) => g.spec.role === 'control-plane')
  const nodes = c.instanceGroups.find((g) => g.spec.role === 'node')
  c.instanceGroups = [cp]
  for (let i = 1; i < groups; i++) {
    c.instanceGroups.push({...nodes, name: `nodes-${i}`, spec: {...nodes.spec, minSize: 1, maxSize: 1}})
  }
  return c
}

async function measure(endpoint, fn) {
  const calls = []
  const aws = new AwsClients({region, endpoint, onCall: (c) => calls.push(`${c.service}:${c.action}`)})
  const started = performance.now()
  await fn(aws)
  const seconds = (performance.now() - started) / 1000
  const byAction = {}
  for (const c of calls) byAction[c] = (byAction[c] ?? 0) + 1
  const mutating = calls.filter((c) => isMutating(c.split(':')[1])).length
  return {seconds, total: calls.length, mutating, reads: calls.length - mutating, byAction}
}

const moto = await startMoto()
const rows = []
try {
  for (const groups of sizes) {
    const c = cluster(groups)
    const create = await measure(moto.endpoint, (aws) => updateCluster(c, {aws, yes: true}))
    const noop = await measure(moto.endpoint, (aws) => updateCluster(c, {aws, yes: true}))
    const del = await measure(moto.endpoint, (aws) => deleteCluster(c.name, {aws, yes: true, spec: c}))
    rows.push({groups, create, noop, del})
  }
} finally {
  await moto.stop()
}

console.log(
  `Direct target against moto (node ${process.version}); groups = instance groups (1 control plane + node groups)\n`,
)
console.log('groups  phase    wall s  calls  mutating  reads')
for (const r of rows) {
  for (const [phase, m] of [
    ['create', r.create],
    ['no-op', r.noop],
    ['delete', r.del],
  ]) {
    console.log(
      `${String(r.groups).padStart(6)}  ${phase.padEnd(7)}${m.seconds.toFixed(1).padStart(7)}${String(m.total).padStart(7)}${String(m.mutating).padStart(10)}${String(m.reads).padStart(7)}`,
    )
  }
}
for (const r of rows) {
  for (const [phase, m] of [
    ['create', r.create],
    ['no-op update', r.noop],
    ['delete', r.del],
  ]) {
    const list = Object.entries(m.byAction)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([a, n]) => `${a} ${n}`)
      .join(', ')
    console.log(`\n${r.groups} groups, ${phase}: ${list}`)
  }
}
