#!/usr/bin/env node
// The direct target against the emulator for 1, 10 and 50 instance groups: wall time and AWS API
// calls by action for create, a no-op update, and delete, first against the emulator as it
// answers, then through the realism layer (src/sandbox/fault-proxy.ts) at the rates the
// lifecycle proof uses: 15% lost answers, 20% burst throttling, 1% answers later than the
// client's timeout, 10 s read-after-write lag, NAT gateways / load balancers / instances pending
// (60 s / 90 s / 30 s, compressed tenfold). Prints figures only; asserts nothing.
// Run after `npm run build`: `node bench/provision.mjs` (BENCH_GROUPS=1,10 to choose sizes;
// BENCH_REALISM=0 for the plain emulator only).
//
// What to look for: the no-op update makes 0 mutating calls and the same number of reads
// whatever the group count; create makes about one mutating call per resource (plus waits).
// Through the realism layer, the calls kforge makes (counted once per operation, not per SDK
// attempt) grow only by its waits and adoptions; the proxy's own count of requests shows the
// retries underneath.
import {fileURLToPath} from 'node:url'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
process.env.AWS_ACCESS_KEY_ID ??= 'testing'
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing'
process.env.KFORGE_POLL_MS ??= '50'

const dist = (p) => fileURLToPath(new URL(`../dist/${p}`, import.meta.url))
const {startMoto} = await import(dist('sandbox/moto.js'))
const {startFaultProxy} = await import(dist('sandbox/fault-proxy.js'))
const {clusterFromOptions} = await import(dist('api/v1alpha1/flags.js'))
const {AwsClients, isMutating} = await import(dist('cloud/aws/clients.js'))
const {updateCluster} = await import(dist('phases/cluster/update.js'))
// The cloud side is what is measured: user-data as given bytes, no state store.
const userData = (group) => `#cloud-config\n# ${group}\n`
const {deleteCluster} = await import(dist('phases/cluster/delete.js'))

const sizes = (process.env.BENCH_GROUPS ?? '1,10,50').split(',').map(Number)
const layers = process.env.BENCH_REALISM === '0' ? ['none'] : ['none', 'realism']
const region = 'us-east-1'
const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c']

/** One control-plane group, then node groups up to `groups` in all. */
function cluster(groups, layer) {
  const c = clusterFromOptions({
    name: `bench${groups}-${layer}.provision.example.com`,
    zones,
    controlPlaneCount: 1,
  })
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

async function measure(endpoint, proxy, fn) {
  const calls = []
  const aws = new AwsClients({region, endpoint, onCall: (c) => calls.push(`${c.service}:${c.action}`)})
  const requests = proxy?.stats.requests ?? 0
  const started = performance.now()
  await fn(aws)
  const seconds = (performance.now() - started) / 1000
  const byAction = {}
  for (const c of calls) byAction[c] = (byAction[c] ?? 0) + 1
  const mutating = calls.filter((c) => isMutating(c.split(':')[1])).length
  return {
    seconds,
    total: calls.length,
    mutating,
    reads: calls.length - mutating,
    requests: proxy ? String(proxy.stats.requests - requests) : '-',
    byAction,
  }
}

const moto = await startMoto()
const rows = []
const summaries = []
try {
  for (const layer of layers) {
    const proxy =
      layer === 'realism'
        ? await startFaultProxy({
            target: moto.endpoint,
            seed: 1,
            lostResponseRate: 0.15,
            burstThrottleRate: 0.2,
            slowResponseRate: 0.01,
            slowResponseMs: 3500,
            readAfterWriteLagMs: 10_000,
            natGatewayPendingMs: 6_000,
            loadBalancerProvisioningMs: 9_000,
            instancePendingMs: 3_000,
          })
        : undefined
    // A late answer costs 3 s, not the default 30.
    if (proxy) process.env.KFORGE_AWS_REQUEST_TIMEOUT_MS = '3000'
    else delete process.env.KFORGE_AWS_REQUEST_TIMEOUT_MS
    const endpoint = proxy?.endpoint ?? moto.endpoint
    try {
      for (const groups of sizes) {
        const c = cluster(groups, layer)
        const create = await measure(endpoint, proxy, (aws) => updateCluster(c, {aws, yes: true, userData}))
        const noop = await measure(endpoint, proxy, (aws) => updateCluster(c, {aws, yes: true, userData}))
        const del = await measure(endpoint, proxy, (aws) => deleteCluster(c.name, {aws, yes: true, spec: c}))
        rows.push({layer, groups, create, noop, del})
      }
    } finally {
      if (proxy) {
        summaries.push(`realism layer: ${proxy.summary()}`)
        await proxy.close()
      }
    }
  }
} finally {
  await moto.stop()
}

console.log(
  `Direct target against moto (node ${process.version}); groups = instance groups (1 control plane + node groups);\n` +
    'calls = operations kforge made (mutating + reads); requests = HTTP requests that reached the proxy (SDK retries included)\n',
)
console.log('layer    groups  phase    wall s  calls  mutating  reads  requests')
for (const r of rows) {
  for (const [phase, m] of [
    ['create', r.create],
    ['no-op', r.noop],
    ['delete', r.del],
  ]) {
    console.log(
      `${r.layer.padEnd(7)}${String(r.groups).padStart(7)}  ${phase.padEnd(7)}${m.seconds.toFixed(1).padStart(7)}${String(m.total).padStart(7)}${String(m.mutating).padStart(10)}${String(m.reads).padStart(7)}${m.requests.padStart(10)}`,
    )
  }
}
for (const s of summaries) console.log(`\n${s}`)
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
    console.log(`\n${r.layer}, ${r.groups} groups, ${phase}: ${list}`)
  }
}
