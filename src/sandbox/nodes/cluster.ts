/**
 * A real Kubernetes cluster on this machine, brought up the way kforge brings one up on AWS: the
 * first control-plane node runs `kforge init` with the kubeadm config kforge renders for its group,
 * other nodes run `kforge join` with theirs, every node runs the kubelet from kforge's rendered
 * units. Only the local profile (./profile.ts) differs from an instance.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {parse, parseAllDocuments, stringify} from 'yaml'
import {clusterFromOptions} from '../../api/v1alpha1/flags.js'
import type {Cluster, InstanceGroup} from '../../api/v1alpha1/types.js'
import {computePin} from '../../bootstrap/pin.js'
import {formatToken, generateToken} from '../../bootstrap/token.js'
import {kubeadmConfig} from '../../render/kubeadm.js'
import {nodeBootstrapFile, PIVOT_RECOVER_UNIT} from '../../render/node-bootstrap.js'
import {renderTemplate} from '../../render/templates.js'
import {distFile, packageRoot} from '../dist-path.js'
import type {KubeAssets} from '../kube-assets/build.js'
import type {NodeService} from './config.js'
import {
  BRIDGE_ADDRESS,
  ensureBridge,
  nodeAddress,
  removeBridgeIfUnused,
  removeNodeNetwork,
  staleNodeNamespaces,
} from './network.js'
import {
  type LocalNode,
  localNode,
  removeEmptyCgroupParents,
  removeNode,
  runInNode,
  staleNodeCgroups,
  startNode,
  stopNode,
  writeNodeFiles,
} from './node.js'
import {
  CONTAINERD_UNIT,
  containerdConfig,
  hostsFile,
  localKubeadmConfig,
  namespacedSysctls,
  RESOLV_CONF,
  SYSTEMCTL_SHIM,
} from './profile.js'

/** The kforge CLI of this checkout, run inside nodes as cloud-init runs it on instances. */
export const KFORGE_BIN = join(packageRoot(), 'bin', 'run.js')
const LB = distFile('sandbox/nodes/lb.js')
const API_PORT = 6443

export interface LocalClusterOptions {
  base: string
  assets: KubeAssets
  controlPlanes: number
  workers: number
  selfHosted?: boolean
  name?: string
  log?: (line: string) => void
}

export interface LocalCluster {
  name: string
  base: string
  cluster: Cluster
  nodes: LocalNode[]
  apiName: string
  token: string
  caPin: string
  /** Admin kubeconfig for the host (the API name pinned to the load balancer's stand-in). */
  kubeconfig: string
  assets: KubeAssets
}

interface ClusterState {
  name: string
  nodes: LocalNode[]
}

export function localBase(env: NodeJS.ProcessEnv = process.env): string {
  return env.KFORGE_LOCAL_DIR || '/var/lib/kforge-local'
}

function stateFile(base: string): string {
  return join(base, 'cluster.json')
}

function kubeletUnits(): string[] {
  return [
    renderTemplate('files/kubelet.service', {}),
    renderTemplate('files/kubelet-dropin.conf', {kubeletPath: '/usr/local/bin/kubelet'}),
  ]
}

/**
 * What a node's init system runs at boot. A self-hosted cluster's control-plane nodes also run
 * kforge's rendered `kforge-pivot-recover.service` once, after the kubelet, as systemd does at an
 * instance's boot (its 2-minute timer is not run: the boot run is the one a reboot needs).
 */
function nodeServices(pivotRecover: boolean): NodeService[] {
  return [
    {name: 'containerd', units: [CONTAINERD_UNIT]},
    {name: 'kubelet', units: kubeletUnits(), waitFor: '/var/lib/kubelet/config.yaml'},
    ...(pivotRecover
      ? [{name: PIVOT_RECOVER_UNIT, units: [renderTemplate(`files/${PIVOT_RECOVER_UNIT}.service`, {})]}]
      : []),
  ]
}

/** The node's `/usr/local/bin/kforge`, as the node agent is installed on an instance: this checkout's CLI. */
const KFORGE_SHIM = `#!/bin/sh\nexec ${process.execPath} ${KFORGE_BIN} "$@"\n`

function isSelfHostedControlPlane(lc: Pick<LocalCluster, 'cluster'>, node: LocalNode): boolean {
  return lc.cluster.spec.selfHosted && node.name.startsWith('cp')
}

