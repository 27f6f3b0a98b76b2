/**
 * Builds (or reuses) the upstream Kubernetes binaries, etcd, CoreDNS and pause from the Go module
 * proxy with the ordinary `go build`, and an OCI archive of the images kforge's manifests name.
 * Each Go module under kube-assets/ pins one upstream release (go.sum committed); the output goes
 * to a cache directory outside the clone, keyed by Kubernetes version, and is reused while the
 * stamp (versions + the modules' go.mod/go.sum/sources) matches.
 */
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {HOSTGW_IMAGE} from '../../kube/manifests/cni.js'
import {builtFromSame} from './build-info.js'
import {hostFiles} from './host-files.js'
import {type ImageSpec, ociArchive} from './oci.js'
import {type AssetVersions, assetVersions, KUBERNETES_BINARIES} from './versions.js'

export interface KubeAssets {
  dir: string
  bin: string
  /** One OCI archive with every image, for `ctr -n k8s.io images import`. */
  images: string
  versions: AssetVersions
  /** Image references in the archive. */
  references: string[]
}

export interface BuildStep {
  name: string
  seconds: number
  reused: boolean
}

const STAMP_FILE = 'assets.json'
/** Bumped when the layout of the asset directory or the images changes. */
const LAYOUT = 2
const IMAGE_REPOSITORY = 'registry.k8s.io'
/** containernetworking-plugins from Debian (installed by .ci/run and the pretest step). */
const DEBIAN_CNI_PLUGINS = '/usr/lib/cni'

export function assetsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KFORGE_KUBE_ASSETS_DIR || join(homedir(), '.cache', 'kforge', 'kube-assets')
}

export function assetDir(versions: AssetVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(assetsRoot(env), versions.kubernetes)
}

function describe(dir: string, versions: AssetVersions): KubeAssets {
  const ref = imageReferences(versions)
  return {dir, bin: join(dir, 'bin'), images: join(dir, 'images.tar'), versions, references: ref}
}

export function imageReferences(v: AssetVersions): string[] {
  return [
    ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy'].map(
      (n) => `${IMAGE_REPOSITORY}/${n}:${v.kubernetes}`,
    ),
    `${IMAGE_REPOSITORY}/etcd:${v.etcdImageTag}`,
    `${IMAGE_REPOSITORY}/coredns/coredns:${v.coredns}`,
    `${IMAGE_REPOSITORY}/pause:${v.pause}`,
    HOSTGW_IMAGE,
    TESTAPP_IMAGE,
  ]
}

/** The workload the real-cluster tests run (kube-assets/testapp). */
export const TESTAPP_IMAGE = 'kforge.dev/testapp:v1'

/** The assets when present and current; undefined when they must be built. */
export function findKubeAssets(
  moduleRoot: string,
  versions = assetVersions(),
  env: NodeJS.ProcessEnv = process.env,
): KubeAssets | undefined {
  const dir = assetDir(versions, env)
  try {
    const stamp = JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')) as {stamp?: string}
    if (stamp.stamp !== stampOf(moduleRoot, versions)) return undefined
  } catch {
    return undefined
  }
  return describe(dir, versions)
}

function moduleHash(moduleRoot: string, mod: string): string {
  const h = createHash('sha256')
  const dir = join(moduleRoot, mod)
  for (const file of readdirSync(dir).sort()) {
    if (/\.(go|mod|sum)$/.test(file)) h.update(file).update(readFileSync(join(dir, file)))
  }
  return h.digest('hex')
}

function stampOf(moduleRoot: string, versions: AssetVersions): string {
  const h = createHash('sha256').update(JSON.stringify({LAYOUT, versions}))
  for (const mod of ['kubernetes', 'kubernetes/hostgw', 'etcd', 'coredns', 'pause', 'testapp']) {
    h.update(moduleHash(moduleRoot, mod))
  }
  return h.digest('hex')
}

