import {Args} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {kubeconfigFlags, kubeconfigPath} from '../../cli/kube-flags.js'

export default class TokenDelete extends BaseCommand<typeof TokenDelete> {
  static override description = 'Delete bootstrap tokens from the cluster, by id or by whole token.'

  static override examples = ['<%= config.bin %> token delete abcdef']

  static override strict = false

  static override args = {
    id: Args.string({description: 'token id ([a-z0-9]{6}) or token; more may follow', required: true}),
  }

  static override flags = {...kubeconfigFlags}

  async run(): Promise<void> {
    const {loadKubeconfig} = await import('../../kube/kubeconfig.js')
    const {KubeClient} = await import('../../kube/client.js')
    const {deleteToken, tokenIdOf} = await import('../../kube/tokens.js')
    const {argv} = await this.parse(TokenDelete)
    const ids = (argv as string[]).map(tokenIdOf)
    const client = new KubeClient(
      await loadKubeconfig(kubeconfigPath(this.flags), {rootDir: this.flags['root-dir']}),
    )
    try {
      for (const id of ids) {
        await deleteToken(client, id)
        process.stdout.write(`bootstrap token "${id}" deleted\n`)
      }
    } finally {
      client.close()
    }
  }
}