/** Runs argv inside the node; fails with its output when it fails. */
export async function nodeExec(node: LocalNode, argv: string[], input?: string): Promise<string> {
  const r = await runInNode(node, argv, input === undefined ? {} : {input})
  const logFile = join(node.root, 'var', 'log', 'kforge-node', 'commands.log')
  mkdirSync(dirname(logFile), {recursive: true})
  writeFileSync(logFile, `$ ${argv.join(' ')}\n${r.stdout}${r.stderr}\n(exit ${r.code})\n`, {flag: 'a'})
  if (r.code !== 0) {
    throw new Error(
      `${node.name}: ${argv.join(' ')} exited ${r.code}:\n${r.stderr.slice(-4000)}${r.stdout.slice(-2000)}${kubeletTail(node)}`,
    )
  }
  return r.stdout
}

/** The end of the node's kubelet log: a failed init or join usually waited on the kubelet, and the node's files are gone once the cluster is torn down. */
function kubeletTail(node: LocalNode): string {
  const file = join(node.root, 'var', 'log', 'kforge-node', 'kubelet.log')
  if (!existsSync(file)) return ''
  return `\n--- ${node.name}: the end of kubelet.log ---\n${readFileSync(file, 'utf8').slice(-3000)}`
}

export function kforge(node: LocalNode, args: string[]): Promise<string> {
  return nodeExec(node, [process.execPath, KFORGE_BIN, ...args])
}

/** Ask `probe` every half second until it answers (a thrown error is an answer not yet given). */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < until) {
    try {
      const v = await probe()
      if (v !== undefined) return v
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
  )
}

/** The API load balancer stand-in's targets: these nodes' API servers. */
export function setLbTargets(base: string, nodes: Pick<LocalNode, 'address'>[]): void {
  writeFileSync(join(base, 'lb-targets.json'), JSON.stringify(nodes.map((n) => `${n.address}:${API_PORT}`)))
}

/** The API load balancer's stand-in on the bridge (its targets in `base`/lb-targets.json). */
export async function startLb(base: string): Promise<void> {
  const targets = join(base, 'lb-targets.json')
  if (!existsSync(targets)) writeFileSync(targets, '[]')
  rmSync(`${targets}.pid`, {force: true})
  const out = openSync(join(base, 'lb.log'), 'a')
  const child = spawn(process.execPath, [LB, BRIDGE_ADDRESS, String(API_PORT), targets], {
    detached: true,
    stdio: ['ignore', out, out],
  })
  child.unref()
  await waitFor('the API load balancer stand-in', 10_000, async () =>
    existsSync(`${targets}.pid`) ? true : undefined,
  )
}

export function stopLb(base: string): void {
  try {
    const pid = Number(readFileSync(join(base, 'lb-targets.json.pid'), 'utf8'))
    // only the pid this harness wrote, and only while it is still our load balancer
    if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(LB)) process.kill(pid, 'SIGTERM')
  } catch {
    // not running
  }
}

/** Boots a node: network, root, supervisor (containerd + kubelet), images imported. */
export async function bootNode(
  lc: Pick<LocalCluster, 'assets' | 'apiName' | 'cluster'>,
  node: LocalNode,
): Promise<void> {
  writeNodeFiles(node, {
    '/etc/hosts': hostsFile(node.name, node.address, lc.apiName),
    '/etc/resolv.conf': RESOLV_CONF,
    '/etc/containerd/config.toml': containerdConfig(),
  })
  const bin = join(node.root, 'usr', 'local', 'bin')
  mkdirSync(bin, {recursive: true})
  for (const name of ['kubelet', 'kubeadm']) {
    if (!existsSync(join(bin, name))) symlinkSync(join(lc.assets.bin, name), join(bin, name))
  }
  writeFileSync(join(bin, 'systemctl'), SYSTEMCTL_SHIM, {mode: 0o755})
  writeFileSync(join(bin, 'kforge'), KFORGE_SHIM, {mode: 0o755})
  await powerOn(lc, node)
  await nodeExec(node, [
    'ctr',
    '--address',
    '/run/containerd/containerd.sock',
    '-n',
    'k8s.io',
    'images',
    'import',
    lc.assets.images,
  ])
}

