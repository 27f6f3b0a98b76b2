import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {ValidationError} from '../../util/errors.js'

export default class Validate extends BaseCommand<typeof Validate> {
  static override description = `Check a spec file without touching the cloud.

Parses the spec and checks every field, then renders each instance group's cloud-config and checks its keys, types and size (with --state, for the state store the cluster will use; without it, an S3 store is assumed). Reports every problem at once, each naming the file, the document and the field or the rendered line, and exits non-zero if there is any. "kforge validate cluster NAME" checks a running cluster instead.`

  static override examples = [
    '<%= config.bin %> create cluster demo.example.com --zones us-east-1a,us-east-1b,us-east-1c --dry-run -o yaml > cluster.yaml',
    '<%= config.bin %> validate -f cluster.yaml',
    '<%= config.bin %> validate -f cluster.yaml -o json',
  ]

  static override flags = {
    filename: Flags.string({
      char: 'f',
      required: true,
      description: 'spec file (multi-document YAML), or - for stdin',
    }),
  }

  async run(): Promise<void> {
    const {readSpecText} = await import('../../specs/file.js')
    const {validateSpecText} = await import('../../phases/validate.js')
    const file = this.flags.filename
    const result = await validateSpecText(await readSpecText(file), file === '-' ? '<stdin>' : file, {
      ...(this.flags.state === undefined ? {} : {stateStore: this.flags.state}),
    })
    const valid = result.problems.length === 0
    if (this.outputFormat !== 'text') {
      this.print({file: result.file, valid, passed: result.passed, problems: result.problems}, () => '')
      if (!valid) this.exit(1)
      return
    }
    if (!valid) throw new ValidationError(result.problems)
    process.stdout.write(`${result.passed.map((p) => `OK ${p}`).join('\n')}\n`)
  }
}
