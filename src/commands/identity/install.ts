import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class IdentityInstall extends BaseCommand<typeof IdentityInstall> {
  static override description =
    'Install and start the node-identity service on this control-plane node (a boot step, after init or join).'

  static override examples = ['<%= config.bin %> identity install']

  static override flags = {
    'root-dir': Flags.string({
      description: 'prefix for every host path (a test or image-build root)',
      default: '/',
    }),
  }

  async run(): Promise<void> {
    const {installNodeIdentityUnit} = await import('../../identity/unit.js')
    await installNodeIdentityUnit(this.flags['root-dir'] ?? '/', this.logger)
  }
}