/** Fails with the file to edit when a wrapper module pins another release than kforge deploys. */
export function checkModulePins(moduleRoot: string, v: AssetVersions): void {
  const pins: [string, string, string][] = [
    ['kubernetes', 'k8s.io/kubernetes', v.kubernetes],
    ['etcd', 'go.etcd.io/etcd/server/v3', `v${v.etcdImageTag.replace(/-\d+$/, '')}`],
    ['coredns', 'github.com/coredns/coredns', v.coredns],
  ]
  for (const [mod, path, want] of pins) {
    const file = join(moduleRoot, mod, 'go.mod')
    const text = readFileSync(file, 'utf8')
    const m = new RegExp(`^\\s*(?:require\\s+)?${path.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(text)
    if (m?.[1] !== want) {
      throw new Error(`${file}: requires ${path} ${m?.[1] ?? '(nothing)'}, but kforge deploys ${want}`)
    }
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {cwd, env, stdio: ['ignore', 'inherit', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.length > 64_000) stderr = stderr.slice(-32_000)
    })
    child.on('error', (err) =>
      reject(new Error(`${cmd}: ${err.message} (is Go installed? kube-assets needs the go command)`)),
    )
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${stderr}`)),
    )
  })
}

function kubernetesLdflags(version: string): string {
  const m = /^v(\d+)\.(\d+)\./.exec(version)
  const pkg = 'k8s.io/component-base/version'
  // The binaries report their version from these; kubeadm and the kubelet act on it.
  return [
    '-s -w',
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${m?.[1] ?? ''}`,
    `-X ${pkg}.gitMinor=${m?.[2] ?? ''}`,
    `-X ${pkg}.gitTreeState=clean`,
    `-X ${pkg}.gitCommit=0000000000000000000000000000000000000000`,
    `-X ${pkg}.buildDate=1970-01-01T00:00:00Z`,
  ].join(' ')
}

export interface BuildOptions {
  moduleRoot: string
  versions?: AssetVersions
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

/** Builds what is missing; returns the assets and what each step took. */
export async function buildKubeAssets(o: BuildOptions): Promise<{assets: KubeAssets; steps: BuildStep[]}> {
  const env = o.env ?? process.env
  const versions = o.versions ?? assetVersions()
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const found = findKubeAssets(o.moduleRoot, versions, env)
  if (found) return {assets: found, steps: [{name: 'all assets', seconds: 0, reused: true}]}
  checkModulePins(o.moduleRoot, versions)

  const dir = assetDir(versions, env)
  const bin = join(dir, 'bin')
  mkdirSync(bin, {recursive: true})
  const goEnv = {...env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -trimpath'}
  const steps: BuildStep[] = []
  // A part is reused only when it was built from the same module contents and versions: a retry
  // after a failure keeps what was done, a changed pin rebuilds what it affects.
  const stamps = join(dir, '.stamps')
  mkdirSync(stamps, {recursive: true})
  const step = async (
    name: string,
    output: string,
    key: string,
    work: () => Promise<void>,
    unchanged?: (previousKey: string) => Promise<boolean>,
  ) => {
    const started = Date.now()
    const stampFile = join(stamps, name)
    const previous = existsSync(output) && existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : undefined
    if (previous !== undefined && (previous === key || (await unchanged?.(previous)))) {
      if (previous !== key) writeFileSync(stampFile, key)
      steps.push({name, seconds: 0, reused: true})
      log(`kube-assets: ${name}: present${previous === key ? '' : ' (its linked modules are unchanged)'}`)
      return
    }
    log(`kube-assets: ${name}: building`)
    await work()
    writeFileSync(stampFile, key)
    const seconds = (Date.now() - started) / 1000
    steps.push({name, seconds, reused: false})
    log(`kube-assets: ${name}: built in ${seconds.toFixed(1)} s`)
  }
  const goBuild = (mod: string, pkg: string, out: string, ldflags = '-s -w') => {
    const build = `${pkg} ${ldflags}`
    return step(
      out,
      join(bin, out),
      `${moduleHash(o.moduleRoot, mod)} ${build}`,
      async () => {
        const tmp = join(bin, `.${out}.tmp`)
        await run('go', ['build', '-ldflags', ldflags, '-o', tmp, pkg], join(o.moduleRoot, mod), goEnv)
        renameSync(tmp, join(bin, out))
      },
      // The module changed (another binary added to it, say): keep this binary when the package
      // and flags are the same and it links exactly the module versions it would link now.
      async (previous) =>
        previous.slice(previous.indexOf(' ') + 1) === build &&
        builtFromSame(join(bin, out), join(o.moduleRoot, mod), pkg, goEnv),
    )
  }

  for (const name of KUBERNETES_BINARIES) {
    await goBuild('kubernetes', `k8s.io/kubernetes/cmd/${name}`, name, kubernetesLdflags(versions.kubernetes))
  }
  await goBuild('etcd', 'go.etcd.io/etcd/server/v3', 'etcd')
  // `etcdutl snapshot restore` writes a restored data directory (kforge etcd restore runs it).
  await goBuild('etcd', 'go.etcd.io/etcd/etcdutl/v3', 'etcdutl')
  await goBuild('coredns', '.', 'coredns')
  await goBuild('pause', '.', 'pause')
  await goBuild('kubernetes/hostgw', '.', 'kforge-hostgw')
  await goBuild('testapp', '.', 'testapp')

  const images = join(dir, 'images.tar')
  await step('images.tar', images, stampOf(o.moduleRoot, versions), async () => {
    writeFileSync(`${images}.tmp`, ociArchive(imageSpecs(bin, versions)))
    renameSync(`${images}.tmp`, images)
  })
  writeFileSync(
    join(dir, STAMP_FILE),
    `${JSON.stringify({stamp: stampOf(o.moduleRoot, versions), versions, references: imageReferences(versions)}, null, 2)}\n`,
  )
  return {assets: describe(dir, versions), steps}
}

function binaryLayer(bin: string, name: string, at = `usr/local/bin/${name}`) {
  return [
    {type: 'dir' as const, path: at.split('/').slice(0, -1).join('/'), mode: 0o755},
    {type: 'file' as const, path: at, mode: 0o755, data: readFileSync(join(bin, name))},
  ]
}

/** Every image the manifests name, laid out as upstream's images are (binary paths, entrypoints). */
function imageSpecs(bin: string, v: AssetVersions): ImageSpec[] {
  const [apiserver, controllerManager, scheduler, proxy, etcd, coredns, pause, hostgw, testapp] =
    imageReferences(v)
  const plain = (reference: string, name: string): ImageSpec => ({
    reference,
    files: [{type: 'dir', path: 'usr', mode: 0o755}, ...binaryLayer(bin, name)],
  })
  return [
    plain(apiserver!, 'kube-apiserver'),
    plain(controllerManager!, 'kube-controller-manager'),
    plain(scheduler!, 'kube-scheduler'),
    {
      reference: proxy!,
      files: [
        ...hostFiles([
          '/usr/sbin/iptables',
          '/usr/sbin/iptables-save',
          '/usr/sbin/iptables-restore',
          '/usr/sbin/ip6tables',
          '/usr/sbin/ip6tables-save',
          '/usr/sbin/ip6tables-restore',
          '/usr/lib/x86_64-linux-gnu/xtables',
        ]).filter((e) => e.path !== 'usr/local' && e.path !== 'usr/local/bin'),
        ...binaryLayer(bin, 'kube-proxy'),
      ],
    },
    // Upstream's etcd image carries etcdutl beside etcd: a node restores with the image it runs.
    {
      reference: etcd!,
      files: [
        {type: 'dir', path: 'usr', mode: 0o755},
        ...binaryLayer(bin, 'etcd'),
        binaryLayer(bin, 'etcdutl')[1]!,
      ],
    },
    {reference: coredns!, files: binaryLayer(bin, 'coredns', 'coredns').slice(1), entrypoint: ['/coredns']},
    {reference: pause!, files: binaryLayer(bin, 'pause', 'pause').slice(1), entrypoint: ['/pause']},
    {
      reference: hostgw!,
      files: [
        ...binaryLayer(bin, 'kforge-hostgw'),
        {type: 'dir', path: 'cni-plugins', mode: 0o755},
        ...['bridge', 'host-local', 'loopback', 'portmap'].map((p) => ({
          type: 'file' as const,
          path: `cni-plugins/${p}`,
          mode: 0o755,
          data: readFileSync(join(DEBIAN_CNI_PLUGINS, p)),
        })),
      ],
      entrypoint: ['/usr/local/bin/kforge-hostgw'],
    },
    {reference: testapp!, files: binaryLayer(bin, 'testapp'), entrypoint: ['/usr/local/bin/testapp']},
  ]
}

export function removeKubeAssets(versions: AssetVersions, env: NodeJS.ProcessEnv = process.env): void {
  rmSync(assetDir(versions, env), {recursive: true, force: true})
}
