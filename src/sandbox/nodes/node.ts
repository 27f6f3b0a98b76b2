/**
 * A local node, seen from the host: its root directory, its namespaces and its supervisor.
 * `startNode` makes the node and boots it; `stopNode` is a power-off (every process the node ran,
 * pods included, found through its cgroups, not by name); `removeNode` also deletes its files and
 * network. Starting a stopped node again is a reboot: the node's disk (its root) survives.
 */
import {type SpawnOptions, spawn} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {dirname, join} from 'node:path'
import {distFile} from '../dist-path.js'
import type {NodeConfig, NodeService} from './config.js'
import {createNodeNetwork, netnsName, removeNodeNetwork} from './network.js'

const SUPERVISOR = distFile('sandbox/nodes/supervisor.js')
const CGROUP_FS = '/sys/fs/cgroup'

export interface LocalNode {
  name: string
  address: string
  root: string
  /** kubelet `cgroupRoot`: pods go under it, the node's daemons under `<it>/system`. */
  cgroupParent: string
}

/** The directories and files a node has of its own; the rest of the filesystem is the host's. */
export const NODE_BINDS = [
  '/etc/kubernetes',
  '/etc/kforge',
  '/etc/containerd',
  '/etc/cni/net.d',
  '/opt/cni/bin',
  '/var/lib/kubelet',
  '/var/lib/etcd',
  '/var/lib/containerd',
  '/var/lib/cni',
  '/var/lib/kforge',
  '/var/log/pods',
  '/var/log/containers',
  '/run/containerd',
  '/run/netns',
  '/run/kforge',
  '/usr/local/bin',
  '/etc/hosts',
  '/etc/resolv.conf',
]

export function localNode(base: string, name: string, address: string, cluster: string): LocalNode {
  return {name, address, root: join(base, 'nodes', name), cgroupParent: `/kforge-local/${cluster}/${name}`}
}

/** Writes the node's files under its root: `files` maps node paths to contents. */
export function writeNodeFiles(node: LocalNode, files: Record<string, string | Buffer>, mode = 0o644): void {
  for (const [path, content] of Object.entries(files)) {
    const target = join(node.root, path)
    mkdirSync(dirname(target), {recursive: true})
    writeFileSync(target, content, {mode})
  }
}

export function prepareNodeRoot(node: LocalNode): void {
  for (const path of NODE_BINDS) {
    const target = join(node.root, path)
    if (path.startsWith('/etc/hosts') || path.startsWith('/etc/resolv')) {
      mkdirSync(dirname(target), {recursive: true})
      if (!existsSync(target)) writeFileSync(target, '')
    } else mkdirSync(target, {recursive: true})
  }
}

export async function startNode(
  node: LocalNode,
  services: NodeService[],
  readOnly: [string, string][],
): Promise<number> {
  if (!existsSync(`/run/netns/${netnsName(node.name)}`)) createNodeNetwork(node.name, node.address)
  prepareNodeRoot(node)
  const config: NodeConfig = {
    name: node.name,
    root: node.root,
    binds: NODE_BINDS,
    readOnly,
    cgroupParent: node.cgroupParent,
    services,
  }
  const configFile = join(node.root, 'node.json')
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  rmSync(join(node.root, 'supervisor.pid'), {force: true})
  return spawnNodeInit(node.name, [process.execPath, SUPERVISOR, configFile], {
    log: join(node.root, 'supervisor.log'),
    pidFile: join(node.root, 'supervisor.pid'),
    what: `node ${node.name}: the supervisor`,
  })
}

/**
 * Starts a node's first process, detached, in the node's network namespace with mounts and a host
 * name of its own; resolves with its pid once it has written `pidFile`.
 */
export async function spawnNodeInit(
  name: string,
  argv: string[],
  o: {log: string; pidFile: string; what: string},
): Promise<number> {
  const out = openSync(o.log, 'a')
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${netnsName(name)}`,
      '--',
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      ...argv,
    ],
    {detached: true, stdio: ['ignore', out, out]},
  )
  child.unref()
  for (let i = 0; i < 300; i++) {
    if (existsSync(o.pidFile)) return Number(readFileSync(o.pidFile, 'utf8'))
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${o.what} did not start; see ${o.log}`)
}

