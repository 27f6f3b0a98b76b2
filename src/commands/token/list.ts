import {BaseCommand} from '../../cli/base.js'
import {kubeconfigFlags, kubeconfigPath} from '../../cli/kube-flags.js'

export default class TokenList extends BaseCommand<typeof TokenList> {
  static override description =
    'List the bootstrap tokens in the cluster (ids only: the secret half is never shown).'

  static override examples = ['<%= config.bin %> token list', '<%= config.bin %> token list -o json']

  static override flags = {...kubeconfigFlags}

  async run(): Promise<void> {
    const {loadKubeconfig} = await import('../../kube/kubeconfig.js')
    const {KubeClient} = await import('../../kube/client.js')
    const {listTokens} = await import('../../kube/tokens.js')
    const {formatTable} = await import('../../util/output.js')
    const client = new KubeClient(
      await loadKubeconfig(kubeconfigPath(this.flags), {rootDir: this.flags['root-dir']}),
    )
    let result: Awaited<ReturnType<typeof listTokens>>
    try {
      result = await listTokens(client)
    } finally {
      client.close()
    }
    for (const p of result.problems) this.logger.warn(`skipping ${p}`)
    this.print(result.tokens, () =>
      formatTable(
        ['ID', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'],
        result.tokens.map((t) => [
          t.id,
          t.ttl,
          t.expires ?? '<never>',
          t.usages.join(','),
          t.description ?? '<none>',
          t.groups.join(','),
        ]),
      ),
    )
  }
}
