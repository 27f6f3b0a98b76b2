/**
 * The node's own identity to the API server: the kubelet's kubeconfig, whose client certificate
 * (`CN=system:node:<name>`, `O=system:nodes`) names the node. The node authorizer and
 * NodeRestriction let that identity cordon its own Node and evict the pods bound to it, which is
 * all a drain of itself needs; no other credential is put on the instance for it.
 */
import {X509Certificate} from 'node:crypto'
import {KubeClient} from '../../kube/client.js'
import {loadKubeconfig} from '../../kube/kubeconfig.js'
import {KforgeError} from '../../util/errors.js'
import type {NodeAccess} from './termination.js'

const NODE_USER = /^system:node:(.+)$/

/** The node name in a kubelet client certificate (PEM), or undefined when it is not a node's. */
export function nodeNameOf(certPem: Buffer): string | undefined {
  const subject = new X509Certificate(certPem).subject
  const cn = subject.split('\n').find((line) => line.startsWith('CN='))
  return cn ? NODE_USER.exec(cn.slice(3))?.[1] : undefined
}

export async function nodeAccess(kubeconfig: string, nodeName?: string): Promise<NodeAccess> {
  const credentials = await loadKubeconfig(kubeconfig)
  const node = nodeName ?? (credentials.cert ? nodeNameOf(credentials.cert) : undefined)
  if (!node) {
    throw new KforgeError(
      `kubeconfig ${kubeconfig}: its user is not a node (no client certificate for CN=system:node:<name>); ` +
        "point --kubeconfig at the kubelet's kubeconfig or pass --node-name",
    )
  }
  return {client: new KubeClient(credentials), node}
}
