/**
 * The command-line face of the init workflow, shared by `kforge init` and `kforge init phase`:
 * kubeadm's init flags, and how flags and `--config` become the run data. As with kubeadm,
 * `--config` cannot be mixed with flags that set configuration fields.
 */
import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import type {InitData} from '../phases/init/data.js'
import {initWorkflow} from '../phases/init/workflow.js'
import {KforgeError} from '../util/errors.js'
import type {Prepared, PrepareInput, WorkflowCommandSpec} from './phase-command.js'

export const initFlags = {
  config: Flags.string({
    description:
      'kubeadm-format config file: InitConfiguration/ClusterConfiguration (kubeadm.k8s.io/v1beta4; v1 with --allow-experimental-api; v1beta3 was removed in kubeadm v1.37: migrate it with kubeadm v1.36 `kubeadm config migrate`)',
  }),
  'allow-experimental-api': Flags.boolean({
    description: 'let --config use kubeadm.k8s.io/v1 (experimental in kubeadm v1.37: extraArgs mergeMethod)',
  }),
  'root-dir': Flags.string({
    description: 'prefix for every host path (/etc/kubernetes, /var/lib/kubelet, ...)',
    default: '/',
  }),
  'dry-run': Flags.boolean({description: 'do not change anything; print what would be done'}),
  'ignore-preflight-errors': Flags.string({
    description: 'comma-separated preflight checks to report as warnings (or "all")',
  }),
  'apiserver-advertise-address': Flags.string({
    description: 'IP address the API server advertises (default: first non-internal IPv4)',
  }),
  'apiserver-bind-port': Flags.integer({description: 'port the API server binds to (default 6443)'}),
  'apiserver-cert-extra-sans': Flags.string({
    description: 'comma-separated extra SANs (IPs or DNS names) for the API server certificate',
  }),
  'cert-dir': Flags.string({
    description: 'where certificates live on the node (default /etc/kubernetes/pki)',
  }),
  'control-plane-endpoint': Flags.string({
    description: 'stable address of the control plane: host or host:port',
  }),
  'cri-socket': Flags.string({
    description: 'container runtime socket (default unix:///var/run/containerd/containerd.sock)',
  }),
  'image-repository': Flags.string({
    description: 'registry for control-plane images (default registry.k8s.io)',
  }),
  'kubernetes-version': Flags.string({description: 'Kubernetes version to deploy (vX.Y.Z)'}),
  'node-name': Flags.string({description: 'node name (default: hostname)'}),
  'pod-network-cidr': Flags.string({description: 'pod network range; enables node CIDR allocation'}),
  'service-cidr': Flags.string({description: 'service IP range (default 10.96.0.0/12)'}),
  'service-dns-domain': Flags.string({description: 'cluster DNS domain (default cluster.local)'}),
  token: Flags.string({description: 'bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}; default: a new random one)'}),
  'token-ttl': Flags.string({description: 'bootstrap token lifetime, e.g. 24h0m0s; 0 never expires'}),
  'upload-certs': Flags.boolean({
    description: 'upload the control-plane certificates to the kubeadm-certs Secret',
  }),
  resume: Flags.boolean({
    description:
      "this control plane's lone etcd member resumes from the data on its volume (the init claim answers it): only the phases that bring up this node run, etcd starts on its data and moves to this node's peer URL",
  }),
  'certificate-key': Flags.string({
    description: 'hex AES-256 key for kubeadm-certs (default: a new one, printed)',
  }),
}

/** Flags that set configuration fields; kubeadm refuses them beside --config. */
const CONFIG_FLAGS = Object.keys(initFlags).filter(
  (f) =>
    ![
      'config',
      'allow-experimental-api',
      'root-dir',
      'dry-run',
      'ignore-preflight-errors',
      'upload-certs',
      'resume',
      'certificate-key',
    ].includes(f),
)

const list = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : []

type Obj = Record<string, unknown>

/** The configuration fields set by flags, as v1beta4-shaped documents. */
export function docsFromFlags(f: Obj): {init: Obj; cluster: Obj} {
  const set = (o: Obj, path: string[], value: unknown) => {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) return
    let node = o
    for (const k of path.slice(0, -1)) {
      node[k] ??= {}
      node = node[k] as Obj
    }
    node[path.at(-1)!] = value
  }
  const init: Obj = {}
  const cluster: Obj = {}
  set(init, ['localAPIEndpoint', 'advertiseAddress'], f['apiserver-advertise-address'])
  set(init, ['localAPIEndpoint', 'bindPort'], f['apiserver-bind-port'])
  set(init, ['nodeRegistration', 'name'], f['node-name'])
  set(init, ['nodeRegistration', 'criSocket'], f['cri-socket'])
  if (f.token !== undefined || f['token-ttl'] !== undefined) {
    init.bootstrapTokens = [
      {...(f.token ? {token: f.token} : {}), ...(f['token-ttl'] ? {ttl: f['token-ttl']} : {})},
    ]
  }
  set(cluster, ['controlPlaneEndpoint'], f['control-plane-endpoint'])
  set(cluster, ['kubernetesVersion'], f['kubernetes-version'])
  set(cluster, ['networking', 'podSubnet'], f['pod-network-cidr'])
  set(cluster, ['networking', 'serviceSubnet'], f['service-cidr'])
  set(cluster, ['networking', 'dnsDomain'], f['service-dns-domain'])
  set(cluster, ['certificatesDir'], f['cert-dir'])
  set(cluster, ['imageRepository'], f['image-repository'])
  set(cluster, ['apiServer', 'certSANs'], list(f['apiserver-cert-extra-sans']))
  return {init, cluster}
}

