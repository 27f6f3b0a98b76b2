#!/usr/bin/env node
// A cloud-only rolling update against the emulator: one node group of 2, 6 and 12 instances whose
// machine type changed, rolled with --max-surge 1 and with --max-surge 2 --max-unavailable 1;
// wall time and AWS API calls (by action) for the listing and the roll. Prints figures only;
// asserts nothing. Run after `npm run build`: `node bench/rolling-update.mjs` (BENCH_NODES=2,6).
//
// What to look for: the listing costs the same few reads at every size; the roll costs about one
// terminate per instance plus a constant number of reads per batch (wait + validation), so wider
// batches make fewer calls.
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
// The cloud side is what is measured: user-data as given bytes, no state store.
const userData = (group) => `#cloud-config\n# ${group}\n`
const {deleteCluster} = await import(dist('phases/cluster/delete.js'))
const {rollingUpdate} = await import(dist('lifecycle/rolling-update.js'))

const sizes = (process.env.BENCH_NODES ?? '2,6,12').split(',').map(Number)
const region = 'us-east-1'
const strategies = [
  {label: 'surge 1', maxSurge: 1},
  {label: 'surge 2 + unavailable 1', maxSurge: 2, maxUnavailable: 1},
]

function cluster(nodes, label) {
  const c = clusterFromOptions({
    name: `bench${nodes}-${label.replace(/[^a-z0-9]+/g, '')}.rolling.example.com`,
    zones: ['us-east-1a'],
    nodeCount: nodes,
  })
  c.spec.cloud.aws.image = {
    lookup: {owner: '099720109477', namePattern: 'ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*'},
  }
  c.spec.dns = {zone: '', type: 'none'}
  return c
}

async function measure(endpoint, fn) {
  const calls = []
  const aws = new AwsClients({region, endpoint, onCall: (c) => calls.push(`${c.service}:${c.action}`)})
  const started = performance.now()
  const out = await fn(aws)
  const seconds = (performance.now() - started) / 1000
  const byAction = {}
  for (const c of calls) byAction[c] = (byAction[c] ?? 0) + 1
  return {
    out,
    seconds,
    calls: calls.length,
    mutating: calls.filter((c) => isMutating(c.split(':')[1])).length,
    byAction,
  }
}

const moto = await startMoto()
try {
  console.log(
    `cloud-only rolling update against moto (node ${process.version}), KFORGE_POLL_MS=${process.env.KFORGE_POLL_MS}`,
  )
  for (const nodes of sizes) {
    for (const s of strategies) {
      const c = cluster(nodes, s.label)
      const setup = new AwsClients({region, endpoint: moto.endpoint})
      await updateCluster(c, {aws: setup, yes: true, userData})
      c.instanceGroups.find((g) => g.name === 'nodes').spec.machineType = 't3.large'
      await updateCluster(c, {aws: setup, yes: true, userData})
      const base = {
        kube: {skipped: 'bench'},
        cloudOnly: true,
        maxSurge: s.maxSurge,
        maxUnavailable: s.maxUnavailable,
      }
      const list = await measure(moto.endpoint, (aws) => rollingUpdate(c, {...base, aws, yes: false}))
      const roll = await measure(moto.endpoint, (aws) => rollingUpdate(c, {...base, aws, yes: true}))
      console.log(
        `${String(nodes).padStart(3)} nodes, ${s.label.padEnd(24)} list: ${list.calls} calls ${list.seconds.toFixed(2)}s | ` +
          `roll: ${roll.out.replaced.length} replaced, ${roll.calls} calls (${roll.mutating} mutating) ${roll.seconds.toFixed(2)}s`,
      )
      if (process.env.BENCH_VERBOSE) console.log('   ', JSON.stringify(roll.byAction))
      await deleteCluster(c.name, {aws: setup, yes: true, spec: c})
    }
  }
} finally {
  await moto.stop()
}
