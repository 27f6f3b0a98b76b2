import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import type {ResetData} from '../../phases/reset/workflow.js'

export default class Reset extends BaseCommand<typeof Reset> {
  static override description = `Undo what kforge init or kforge join wrote on this node (kubeadm reset).

Removes the static pod manifests, kubeconfigs, kubelet state, the etcd data dir and — unless --keep-pki — the certificates, all under --root-dir and never outside it. Asks first unless --force.`

  static override examples = [
    '<%= config.bin %> reset',
    '<%= config.bin %> reset --force --keep-pki --root-dir /tmp/node',
  ]

  static override flags = {
    'root-dir': Flags.string({description: 'prefix for every host path', default: '/'}),
    force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'}),
    'keep-pki': Flags.boolean({description: 'keep the certificates directory'}),
    'dry-run': Flags.boolean({description: 'say what would be removed, remove nothing'}),
    'skip-phases': Flags.string({
      description: 'comma-separated phases to skip (preflight, remove-etcd-member, cleanup-node)',
    }),
    'cri-socket': Flags.string({
      description: "the container runtime's socket, whose Kubernetes containers are removed",
      default: 'unix:///run/containerd/containerd.sock',
    }),
  }

  async run(): Promise<void> {
    const {resolve} = await import('node:path')
    const {resetWorkflow} = await import('../../phases/reset/workflow.js')
    const {progressReporter} = await import('../../cli/progress.js')
    const {readLine} = await import('../../phases/reset/ask.js')
    const f = this.flags
    const data: ResetData = {
      rootDir: resolve(f['root-dir']),
      keepPki: f['keep-pki'],
      force: f.force,
      manageServices: resolve(f['root-dir']) === '/' && !f['dry-run'],
      criSocket: f['cri-socket'],
      ask: readLine,
      removed: [],
      kept: [],
    }
    await resetWorkflow.run(() => data, {
      skip: (f['skip-phases'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      dryRun: f['dry-run'],
      logger: this.logger,
      reporter: progressReporter(),
    })
    this.print(
      {
        rootDir: data.rootDir,
        removed: data.removed,
        kept: data.kept,
        dryRun: f['dry-run'],
        ...(data.etcd ? {etcdMember: data.etcd} : {}),
      },
      () =>
        data.removed.length === 0
          ? `nothing to remove under ${data.rootDir}\n`
          : `${f['dry-run'] ? 'would remove' : 'removed'} under ${data.rootDir}:\n${data.removed.map((p) => `  ${p}`).join('\n')}\n`,
    )
  }
}
