/**
 * `kforge pod-identity serve` — node agent only, run by the kforge-pod-identity-webhook unit on
 * control-plane nodes: the mutating admission webhook that gives pods the IAM role their
 * ServiceAccount names (src/podidentity; docs/workload-identity.md).
 */
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class PodIdentityServe extends BaseCommand<typeof PodIdentityServe> {
  static override description = `serve the pod identity webhook (the kforge-pod-identity-webhook unit)

Pods whose ServiceAccount carries eks.amazonaws.com/role-arn get a projected service-account token for the role's audience and AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and the region variables, as with EKS's webhook. The --region flag (global) sets AWS_REGION and AWS_DEFAULT_REGION.`

  static override examples = [
    '<%= config.bin %> pod-identity serve --region eu-west-1 --sts-regional-endpoints',
  ]

  static override flags = {
    'root-dir': Flags.string({description: 'prefix for the certificate and kubeconfig paths', default: '/'}),
    address: Flags.string({
      description: 'address to listen on (the local kube-apiserver calls it)',
      default: '127.0.0.1',
    }),
    port: Flags.integer({description: 'port to listen on', default: 3990}),
    audience: Flags.string({
      description: "the token's audience when the ServiceAccount names none",
      default: 'sts.amazonaws.com',
    }),
    'token-expiration': Flags.integer({
      description: "the token's lifetime in seconds when nothing names one",
      default: 86_400,
    }),
    'sts-regional-endpoints': Flags.boolean({
      description: 'set AWS_STS_REGIONAL_ENDPOINTS=regional unless the ServiceAccount says "false"',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const {startPodIdentityWebhook} = await import('../../podidentity/run.js')
    const f = this.flags
    const running = await startPodIdentityWebhook({
      rootDir: f['root-dir'],
      host: f.address,
      port: f.port,
      defaults: {
        ...(f.region ? {region: f.region} : {}),
        audience: f.audience,
        tokenExpirationSeconds: f['token-expiration'],
        stsRegionalEndpoints: f['sts-regional-endpoints'],
      },
      logger: this.logger,
    })
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve())
      process.once('SIGINT', () => resolve())
    })
    await running.close()
  }
}
