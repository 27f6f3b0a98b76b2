/**
 * `kforge assets decrypt` — node agent only: the boot script's "assets" step. Fetches the role's
 * files from the state store and opens the sealed ones with KMS, with the instance role, and
 * writes them in place (src/assets/decrypt.ts).
 */
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class AssetsDecrypt extends BaseCommand<typeof AssetsDecrypt> {
  static override description =
    "fetch this role's files from the state store and decrypt its secrets on this instance (boot step)"

  static override examples = ['<%= config.bin %> assets decrypt --manifest /etc/kforge/assets.json']

  static override flags = {
    manifest: Flags.string({
      description: 'assets manifest written by the cloud-config',
      default: '/etc/kforge/assets.json',
    }),
    'root-dir': Flags.string({description: 'prefix for every path written', default: '/'}),
  }

  async run(): Promise<void> {
    const {readManifest, decryptAssets} = await import('../decrypt.js')
    const {AwsClients} = await import('../../cloud/aws/clients.js')
    const manifest = await readManifest(this.flags.manifest)
    const endpoint = this.flags.endpoint ? {endpoint: this.flags.endpoint} : {}
    const aws = new AwsClients({region: this.flags.region ?? manifest.region, ...endpoint})
    // The bucket may live in another region than the cluster.
    const store = new AwsClients({region: manifest.secrets?.region ?? manifest.region, ...endpoint})
    const written = await decryptAssets(
      manifest,
      {kms: await aws.kms(), s3: await store.s3()},
      this.flags['root-dir'],
    )
    this.print({decrypted: written}, () => written.map((p) => `decrypted ${p}\n`).join(''))
  }
}