/**
 * What a resume does not run: the phases that create the cluster's shared state. The cluster has
 * it all (its etcd is the data being resumed), and running them again would overwrite what the
 * cluster's users changed since (addons' config, the uploaded kubeadm config).
 */
const RESUME_SKIPS = [
  'upload-config',
  'upload-certs',
  'bootstrap-token',
  'addon',
  'self-hosting',
  'show-join-command',
]

export async function prepareInit(input: PrepareInput): Promise<Prepared<InitData>> {
  const f = input.flags
  const {readKubeadmConfig} = await import('../kubeadm/load.js')
  const {completeInitConfig, detectHost} = await import('../kubeadm/defaults.js')
  const {buildInitData} = await import('../phases/init/data.js')
  const {timingsFromEnv} = await import('./timings.js')
  const {nodePollMs} = timingsFromEnv()
  const mixed = CONFIG_FLAGS.filter((k) => f[k] !== undefined)
  if (typeof f.config === 'string' && mixed.length > 0) {
    throw new KforgeError(`can not mix '--config' with arguments [${mixed.join(' ')}]`)
  }
  const docs =
    typeof f.config === 'string'
      ? await readKubeadmConfig(f.config, {allowExperimental: f['allow-experimental-api'] === true})
      : docsFromFlags(f)
  const host = detectHost()
  const config = completeInitConfig(docs, host, typeof f.config === 'string' ? f.config : 'flags')
  const resume = f.resume === true
  const dataDir = config.cluster.etcd.local?.dataDir
  const ignored = new Set([
    ...config.init.nodeRegistration.ignorePreflightErrors,
    ...list(f['ignore-preflight-errors']).map((e) => e.toLowerCase()),
    // A resume starts etcd on the data dir it finds full, on purpose.
    ...(resume && dataDir ? [`diravailable-${dataDir.replaceAll('/', '-')}`] : []),
  ])
  config.init.nodeRegistration.ignorePreflightErrors = [...ignored]
  // kubeadm: --skip-phases wins; without it, the config's skipPhases apply
  const skip = [
    ...(list(f['skip-phases']).length > 0 ? list(f['skip-phases']) : config.init.skipPhases),
    ...(resume ? RESUME_SKIPS : []),
  ]
  const skipped = new Set(skip.map((s) => initWorkflow.resolve(s)))
  const dryRun = f['dry-run'] === true || config.init.dryRun
  const rootDir = resolve(typeof f['root-dir'] === 'string' ? f['root-dir'] : '/')
  if (typeof f['certificate-key'] === 'string') config.init.certificateKey = f['certificate-key']
  return {
    skip: [...skipped],
    dryRun,
    buildData: async () => ({
      ...buildInitData({
        rootDir,
        config,
        hostname: host.hostname,
        skipped,
        dryRun,
        ...(nodePollMs ? {nodePollMs} : {}),
      }),
      uploadCerts: f['upload-certs'] === true,
      resume,
      ...(await (
        await import('./etcd-volume.js')
      )
        .etcdVolumeAccess(rootDir)
        .then((a) => (a ? {etcdVolume: a} : {}))),
    }),
  }
}

export const initCommandSpec: WorkflowCommandSpec<InitData> = {
  workflow: initWorkflow,
  command: 'init',
  summary:
    'Bring up the first control-plane node (kubeadm init): PKI, kubeconfigs, static pod manifests, kubelet settings',
  flags: initFlags,
  examples: [
    '<%= config.bin %> init --config kubeadm.yaml',
    '<%= config.bin %> init --apiserver-advertise-address 10.0.0.10 --skip-phases kubelet-start/start',
    '<%= config.bin %> init --config kubeadm.yaml --root-dir /tmp/node --dry-run',
  ],
  phaseExamples: [
    '<%= config.bin %> init phase certs all --config kubeadm.yaml --root-dir /tmp/node',
    '<%= config.bin %> init phase certs apiserver --apiserver-advertise-address 10.0.0.10',
    '<%= config.bin %> init phase kubeconfig admin --config kubeadm.yaml',
    '<%= config.bin %> init phase show-join-command --config kubeadm.yaml',
  ],
  prepare: prepareInit,
}
