import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {kubeconfigFlags, kubeconfigPath} from '../../cli/kube-flags.js'

export default class TokenCreate extends BaseCommand<typeof TokenCreate> {
  static override description =
    `Create a bootstrap token in the cluster (kubeadm's Secret layout) and print it.

The token is printed on stdout: it is a credential, treat the output accordingly.`

  static override examples = [
    '<%= config.bin %> token create --ttl 2h --description "for node-7"',
    '<%= config.bin %> token create --print-join-command',
  ]

  static override args = {
    token: Args.string({description: 'use this token ([a-z0-9]{6}.[a-z0-9]{16}) instead of a random one'}),
  }

  static override flags = {
    ...kubeconfigFlags,
    ttl: Flags.string({description: 'lifetime, e.g. 24h, 1h30m; 0 means never expires', default: '24h'}),
    description: Flags.string({description: 'a human-readable note stored with the token'}),
    groups: Flags.string({
      description: 'extra groups the token authenticates as (comma-separated)',
      default: 'system:bootstrappers:kubeadm:default-node-token',
    }),
    usages: Flags.string({description: 'comma-separated usages', default: 'signing,authentication'}),
    'print-join-command': Flags.boolean({
      description: 'print the whole `kforge join` command, not just the token',
    }),
    'certificate-key': Flags.string({
      description: 'with --print-join-command: print a control-plane join command using this certificate key',
      dependsOn: ['print-join-command'],
    }),
  }

  async run(): Promise<void> {
    const {parseToken, generateToken, formatToken, validateUsages, validateExtraGroups} = await import(
      '../../bootstrap/token.js'
    )
    const {parseDuration} = await import('../../kube/wait.js')
    const {loadKubeconfig} = await import('../../kube/kubeconfig.js')
    const {KubeClient} = await import('../../kube/client.js')
    const {createTokenSecret} = await import('../../kube/tokens.js')
    const {joinCommand} = await import('../../kube/join-command.js')
    const f = this.flags
    const split = (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    const token = this.args.token ? parseToken(this.args.token, 'TOKEN') : generateToken()
    const ttlMs = parseDuration(f.ttl, '--ttl')
    const usages = validateUsages(split(f.usages), '--usages')
    const groups = split(f.groups)
    validateExtraGroups(groups, '--groups')
    const creds = await loadKubeconfig(kubeconfigPath(f), {rootDir: f['root-dir']})
    const client = new KubeClient(creds)
    try {
      await createTokenSecret(client, {
        token,
        ttlMs,
        usages,
        groups,
        ...(f.description ? {description: f.description} : {}),
      })
    } finally {
      client.close()
    }
    const text = f['print-join-command']
      ? `${await joinCommand(creds, formatToken(token), f['certificate-key'] ? ['--control-plane', '--certificate-key', f['certificate-key']] : [])}\n`
      : `${formatToken(token)}\n`
    // Not through print(): the redactor would mask the very token this command exists to show.
    if (this.outputFormat === 'text') process.stdout.write(text)
    else
      process.stdout.write(
        `${JSON.stringify({token: formatToken(token), ...(f['print-join-command'] ? {joinCommand: text.trim()} : {})}, null, 2)}\n`,
      )
  }
}
