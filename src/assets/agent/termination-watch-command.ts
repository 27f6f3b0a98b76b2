/**
 * `kforge termination watch` — node agent only, run by the kforge-termination-watcher unit: wait
 * for a spot interruption or the group's termination, drain this node, complete the lifecycle
 * action (src/assets/agent/termination.ts; docs/termination.md). With no flags it finds everything
 * on the node: cluster and region in the assets manifest, its group from its Node's label.
 */
import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {DRAIN_HOOK} from '../../cloud/aws/build/drain-hook.js'

export default class TerminationWatch extends BaseCommand<typeof TerminationWatch> {
  static override description =
    'drain this node when its instance is about to go (spot interruption, auto-scaling termination), then complete the lifecycle action'

  static override examples = ['<%= config.bin %> termination watch']

  static override flags = {
    manifest: Flags.string({
      description: 'assets manifest written by the cloud-config (its cluster and region)',
      default: '/etc/kforge/assets.json',
    }),
    group: Flags.string({
      description:
        "this instance's auto-scaling group. Default: from the Node's kforge.dev/instancegroup label",
    }),
    hook: Flags.string({description: "the group's termination hook. Default: the cluster's"}),
    kubeconfig: Flags.string({
      description: "the kubelet's kubeconfig (the node's own identity)",
      default: '/etc/kubernetes/kubelet.conf',
    }),
    'node-name': Flags.string({
      description: "the Node's name. Default: from the kubeconfig's client certificate",
    }),
    imds: Flags.string({
      description: 'instance metadata service endpoint',
      env: 'KFORGE_IMDS',
      default: 'http://169.254.169.254',
    }),
    'poll-interval': Flags.string({description: 'between looks at IMDS', default: '5s'}),
    'heartbeat-interval': Flags.string({
      description: 'between lifecycle action heartbeats while a drain runs (a third of the hook timeout)',
      default: `${Math.floor(DRAIN_HOOK.heartbeatTimeoutSeconds / 3)}s`,
    }),
    'drain-timeout': Flags.string({description: 'give up draining after this long', default: '10m'}),
  }

  async run(): Promise<void> {
    const {parseDuration} = await import('../../kube/wait.js')
    const {readManifest} = await import('../decrypt.js')
    const {Imds} = await import('./imds.js')
    const {watchTermination} = await import('./termination.js')
    const {autoScalingLifecycleActions} = await import('./lifecycle-actions.js')
    const {nodeAccess} = await import('./node-access.js')
    const {hookTarget} = await import('./termination-target.js')
    const {drainHookName} = await import('../../cloud/aws/build/drain-hook.js')
    const {AwsClients} = await import('../../cloud/aws/clients.js')
    const f = this.flags
    const manifest = await readManifest(f.manifest)
    const aws = new AwsClients({
      region: f.region ?? manifest.region,
      ...(f.endpoint ? {endpoint: f.endpoint} : {}),
    })
    const kube = () => nodeAccess(f.kubeconfig, f['node-name'])
    // Which group and hook: found once, when the first lifecycle call is made (after a notice).
    let actions: ReturnType<typeof autoScalingLifecycleActions> | undefined
    const resolve = async () => {
      if (actions) return actions
      let target = {group: f.group ?? '', hook: f.hook ?? drainHookName(manifest.cluster)}
      if (!f.group) {
        const access = await kube()
        try {
          target = {...(await hookTarget(manifest.cluster, access)), ...(f.hook ? {hook: f.hook} : {})}
        } finally {
          access.client.close()
        }
      }
      this.logger.info(`lifecycle hook ${target.hook} of group ${target.group}`)
      actions = autoScalingLifecycleActions(await aws.autoScaling(), target)
      return actions
    }
    const stop = new AbortController()
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop.abort())
    const result = await watchTermination({
      imds: new Imds({base: f.imds}),
      actions: {
        complete: async (id) => (await resolve()).complete(id),
        heartbeat: async (id) => (await resolve()).heartbeat(id),
      },
      kube,
      pollIntervalMs: parseDuration(f['poll-interval'], '--poll-interval'),
      heartbeatIntervalMs: parseDuration(f['heartbeat-interval'], '--heartbeat-interval'),
      drainTimeoutMs: parseDuration(f['drain-timeout'], '--drain-timeout'),
      log: (line) => this.logger.info(line),
      signal: stop.signal,
    })
    this.print(result ?? {stopped: true}, () =>
      result
        ? `${result.completed ? 'completed' : 'no lifecycle action'} for ${result.instanceId}\n`
        : 'stopped\n',
    )
  }
}
