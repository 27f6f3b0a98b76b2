/** The flags every command that talks to the API shares: `--kubeconfig` and `--root-dir`. */
import {existsSync} from 'node:fs'
import {Flags} from '@oclif/core'
import {defaultKubeconfigPath} from '../kube/kubeconfig.js'

export const kubeconfigFlags = {
  kubeconfig: Flags.string({
    description: 'kubeconfig to use. Default: <root-dir>/etc/kubernetes/admin.conf, then $KUBECONFIG',
  }),
  'root-dir': Flags.string({
    description: 'prefix for every host path (a test or image-build root)',
    default: '/',
  }),
}

export function kubeconfigPath(flags: {kubeconfig?: string; 'root-dir': string}): string {
  return flags.kubeconfig ?? defaultKubeconfigPath(flags['root-dir'], existsSync, process.env.KUBECONFIG)
}