/** Supervisor up (containerd, the kubelet, boot units), the network sysctls applied, containerd serving. */
async function powerOn(lc: Pick<LocalCluster, 'cluster'>, node: LocalNode): Promise<void> {
  await startNode(node, nodeServices(isSelfHostedControlPlane(lc, node)), [])
  // what systemd-sysctl applies at an instance's boot, for the node's own network namespace
  for (const [key, value] of namespacedSysctls(renderTemplate('files/sysctl.conf', {}))) {
    await nodeExec(node, ['sh', '-c', `echo ${value} > /proc/sys/${key.replaceAll('.', '/')}`]).catch(
      () => undefined,
    )
  }
  await waitFor(`${node.name}: containerd`, 60_000, async () =>
    existsSync(join(node.root, 'run', 'containerd', 'containerd.sock')) ? true : undefined,
  )
}

/** The node's directories that are a tmpfs on an instance (/run): empty after every boot. */
const VOLATILE = ['/run/containerd', '/run/netns', '/run/kforge']

/**
 * A reboot, as close as a namespace allows: power off (the supervisor stops the kubelet, then
 * containerd; every process left in the node's cgroups, pods and shims included, is killed), the
 * node's mount namespace dies with its processes (so every mount the kubelet made is gone), /run
 * is emptied as a tmpfs would be, then the node boots again from the same disk with the same init
 * units. What survives is what survives an instance's reboot: the disk under the node's root (its
 * /etc, /var/lib/kubelet, /var/lib/etcd, containerd's images) and its network interface (the
 * network namespace, the veth and the address stand in for the NIC, and are not recreated).
 */
export async function rebootNode(lc: Pick<LocalCluster, 'cluster'>, node: LocalNode): Promise<void> {
  await stopNode(node)
  for (const dir of VOLATILE) {
    rmSync(join(node.root, dir), {recursive: true, force: true})
    mkdirSync(join(node.root, dir), {recursive: true})
  }
  await powerOn(lc, node)
}

function groupOf(cluster: Cluster, role: InstanceGroup['spec']['role']): InstanceGroup {
  const g = cluster.instanceGroups.find((x) => x.spec.role === role)
  if (!g) throw new Error(`the local cluster spec has no ${role} group`)
  return g
}

export function renderedConfig(
  lc: LocalCluster,
  node: LocalNode,
  template: 'control-plane-init' | 'control-plane-join' | 'node',
): string {
  const group = groupOf(lc.cluster, template === 'node' ? 'node' : 'control-plane')
  const rendered = kubeadmConfig(lc.cluster, group, template, `${lc.apiName}:${API_PORT}`, lc.caPin)
  return localKubeadmConfig(withToken(rendered, lc.token), {
    name: node.name,
    cgroupRoot: node.cgroupParent,
  })
}

/**
 * The rendered configs carry no token (on AWS, init makes one and joining instances get theirs from
 * the node-identity service); local nodes have no AWS identity, so they share the cluster's token.
 */
function withToken(rendered: string, token: string): string {
  type Doc = {
    kind?: string
    bootstrapTokens?: {token?: string}[]
    discovery?: {bootstrapToken?: {token?: string}}
  }
  const docs = parseAllDocuments(rendered).map((d) => d.toJSON() as Doc)
  for (const d of docs) {
    if (d.kind === 'InitConfiguration') for (const t of d.bootstrapTokens ?? []) t.token = token
    if (d.kind === 'JoinConfiguration' && d.discovery?.bootstrapToken)
      d.discovery.bootstrapToken.token = token
  }
  return docs.map((d) => stringify(d, {lineWidth: 0})).join('---\n')
}

/**
 * A local node is no instance: there is no IMDS and no EBS volume to attach, so its etcd stays on
 * its own root (the profile's one difference in init and join).
 */
const LOCAL_SKIPPED_PHASES = ['etcd-volume']

function withLocalSkips(args: string[]): string[] {
  const at = args.indexOf('--skip-phases')
  if (at < 0) return [...args, '--skip-phases', LOCAL_SKIPPED_PHASES.join(',')]
  return args.map((a, i) => (i === at + 1 ? [a, ...LOCAL_SKIPPED_PHASES].join(',') : a))
}

