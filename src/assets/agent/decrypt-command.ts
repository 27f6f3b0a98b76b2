/**
 * `kforge assets decrypt` — node agent only: the boot script's "assets" step. Opens the
 * cluster's KMS-encrypted assets with the instance role and writes them in place.
 */
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class AssetsDecrypt extends BaseCommand<typeof AssetsDecrypt> {
  static override description = "decrypt the cluster's KMS-encrypted assets on this instance (boot step)"

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
    const aws = new AwsClients({
      region: this.flags.region ?? manifest.region,
      ...(this.flags.endpoint ? {endpoint: this.flags.endpoint} : {}),
    })
    const written = await decryptAssets(manifest, await aws.kms(), this.flags['root-dir'])
    this.print({decrypted: written}, () => written.map((p) => `decrypted ${p}\n`).join(''))
  }
}
