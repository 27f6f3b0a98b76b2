import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {kubeconfigFlags, kubeconfigPath} from '../../cli/kube-flags.js'

export default class IdentityServe extends BaseCommand<typeof IdentityServe> {
  static override description =
    `Serve node identity on a control-plane node (the node agent's kforge-node-identity unit).

A joining instance proves who it is with a presigned sts:GetCallerIdentity request made with its instance role; the service asks STS who signed it, checks with EC2 and Auto Scaling that the instance is a running member of one of the cluster's groups, and answers with a bootstrap token that expires within the hour and may obtain a kubelet certificate for that instance's node name only. Nodes reach it with \`kforge join --node-identity\`.`

  static override examples = [
    '<%= config.bin %> identity serve',
    '<%= config.bin %> identity serve --cluster demo.example.com --region eu-west-1',
  ]

  static override flags = {
    ...kubeconfigFlags,
    cluster: Flags.string({
      description: 'the cluster name, its KubernetesCluster tag (default: the assets manifest)',
    }),
    region: Flags.string({description: "the cluster's AWS region (default: the assets manifest)"}),
    manifest: Flags.string({
      description: 'assets manifest naming the cluster and its region',
      default: '/etc/kforge/assets.json',
    }),
    address: Flags.string({description: 'address to listen on', default: '0.0.0.0'}),
    port: Flags.integer({
      description: 'port to listen on (the node security group may reach it)',
      default: 3989,
    }),
    'token-ttl': Flags.string({description: 'lifetime of an issued token, e.g. 30m', default: '1h'}),
    endpoint: Flags.string({
      description: 'AWS endpoint for EC2 and Auto Scaling (an emulator)',
      hidden: true,
    }),
    'sts-endpoint': Flags.string({description: 'where to forward proofs (an emulator)', hidden: true}),
  }

  async run(): Promise<void> {
    const {parseDuration} = await import('../../kubeadm/duration.js')
    const {serveNodeIdentity} = await import('../../identity/run.js')
    const {KforgeError} = await import('../../util/errors.js')
    const ttl = parseDuration(this.flags['token-ttl'])
    if (ttl === undefined || ttl <= 0 || ttl > 24 * 3600_000) {
      throw new KforgeError('--token-ttl: a positive duration of at most 24h, like 1h')
    }
    let {cluster, region} = this.flags
    if (!cluster || !region) {
      const {readManifest} = await import('../../assets/decrypt.js')
      const manifest = await readManifest(this.flags.manifest ?? '/etc/kforge/assets.json')
      cluster ??= manifest.cluster
      region ??= manifest.region
    }
    const stop = new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve())
      process.once('SIGINT', () => resolve())
    })
    await serveNodeIdentity({
      cluster,
      aws: {region, ...(this.flags.endpoint ? {endpoint: this.flags.endpoint} : {})},
      kubeconfig: kubeconfigPath(this.flags),
      rootDir: this.flags['root-dir'] ?? '/',
      host: this.flags.address,
      port: this.flags.port,
      tokenTtlMs: ttl,
      ...(this.flags['sts-endpoint'] ? {sts: {endpoint: this.flags['sts-endpoint']}} : {}),
      logger: this.logger,
      stop,
    })
  }
}