/** `kforge init` with the group's rendered config; `extraArgs` such as `--skip-phases` go after it. */
export async function initFirstControlPlane(
  lc: LocalCluster,
  node: LocalNode,
  extraArgs: string[] = [],
): Promise<void> {
  const bootstrap = nodeBootstrapFile(lc.cluster)
  writeNodeFiles(node, {[bootstrap.path]: bootstrap.content})
  writeNodeFiles(node, {'/etc/kforge/kubeadm.yaml': renderedConfig(lc, node, 'control-plane-init')}, 0o600)
  await kforge(node, withLocalSkips(['init', '--config', '/etc/kforge/kubeadm.yaml', ...extraArgs]))
  lc.caPin = computePin(readFileSync(join(node.root, 'etc', 'kubernetes', 'pki', 'ca.crt'), 'utf8'))
}

/** The CA and key files every control-plane member shares (kubeadm's manual distribution). */
const SHARED_PKI = [
  'ca.crt',
  'ca.key',
  'sa.key',
  'sa.pub',
  'front-proxy-ca.crt',
  'front-proxy-ca.key',
  'etcd/ca.crt',
  'etcd/ca.key',
]

export async function joinNode(lc: LocalCluster, node: LocalNode, controlPlane: boolean): Promise<void> {
  if (controlPlane) {
    const from = join(lc.nodes[0]!.root, 'etc', 'kubernetes', 'pki')
    for (const f of SHARED_PKI) {
      writeNodeFiles(
        node,
        {[`/etc/kubernetes/pki/${f}`]: readFileSync(join(from, f))},
        f.endsWith('.key') ? 0o600 : 0o644,
      )
    }
  }
  const template = controlPlane ? 'control-plane-join' : 'node'
  writeNodeFiles(node, {'/etc/kforge/kubeadm.yaml': renderedConfig(lc, node, template)}, 0o600)
  await kforge(node, withLocalSkips(['join', '--config', '/etc/kforge/kubeadm.yaml']))
}

/** admin.conf for the host: the API's name is kept for TLS, the address is the stand-in's. */
function hostKubeconfig(lc: LocalCluster): string {
  const file = join(lc.base, 'admin.kubeconfig')
  writeHostKubeconfig(
    readFileSync(join(lc.nodes[0]!.root, 'etc', 'kubernetes', 'admin.conf'), 'utf8'),
    lc.apiName,
    file,
  )
  return file
}

/** A node's admin.conf made usable from the host: the address is the load balancer stand-in's, the API's name is kept for TLS. */
export function writeHostKubeconfig(adminConf: string, apiName: string, file: string): void {
  const admin = parse(adminConf) as {clusters: {cluster: Record<string, unknown>}[]}
  for (const c of admin.clusters) {
    c.cluster.server = `https://${BRIDGE_ADDRESS}:${API_PORT}`
    c.cluster['tls-server-name'] = apiName
  }
  writeFileSync(file, stringify(admin), {mode: 0o600})
}

