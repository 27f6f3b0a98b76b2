/** The flags `rolling-update cluster` and `upgrade cluster` share: they replace instances the same way. */
import {Flags} from '@oclif/core'

export const rollFlags = {
  'drain-timeout': Flags.string({description: 'give up draining a node after this long', default: '15m'}),
  kubeconfig: Flags.string({
    description:
      'kubeconfig with admin access. Default: the context named after the cluster in $KUBECONFIG or ~/.kube/config',
  }),
}
