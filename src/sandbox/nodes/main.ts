/**
 * `npm run local-cluster -- up [--control-planes N] [--workers N] [--self-hosted]` and
 * `npm run local-cluster -- down`: a real cluster on this machine (root, Linux), nodes as
 * namespaces, brought up with kforge init/join. `up` prints `KUBECONFIG=<path>` last.
 */
import {parseArgs} from 'node:util'
import {findKubeAssets} from '../kube-assets/build.js'
import {MODULE_ROOT} from '../kube-assets/paths.js'
import {downLocalCluster, localBase, upLocalCluster} from './cluster.js'

async function main(): Promise<void> {
  const {positionals, values} = parseArgs({
    allowPositionals: true,
    options: {
      'control-planes': {type: 'string', default: '1'},
      workers: {type: 'string', default: '2'},
      'self-hosted': {type: 'boolean', default: false},
    },
  })
  const base = localBase()
  const [command] = positionals
  if (command === 'down') {
    await downLocalCluster(base)
    process.stderr.write(`removed the local cluster at ${base}\n`)
    return
  }
  if (command !== 'up')
    throw new Error('usage: local-cluster up [--control-planes N] [--workers N] [--self-hosted] | down')
  if (process.getuid?.() !== 0)
    throw new Error('local-cluster needs root (network namespaces, mounts, cgroups)')
  const controlPlanes = Number(values['control-planes'])
  const workers = Number(values.workers)
  if (!Number.isInteger(controlPlanes) || controlPlanes < 1)
    throw new Error('--control-planes: expected a whole number >= 1')
  if (!Number.isInteger(workers) || workers < 0) throw new Error('--workers: expected a whole number >= 0')
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets)
    throw new Error('the Kubernetes assets are missing or out of date: run `npm run kube-assets` first')
  const lc = await upLocalCluster({base, assets, controlPlanes, workers, selfHosted: values['self-hosted']})
  process.stdout.write(`KUBECONFIG=${lc.kubeconfig}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`local-cluster: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
