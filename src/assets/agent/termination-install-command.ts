/**
 * `kforge termination install` — node agent only, the boot script's step after the join: write
 * the termination watcher's unit and start it (src/assets/agent/termination-unit.ts;
 * docs/termination.md).
 */
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class TerminationInstall extends BaseCommand<typeof TerminationInstall> {
  static override description = "write and start this instance's termination watcher unit (boot step)"

  static override examples = ['<%= config.bin %> termination install']

  static override flags = {
    'root-dir': Flags.string({
      description: 'prefix for the unit path; anything but / writes the unit without starting it',
      default: '/',
    }),
  }

  async run(): Promise<void> {
    const {installWatcher} = await import('./termination-unit.js')
    const rootDir = this.flags['root-dir']
    const path = await installWatcher(rootDir)
    this.print({unit: path}, () => `wrote ${path}${rootDir === '/' ? ' and started it' : ''}\n`)
  }
}