export async function kubectl(
  lc: Pick<LocalCluster, 'kubeconfig' | 'assets'>,
  args: string[],
): Promise<string> {
  return new Promise((resolve, reject) => {
    // the release's own kubectl: Debian's is several minors outside the skew policy
    const child = spawn(join(lc.assets.bin, 'kubectl'), ['--kubeconfig', lc.kubeconfig, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err}`)),
    )
  })
}

export async function waitNodesReady(lc: LocalCluster, timeoutMs = 300_000): Promise<void> {
  await waitFor('every node Ready', timeoutMs, async () => {
    const nodes = JSON.parse(await kubectl(lc, ['get', 'nodes', '-o', 'json'])) as {
      items: {metadata: {name: string}; status: {conditions?: {type: string; status: string}[]}}[]
    }
    const ready = nodes.items.filter((n) =>
      n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    return ready.length === lc.nodes.length ? true : undefined
  })
}

/**
 * Everything before the first `init`: the spec, the nodes booted (containerd and the rendered
 * kubelet unit running, images imported), the load balancer's stand-in on the bridge and a fresh
 * bootstrap token. The caller brings the control plane up: kforge (upLocalCluster) or upstream
 * kubeadm (./upstream.ts).
 */
export async function bootLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  await downLocalCluster(o.base)
  mkdirSync(o.base, {recursive: true, mode: 0o700})
  const name = o.name ?? 'local.kforge.dev'
  const cluster = clusterFromOptions({
    name,
    zones: ['us-east-1a'],
    controlPlaneCount: o.controlPlanes,
    nodeCount: Math.max(o.workers, 1),
    kubernetesVersion: o.assets.versions.kubernetes,
  })
  // local profile: kforge's own host-gateway network, no AWS addons (there is no AWS API here)
  cluster.spec.networking.cni = 'hostgw'
  cluster.spec.addons.cloudControllerManager.enabled = false
  cluster.spec.addons.ebsCSI.enabled = false
  cluster.spec.selfHosted = o.selfHosted ?? false
  const nodes: LocalNode[] = []
  for (let i = 0; i < o.controlPlanes; i++)
    nodes.push(localNode(o.base, `cp${i + 1}`, nodeAddress(i), 'local'))
  for (let i = 0; i < o.workers; i++)
    nodes.push(localNode(o.base, `w${i + 1}`, nodeAddress(o.controlPlanes + i), 'local'))
  const state: ClusterState = {name, nodes}
  writeFileSync(stateFile(o.base), JSON.stringify(state, null, 2))
  const lc: LocalCluster = {
    name,
    base: o.base,
    cluster,
    nodes,
    apiName: cluster.spec.api.dnsName,
    token: formatToken(generateToken()),
    caPin: '',
    kubeconfig: '',
    assets: o.assets,
  }
  ensureBridge()
  await startLb(o.base)
  log(`local cluster ${name}: booting ${nodes.length} node(s)`)
  await Promise.all(nodes.map((n) => bootNode(lc, n)))
  setLbTargets(o.base, [nodes[0]!])
  return lc
}

/** After the first control plane is up: its CA's pin and a kubeconfig for the host. */
export function adoptFirstControlPlane(lc: LocalCluster): void {
  lc.caPin = computePin(readFileSync(join(lc.nodes[0]!.root, 'etc', 'kubernetes', 'pki', 'ca.crt'), 'utf8'))
  lc.kubeconfig = hostKubeconfig(lc)
}

export async function upLocalCluster(o: LocalClusterOptions): Promise<LocalCluster> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const lc = await bootLocalCluster({...o, log})
  const [first, ...rest] = lc.nodes
  log(`${first!.name}: kforge init`)
  await initFirstControlPlane(lc, first!)
  adoptFirstControlPlane(lc)
  const controlPlanes = [first!]
  for (const node of rest.slice(0, o.controlPlanes - 1)) {
    log(`${node.name}: kforge join --control-plane`)
    await joinNode(lc, node, true)
    controlPlanes.push(node)
    setLbTargets(o.base, controlPlanes)
  }
  await Promise.all(
    rest.slice(o.controlPlanes - 1).map(async (node) => {
      log(`${node.name}: kforge join`)
      await joinNode(lc, node, false)
    }),
  )
  log('waiting for every node to be Ready')
  await waitNodesReady(lc)
  return lc
}

/** Boots one more node (not joined): for joins a test drives itself, such as upstream kubeadm's. */
export async function addNode(lc: LocalCluster, name: string): Promise<LocalNode> {
  const node = localNode(lc.base, name, nodeAddress(lc.nodes.length), 'local')
  lc.nodes.push(node)
  writeFileSync(
    stateFile(lc.base),
    JSON.stringify({name: lc.name, nodes: lc.nodes} satisfies ClusterState, null, 2),
  )
  await bootNode(lc, node)
  return node
}

/** The API load balancer's targets: these control-plane nodes. */
export function setControlPlaneTargets(lc: LocalCluster, nodes: LocalNode[]): void {
  setLbTargets(lc.base, nodes)
}

/** Removes every node, the load balancer stand-in and the network of the cluster at `base`. */
export async function downLocalCluster(base: string): Promise<void> {
  let state: ClusterState | undefined
  try {
    state = JSON.parse(readFileSync(stateFile(base), 'utf8')) as ClusterState
  } catch {
    state = undefined
  }
  stopLb(base)
  await Promise.all((state?.nodes ?? []).map((n) => removeNode(n)))
  // a run killed before it wrote its state still leaves cgroups and namespaces named as ours
  for (const cgroupParent of staleNodeCgroups()) {
    await stopNode({name: cgroupParent.split('/').pop()!, address: '', root: base, cgroupParent}, 0)
  }
  for (const ns of staleNodeNamespaces()) removeNodeNetwork(ns.replace(/^kforge-/, ''))
  removeEmptyCgroupParents()
  removeBridgeIfUnused()
  rmSync(base, {recursive: true, force: true})
}

export {stopNode}
