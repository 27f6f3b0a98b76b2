import {spawn} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {lockFlags, runLocked} from '../../cli/lock.js'
import {KforgeError} from '../../util/errors.js'

export default class EditCluster extends BaseCommand<typeof EditCluster> {
  static override description =
    `Edit a stored cluster spec in your editor ($KFORGE_EDITOR, $VISUAL, $EDITOR, else vi).

On save the spec is validated; if it is not valid the editor opens again with the problems as
comments at the top. Saving the same invalid text twice, or exiting without changes, stores nothing.`

  static override examples = ['<%= config.bin %> edit cluster demo.example.com']

  static override args = {
    name: Args.string({required: true, description: 'cluster name'}),
  }

  static override flags = {...lockFlags}

  async run(): Promise<void> {
    const {openStore} = await import('../../cli/cluster.js')
    const {editCluster} = await import('../../specs/store.js')
    const store = await openStore(this.flags)
    const name = this.args.name
    const editor = process.env.KFORGE_EDITOR || process.env.VISUAL || process.env.EDITOR || 'vi'
    const dir = await mkdtemp(join(tmpdir(), 'kforge-edit-'))
    const file = join(dir, `${name}.yaml`)
    // Held while the editor is open: the spec saved is the one the editor showed.
    const result = await runLocked(
      store,
      name,
      {command: `edit cluster ${name}`, breakLock: this.flags['break-lock'], logger: this.logger},
      () =>
        editCluster(store, name, (path) => runEditor(editor, path), {
          write: async (text) => {
            await writeFile(file, text, {mode: 0o600})
            return file
          },
          read: (path) => readFile(path, 'utf8'),
        }),
    )
    await rm(dir, {recursive: true, force: true})
    this.print(
      result.status === 'saved' ? {cluster: name, saved: true} : {cluster: name, saved: false},
      () =>
        result.status === 'saved'
          ? `Saved the edited spec of cluster "${name}". To apply it, run:\n  kforge update cluster ${name} --yes\n`
          : 'Edit cancelled: no changes were made.\n',
    )
  }
}

/** Run the editor through the shell so `EDITOR="code --wait"` works; the file is passed as $1. */
function runEditor(editor: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'kforge-edit', file], {stdio: 'inherit'})
    child.on('error', (err) => reject(new KforgeError(`editor "${editor}": ${err.message}`)))
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new KforgeError(
              `editor "${editor}" exited with status ${code}; nothing was saved (your edit is in ${file})`,
            ),
          ),
    )
  })
}
