/** Flags shared by `kforge pivot rollback` and `kforge pivot recover`. */
import {hostname} from 'node:os'
import {Flags} from '@oclif/core'
import {kubeconfigFlags} from './kube-flags.js'

export const pivotFlags = {
  ...kubeconfigFlags,
  'node-name': Flags.string({
    description: "this node's name. Default: the hostname, lowercased",
    default: hostname().toLowerCase(),
  }),
  timeout: Flags.string({description: 'how long each wait may take', default: '4m'}),
}
