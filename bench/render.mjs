#!/usr/bin/env node
// Median wall time to render every instance group's user-data (cloud-config, delivery, sha256)
// for clusters of 1, 10 and 100 instance groups, with realistic-size placeholder assets (no KMS).
// Prints figures only; it asserts nothing. Run after `npm run build`: `node bench/render.mjs`.

import {clusterFromOptions} from '../dist/api/v1alpha1/flags.js'
import {placeholderAssets} from '../dist/render/placeholder.js'
import {renderClusterUserData} from '../dist/render/render.js'

const runs = Number(process.env.BENCH_RUNS ?? 15)

/** A 3-zone private cluster with a bastion, cut or grown to `count` groups (extra groups are workers). */
function clusterWith(count) {
  const base = clusterFromOptions({
    name: 'bench.example.com',
    zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    topology: 'private',
    bastion: true,
  })
  const worker = base.instanceGroups.find((g) => g.spec.role === 'node')
  const groups = [...base.instanceGroups]
  for (let i = 0; groups.length < count; i++) {
    groups.push({
      ...worker,
      name: `workers-${i}`,
      spec: {...worker.spec, nodeLabels: {'example.com/pool': `p${i}`}},
    })
  }
  return {...base, instanceGroups: groups.slice(0, count)}
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

// First render compiles the templates; time steady state, as the provisioner renders many times.
renderClusterUserData(clusterWith(1), placeholderAssets(clusterWith(1)))

console.log(`render all user-data, median of ${runs} runs (node ${process.version}, ${process.platform})`)
for (const count of [1, 10, 100]) {
  const cluster = clusterWith(count)
  const assets = placeholderAssets(cluster)
  const times = []
  let bytes = 0
  let deliveries = {}
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint()
    const rendered = renderClusterUserData(cluster, assets)
    times.push(Number(process.hrtime.bigint() - t0) / 1e6)
    bytes = rendered.reduce((n, r) => n + r.userData.length, 0)
    deliveries = {}
    for (const r of rendered) deliveries[r.delivery] = (deliveries[r.delivery] ?? 0) + 1
  }
  const med = median(times)
  const per = med / cluster.instanceGroups.length
  const kinds = Object.entries(deliveries)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ')
  console.log(
    `${String(count).padStart(3)} groups: ${med.toFixed(1).padStart(7)} ms  (${per.toFixed(2)} ms/group; ${bytes} bytes of user-data: ${kinds})`,
  )
}
