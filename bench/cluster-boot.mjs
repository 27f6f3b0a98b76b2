#!/usr/bin/env node
// Boot times of a real cluster on this machine, kforge beside upstream kubeadm on the same local
// nodes in the same run: from `init` to /readyz and to the control-plane Node Ready, and from
// `join` to the worker Node Ready. Medians of BENCH_ROUNDS rounds (default 3), each round one
// fresh two-node cluster per tool, the tools alternating; ratios are kforge / kubeadm. Booting the
// nodes (containerd, image import) is the same for both and is not timed. Prints figures only; it
// asserts nothing. Needs root, Linux and the assets (`npm run kube-assets`); run after
// `npm run build`: `node bench/cluster-boot.mjs`.

import {request} from 'node:https'
import {findKubeAssets} from '../dist/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../dist/sandbox/kube-assets/paths.js'
import {
  adoptFirstControlPlane,
  bootLocalCluster,
  downLocalCluster,
  initFirstControlPlane,
  joinNode,
  kubectl,
} from '../dist/sandbox/nodes/cluster.js'
import {BRIDGE_ADDRESS} from '../dist/sandbox/nodes/network.js'
import {kubeadmInitFirstControlPlane, kubeadmJoinWorker} from '../dist/sandbox/nodes/upstream.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const base = process.env.KFORGE_LOCAL_DIR || '/var/lib/kforge-local-bench'

if (process.getuid?.() !== 0) {
  console.error('cluster-boot: needs root (network namespaces, mounts, cgroups)')
  process.exit(1)
}
const assets = findKubeAssets(MODULE_ROOT)
if (!assets) {
  console.error('cluster-boot: the Kubernetes assets are missing or out of date: run `npm run kube-assets`')
  process.exit(1)
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** /readyz through the load balancer's stand-in, anonymously (system:public-info-viewer). */
function readyz() {
  return new Promise((resolve) => {
    const req = request(
      `https://${BRIDGE_ADDRESS}:6443/readyz`,
      {rejectUnauthorized: false, timeout: 2000},
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      },
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}

async function until(what, probe, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await probe().catch(() => false)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function nodeReady(lc, name) {
  const node = JSON.parse(await kubectl(lc, ['get', 'node', name, '-o', 'json']))
  return node.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True')
}

const TOOLS = {
  kforge: {
    init: (lc, node) => initFirstControlPlane(lc, node).then(() => adoptFirstControlPlane(lc)),
    join: (lc, node) => joinNode(lc, node, false),
  },
  kubeadm: {
    init: kubeadmInitFirstControlPlane,
    join: kubeadmJoinWorker,
  },
}

/** One fresh cluster: seconds from init to /readyz and to cp1 Ready, and from join to w1 Ready. */
async function boot(tool) {
  const lc = await bootLocalCluster({base, assets, controlPlanes: 1, workers: 1, log: () => {}})
  try {
    const [cp1, w1] = lc.nodes
    const t0 = Date.now()
    let apiReady
    const watch = until('/readyz', readyz).then(() => {
      apiReady = (Date.now() - t0) / 1000
    })
    await TOOLS[tool].init(lc, cp1)
    await watch
    await until('cp1 Ready', () => nodeReady(lc, 'cp1'))
    const cpReady = (Date.now() - t0) / 1000
    const t1 = Date.now()
    await TOOLS[tool].join(lc, w1)
    await until('w1 Ready', () => nodeReady(lc, 'w1'))
    return {apiReady, cpReady, joinReady: (Date.now() - t1) / 1000}
  } finally {
    await downLocalCluster(base)
  }
}

const results = {kforge: [], kubeadm: []}
for (let round = 1; round <= rounds; round++) {
  for (const tool of round % 2 ? ['kforge', 'kubeadm'] : ['kubeadm', 'kforge']) {
    const r = await boot(tool)
    results[tool].push(r)
    console.log(
      `round ${round} ${tool.padEnd(7)} init→/readyz ${r.apiReady.toFixed(1)} s  init→cp Ready ${r.cpReady.toFixed(1)} s  join→Ready ${r.joinReady.toFixed(1)} s`,
    )
  }
}

console.log(`\nmedians of ${rounds} (seconds)      kforge   kubeadm   kforge/kubeadm`)
for (const [label, key] of [
  ['init → /readyz', 'apiReady'],
  ['init → control-plane Ready', 'cpReady'],
  ['join → worker Ready', 'joinReady'],
]) {
  const k = median(results.kforge.map((r) => r[key]))
  const u = median(results.kubeadm.map((r) => r[key]))
  console.log(
    `${label.padEnd(30)} ${k.toFixed(1).padStart(6)}   ${u.toFixed(1).padStart(7)}   ${(k / u).toFixed(2).padStart(14)}`,
  )
}
