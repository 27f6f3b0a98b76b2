/**
 * What every kforge command shares: the global flags (docs/cli.md), one logger, output in
 * text/json/yaml, and error handling that prints one clear line and exits non-zero.
 */
import {Command, Flags, type Interfaces} from '@oclif/core'
import {errorMessage, KforgeError} from '../util/errors.js'
import {Logger} from '../util/logger.js'
import {formatObject, type OutputFormat} from '../util/output.js'
import {redact} from '../util/redact.js'

export type GlobalFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    state: Flags.string({
      description: 'state store: a directory, file://dir or s3://bucket/prefix',
      env: 'KFORGE_STATE_STORE',
      helpGroup: 'GLOBAL',
    }),
    region: Flags.string({description: 'AWS region (overrides AWS_REGION)', helpGroup: 'GLOBAL'}),
    endpoint: Flags.string({
      description: 'AWS endpoint URL (overrides AWS_ENDPOINT_URL)',
      helpGroup: 'GLOBAL',
    }),
    output: Flags.string({
      char: 'o',
      description: 'output format',
      options: ['text', 'json', 'yaml'],
      default: 'text',
      helpGroup: 'GLOBAL',
    }),
    json: Flags.boolean({description: 'same as -o json', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({
      char: 'v',
      description: 'print detail (secrets stay redacted)',
      helpGroup: 'GLOBAL',
    }),
  }

  protected flags!: GlobalFlags<T>
  protected args!: Interfaces.InferredArgs<T['args']>
  protected logger!: Logger

  override async init(): Promise<void> {
    await super.init()
    const {flags, args} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as GlobalFlags<T>
    this.args = args as Interfaces.InferredArgs<T['args']>
    this.logger = new Logger(this.flags.verbose ? 'debug' : 'info')
  }

  protected get outputFormat(): OutputFormat {
    return this.flags.json ? 'json' : (this.flags.output as OutputFormat)
  }

  /** Print an object as the user asked: json/yaml serialised, text through `text`. */
  protected print(value: unknown, text: () => string): void {
    const format = this.outputFormat
    process.stdout.write(format === 'text' ? redact(text()) : formatObject(value, format))
  }

  protected override async catch(
    err: Error & {exitCode?: number; oclif?: {exit?: number}},
  ): Promise<unknown> {
    if (err instanceof KforgeError) {
      process.stderr.write(`Error: ${redact(err.message)}\n`)
      if (this.flags?.verbose && err.cause)
        process.stderr.write(`  caused by: ${redact(errorMessage(err.cause))}\n`)
      this.exit(err.exitCode)
    }
    if (err.oclif) return super.catch(err) // oclif's own parse errors and exits
    process.stderr.write(`Error: ${redact(errorMessage(err))}\n`)
    if (this.flags?.verbose && err.stack) process.stderr.write(`${redact(err.stack)}\n`)
    this.exit(1)
  }
}
