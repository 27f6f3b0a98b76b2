import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'

export default class Replace extends BaseCommand<typeof Replace> {
  static override description = `Replace a stored cluster spec with the one in a file.

The file is validated first; nothing is stored if any problem is found. The cluster must exist. The cloud changes only when you run "kforge update cluster NAME --yes".`

  static override examples = [
    '<%= config.bin %> get cluster demo.example.com -o yaml > cluster.yaml',
    '<%= config.bin %> replace -f cluster.yaml',
  ]

  static override flags = {
    filename: Flags.string({
      char: 'f',
      required: true,
      description: 'spec file (multi-document YAML), or - for stdin',
    }),
    ...lockFlags,
  }

  async run(): Promise<void> {
    const {readSpecFile} = await import('../../specs/file.js')
    const {replaceCluster} = await import('../../specs/store.js')
    const {openStore} = await import('../../cli/cluster.js')
    const cluster = await readSpecFile(this.flags.filename)
    const store = await openStore(this.flags)
    await runLocked(
      store,
      cluster.name,
      {command: `replace cluster ${cluster.name}`, breakLock: this.flags['break-lock'], logger: this.logger},
      () => replaceCluster(store, cluster),
    )
    this.print({cluster: cluster.name, replaced: true}, () =>
      [
        `Replaced the spec of cluster "${cluster.name}" in ${store.location}.`,
        `To apply the change, run:\n  kforge update cluster ${cluster.name} --yes\n`,
      ].join('\n'),
    )
  }
}
