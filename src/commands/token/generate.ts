import {BaseCommand} from '../../cli/base.js'

export default class TokenGenerate extends BaseCommand<typeof TokenGenerate> {
  static override summary = 'Print a new random bootstrap token (offline; nothing is stored)'
  static override description =
    `Print a new random bootstrap token ([a-z0-9]{6}.[a-z0-9]{16}, every character from a CSPRNG), for
\`kforge init --token\` or a kubeadm config. Nothing is stored or sent anywhere: use
\`kforge token create\` to register a token with a cluster.`

  static override examples = ['<%= config.bin %> token generate']

  async run(): Promise<void> {
    const {formatToken, generateToken} = await import('../../bootstrap/token.js')
    const token = formatToken(generateToken())
    // Written directly, not through print(): the redactor would mask the very token this command exists to show.
    if (this.outputFormat === 'text') process.stdout.write(`${token}\n`)
    else if (this.outputFormat === 'json') process.stdout.write(`${JSON.stringify({token}, null, 2)}\n`)
    else process.stdout.write(`token: ${token}\n`)
  }
}
