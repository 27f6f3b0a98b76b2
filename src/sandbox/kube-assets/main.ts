/**
 * `npm run kube-assets`: build or reuse the pinned upstream Kubernetes binaries and images. Prints
 * what it built and how long each took; the last line is the asset directory.
 */
import {buildKubeAssets} from './build.js'
import {MODULE_ROOT} from './paths.js'

async function main(): Promise<void> {
  const started = Date.now()
  const {assets, steps} = await buildKubeAssets({moduleRoot: MODULE_ROOT})
  for (const s of steps) {
    process.stdout.write(
      `${s.name.padEnd(26)} ${s.reused ? 'reused' : `built in ${s.seconds.toFixed(1)} s`}\n`,
    )
  }
  process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  process.stdout.write(`${assets.dir}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`kube-assets: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