export function supervisorPid(node: LocalNode): number | undefined {
  try {
    const pid = Number(readFileSync(join(node.root, 'supervisor.pid'), 'utf8'))
    return existsSync(`/proc/${pid}`) ? pid : undefined
  } catch {
    return undefined
  }
}

/** argv that runs `argv` inside the node's namespaces (as if on the node's console). */
export function inNode(node: LocalNode, argv: string[]): string[] {
  const pid = supervisorPid(node)
  if (!pid) throw new Error(`node ${node.name} is not running`)
  // --root and --wd: an emulated instance's init is chrooted in the instance's own root
  return ['nsenter', `--target=${pid}`, '--net', '--mount', '--uts', '--root', '--wd', '--', ...argv]
}

export function runInNode(
  node: LocalNode,
  argv: string[],
  options: SpawnOptions & {input?: string} = {},
): Promise<{code: number; stdout: string; stderr: string}> {
  const [cmd, ...args] = inNode(node, argv)
  return new Promise((resolve, reject) => {
    const input = options.input
    const child = spawn(cmd!, args, {
      ...options,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? 1, stdout, stderr}))
    if (input !== undefined) {
      child.stdin?.on('error', () => {}) // a command that exits without reading its input
      child.stdin?.end(input)
    }
  })
}

/** Every process in the node's cgroups (its daemons, shims and pods), deepest first. */
function cgroupDirs(parent: string): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    let entries: string[]
    try {
      entries = readdirSync(dir)
    } catch {
      return
    }
    for (const e of entries) {
      const sub = join(dir, e)
      try {
        if (statSync(sub).isDirectory()) walk(sub)
      } catch {
        // removed meanwhile
      }
    }
    out.push(dir)
  }
  for (const controller of readdirSync(CGROUP_FS)) walk(join(CGROUP_FS, controller, parent))
  return out
}

function pidsIn(parent: string): number[] {
  const pids = new Set<number>()
  for (const dir of cgroupDirs(parent)) {
    try {
      for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (p) pids.add(Number(p))
    } catch {
      // not a cgroup directory, or gone
    }
  }
  return [...pids]
}

/** Power off: SIGTERM the supervisor (kubelet, then runtime), then kill whatever is left. */
export async function stopNode(node: LocalNode, graceMs = 15_000): Promise<void> {
  const pid = supervisorPid(node)
  if (pid) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // exited meanwhile
    }
    const until = Date.now() + graceMs
    while (Date.now() < until && existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 100))
  }
  for (let round = 0; round < 50; round++) {
    const left = pidsIn(node.cgroupParent)
    if (left.length === 0) break
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  for (const dir of cgroupDirs(node.cgroupParent)) {
    try {
      rmdirSync(dir)
    } catch {
      // busy a moment longer, or not a cgroup: the next sweep takes it
    }
  }
}

/** Node cgroups left by a run that died before it wrote its state: [cluster, node] pairs. */
export function staleNodeCgroups(): string[] {
  const root = join(CGROUP_FS, 'pids', 'kforge-local')
  const out: string[] = []
  try {
    for (const cluster of readdirSync(root)) {
      const dir = join(root, cluster)
      if (!statSync(dir).isDirectory()) continue
      for (const node of readdirSync(dir)) {
        if (statSync(join(dir, node)).isDirectory()) out.push(`/kforge-local/${cluster}/${node}`)
      }
    }
  } catch {
    // none
  }
  return out
}

/** The empty `/kforge-local[/<cluster>]` levels above node cgroups, in every hierarchy. */
export function removeEmptyCgroupParents(): void {
  for (const controller of readdirSync(CGROUP_FS)) {
    const top = join(CGROUP_FS, controller, 'kforge-local')
    let clusters: string[] = []
    try {
      clusters = readdirSync(top).filter((e) => statSync(join(top, e)).isDirectory())
    } catch {
      continue
    }
    for (const dir of [...clusters.map((c) => join(top, c)), top]) {
      try {
        rmdirSync(dir)
      } catch {
        // still in use by another cluster
      }
    }
  }
}

export async function removeNode(node: LocalNode): Promise<void> {
  await stopNode(node)
  removeNodeNetwork(node.name)
  rmSync(node.root, {recursive: true, force: true})
}
