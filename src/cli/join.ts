/**
 * The command-line face of the join workflow, shared by `kforge join` and `kforge join phase`:
 * kubeadm's join flags (plus `--discovery-timeout`), or a JoinConfiguration via `--config`.
 * Without a CA pin, discovery is refused unless the unsafe flag is given, as kubeadm does.
 */
import {resolve} from 'node:path'
import {Flags} from '@oclif/core'
import type {JoinData} from '../phases/join/data.js'
import {joinWorkflow} from '../phases/join/workflow.js'
import {KforgeError} from '../util/errors.js'
import type {Prepared, PrepareInput, WorkflowCommandSpec} from './phase-command.js'
import {timingsFromEnv} from './timings.js'

export const joinFlags = {
  config: Flags.string({
    description:
      'kubeadm-format JoinConfiguration file (kubeadm.k8s.io/v1beta4; v1 with --allow-experimental-api; v1beta3 was removed in kubeadm v1.37: migrate it with kubeadm v1.36 `kubeadm config migrate`)',
  }),
  'allow-experimental-api': Flags.boolean({
    description: 'let --config use kubeadm.k8s.io/v1 (experimental in kubeadm v1.37: extraArgs mergeMethod)',
  }),
  'root-dir': Flags.string({
    description: 'prefix for every host path (/etc/kubernetes, /var/lib/kubelet, ...)',
    default: '/',
  }),
  'dry-run': Flags.boolean({description: 'check everything, write nothing'}),
  token: Flags.string({description: 'bootstrap token for both discovery and TLS bootstrap'}),
  'discovery-token': Flags.string({description: 'bootstrap token for discovery (default: --token)'}),
  'tls-bootstrap-token': Flags.string({
    description: 'bootstrap token for the kubelet TLS bootstrap (default: --token)',
  }),
  'discovery-token-ca-cert-hash': Flags.string({
    description:
      'pin of the cluster CA: sha256:<hex of SHA-256 over its SubjectPublicKeyInfo>; repeat or comma-separate for several',
    multiple: true,
    multipleNonGreedy: true,
  }),
  'discovery-token-unsafe-skip-ca-verification': Flags.boolean({
    description:
      'trust the cluster CA without a pin (unsafe: a spoofed API server could impersonate the cluster)',
  }),
  'discovery-timeout': Flags.string({
    description: 'how long to wait for a signed cluster-info, e.g. 5m (default 5m0s)',
  }),
  'discovery-poll-interval': Flags.string({
    description: 'how often to ask for cluster-info (default 5s)',
    hidden: true,
  }),
  'node-name': Flags.string({description: 'node name (default: hostname)'}),
  'node-identity': Flags.boolean({
    description:
      "instead of a given token, prove this instance's AWS identity to the cluster's node-identity service and join with the short-lived token it issues (needs a CA pin)",
  }),
  'node-identity-manifest': Flags.string({
    description: 'with --node-identity: the assets manifest naming the cluster and its region',
    default: '/etc/kforge/assets.json',
  }),
  'node-identity-endpoint': Flags.string({
    description:
      'host:port of a node-identity service (default: every running control-plane instance of the cluster, port 3989)',
    multiple: true,
  }),
  'cri-socket': Flags.string({description: 'container runtime socket'}),
  'ignore-preflight-errors': Flags.string({
    description: 'comma-separated preflight checks to report as warnings (or "all")',
  }),
  'control-plane': Flags.boolean({description: 'create a new control plane instance on this node'}),
  'certificate-key': Flags.string({
    description: 'key to decrypt the kubeadm-certs Secret (control-plane join)',
  }),
  'apiserver-advertise-address': Flags.string({
    description: 'IP this control-plane node advertises (control-plane join)',
  }),
  'apiserver-bind-port': Flags.integer({
    description: "port of this node's API server (control-plane join, default 6443)",
  }),
}

const CONFIG_FLAGS = [
  'token',
  'discovery-token',
  'tls-bootstrap-token',
  'discovery-token-ca-cert-hash',
  'discovery-token-unsafe-skip-ca-verification',
  'discovery-timeout',
  'node-name',
  'cri-socket',
  'control-plane',
  'certificate-key',
  'apiserver-advertise-address',
  'apiserver-bind-port',
]

const list = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean)

type Obj = Record<string, unknown>

export function joinDocsFromFlags(f: Obj, endpoint: string | undefined): {join: Obj} {
  const token = (f['discovery-token'] ?? f.token) as string | undefined
  const tls = (f['tls-bootstrap-token'] ?? f.token) as string | undefined
  return {
    join: {
      discovery: {
        bootstrapToken: {
          token: token ?? '',
          apiServerEndpoint: endpoint ?? '',
          caCertHashes: list(f['discovery-token-ca-cert-hash']),
          unsafeSkipCAVerification: f['discovery-token-unsafe-skip-ca-verification'] === true,
        },
        ...(tls ? {tlsBootstrapToken: tls} : {}),
      },
      nodeRegistration: {
        ...(f['node-name'] ? {name: f['node-name']} : {}),
        ...(f['cri-socket'] ? {criSocket: f['cri-socket']} : {}),
      },
      ...(f['discovery-timeout'] ? {timeouts: {discovery: f['discovery-timeout']}} : {}),
      ...(f['control-plane']
        ? {
            controlPlane: {
              localAPIEndpoint: {
                ...(f['apiserver-advertise-address']
                  ? {advertiseAddress: f['apiserver-advertise-address']}
                  : {}),
                ...(f['apiserver-bind-port'] ? {bindPort: f['apiserver-bind-port']} : {}),
              },
              ...(f['certificate-key'] ? {certificateKey: f['certificate-key']} : {}),
            },
          }
        : {}),
    },
  }
}

