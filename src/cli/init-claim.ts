/**
 * Flags of `kforge init claim`, the control-plane boot's init-or-join decision (node agent).
 * The cluster and region default to the assets manifest the boot has already written, and the
 * instance id to IMDS's, which keeps the first control-plane group's user-data (tight under EC2's
 * 16 KB) short.
 */
import {Flags} from '@oclif/core'

export const initClaimFlags = {
  'instance-id': Flags.string({
    description: 'who claims: this instance id (default: from IMDS)',
  }),
  imds: Flags.string({
    description: 'instance metadata service endpoint',
    env: 'KFORGE_IMDS',
    default: 'http://169.254.169.254',
  }),
  cluster: Flags.string({description: 'cluster name (default: the assets manifest)'}),
  manifest: Flags.string({
    description: 'assets manifest naming the cluster and its region',
    default: '/etc/kforge/assets.json',
  }),
  config: Flags.string({
    description:
      'kubeadm config naming this member (kforge init reads it next): where a requested restore goes',
    default: '/etc/kforge/kubeadm.yaml',
  }),
  etcdutl: Flags.string({
    description:
      'etcdutl for a requested restore (default: etcdutl on PATH, else the etcd image through ctr)',
  }),
  completed: Flags.boolean({
    description: "record that this instance's init finished (run after `kforge init` succeeds)",
    default: false,
  }),
}