export async function prepareJoin(input: PrepareInput): Promise<Prepared<JoinData>> {
  const f = input.flags
  const {readKubeadmConfig} = await import('../kubeadm/load.js')
  const {completeJoinConfig, detectHost} = await import('../kubeadm/defaults.js')
  const {parseDuration} = await import('../kubeadm/duration.js')
  const {parseToken} = await import('../bootstrap/token.js')
  const {PinSet} = await import('../bootstrap/pin.js')
  const endpointArg = input.positionals[0]
  const mixed = CONFIG_FLAGS.filter((k) => f[k] !== undefined && f[k] !== false)
  if (typeof f.config === 'string' && mixed.length > 0) {
    throw new KforgeError(`can not mix '--config' with arguments [${mixed.join(' ')}]`)
  }
  const docs =
    typeof f.config === 'string'
      ? await readKubeadmConfig(f.config, {allowExperimental: f['allow-experimental-api'] === true})
      : joinDocsFromFlags(f, endpointArg)
  const config = completeJoinConfig(docs, detectHost(), typeof f.config === 'string' ? f.config : 'flags')
  const bt = config.discovery.bootstrapToken
  if (!bt)
    throw new KforgeError(
      'discovery: only bootstrap token discovery is supported; set discovery.bootstrapToken',
    )
  const endpoint = endpointArg ?? bt.apiServerEndpoint
  if (!endpoint)
    throw new KforgeError('discovery: the API server endpoint is missing: kforge join ENDPOINT (host:port)')
  const tokenField =
    typeof f.config === 'string'
      ? 'discovery.bootstrapToken.token'
      : f['discovery-token']
        ? '--discovery-token'
        : '--token'
  const identity = f['node-identity'] === true
  if (!bt.token && !identity) throw new KforgeError(`discovery: ${tokenField} is required`)
  const given = identity ? undefined : parseToken(bt.token, tokenField)
  const tlsText = config.discovery.tlsBootstrapToken ?? bt.token
  const givenTls = identity ? undefined : parseToken(tlsText, '--tls-bootstrap-token')
  const pinField =
    typeof f.config === 'string' ? 'discovery.bootstrapToken.caCertHashes' : '--discovery-token-ca-cert-hash'
  const pins = new PinSet(bt.caCertHashes, pinField)
  if (pins.empty && !bt.unsafeSkipCAVerification) {
    throw new KforgeError(
      'discovery: refusing to trust the cluster CA without a pin: pass --discovery-token-ca-cert-hash sha256:<hash> (kforge init prints it), or --discovery-token-unsafe-skip-ca-verification to skip this check (unsafe)',
    )
  }
  const interval =
    typeof f['discovery-poll-interval'] === 'string' ? parseDuration(f['discovery-poll-interval']) : 5000
  if (interval === undefined || interval <= 0)
    throw new KforgeError('--discovery-poll-interval: not a positive duration like 5s')
  const dryRun = f['dry-run'] === true || config.dryRun
  if (identity && dryRun) {
    throw new KforgeError(
      '--node-identity: a dry run would still have the service issue a token; run without --dry-run',
    )
  }
  const {nodePollMs} = timingsFromEnv()
  const rootDir = resolve(typeof f['root-dir'] === 'string' ? f['root-dir'] : '/')
  // kubeadm: --skip-phases wins; without it, the config's skipPhases apply
  const skip = list(f['skip-phases']).length > 0 ? list(f['skip-phases']) : config.skipPhases
  for (const s of skip) joinWorkflow.resolve(s)
  return {
    skip,
    dryRun,
    buildData: async () => {
      const fetched = identity
        ? await (await import('../identity/join.js')).nodeIdentityToken({
            manifest: String(f['node-identity-manifest'] ?? '/etc/kforge/assets.json'),
            endpoints: list(f['node-identity-endpoint']),
            pins,
            nodeName: config.nodeRegistration.name,
            logger: input.logger,
          })
        : undefined
      const discoveryToken = fetched ?? given
      const tlsBootstrapToken = fetched ?? givenTls
      if (!discoveryToken || !tlsBootstrapToken) throw new KforgeError(`discovery: ${tokenField} is required`)
      return {
        rootDir,
        config,
        endpoint,
        discoveryToken,
        tlsBootstrapToken,
        pins,
        discoveryTimeoutMs: config.timeouts.discovery,
        pollIntervalMs: interval,
        manageServices: rootDir === '/' && !dryRun,
        ...(nodePollMs ? {nodePollMs} : {}),
        ...(await (
          await import('./etcd-volume.js')
        )
          .etcdVolumeAccess(rootDir)
          .then((a) => (a ? {etcdVolume: a} : {}))),
      }
    },
  }
}

export const joinCommandSpec: WorkflowCommandSpec<JoinData> = {
  workflow: joinWorkflow,
  command: 'join',
  summary:
    'Join this machine to a cluster (kubeadm join): token discovery of the cluster, then the node phases',
  flags: joinFlags,
  positionals: [{name: 'ENDPOINT', description: 'API server host:port (as printed by kforge init)'}],
  examples: [
    '<%= config.bin %> join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:<hex>',
  ],
  phaseExamples: [
    '<%= config.bin %> join phase discovery 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:<hex> --root-dir /tmp/node',
  ],
  prepare: prepareJoin,
}
