/**
 * `kforge init`: kubeadm's init phases, top to bottom.
 *
 * Only the phases that need no API server are here today. kubeadm's remaining phases come after
 * kubelet-start, in this order, and are added to this list as they are implemented (each needs a
 * reachable API server): wait-control-plane, upload-config (kubeadm, kubelet), upload-certs,
 * mark-control-plane, bootstrap-token, kubelet-finalize, addon (coredns, kube-proxy).
 * They are left out rather than declared as stubs so that nothing in `kforge init phase --help`
 * pretends to work. show-join-command stays last, as in kubeadm.
 */
import {Workflow} from '../workflow.js'
import {certsPhase} from './certs.js'
import {controlPlanePhase} from './control-plane.js'
import type {InitData} from './data.js'
import {etcdPhase} from './etcd.js'
import {kubeconfigPhase} from './kubeconfig.js'
import {kubeletStartPhase} from './kubelet-start.js'
import {preflightPhase} from './preflight.js'
import {showJoinCommandPhase} from './show-join-command.js'

export const initWorkflow = new Workflow<InitData>('init', [
  preflightPhase,
  certsPhase,
  kubeconfigPhase,
  etcdPhase,
  controlPlanePhase,
  kubeletStartPhase,
  // wait-control-plane, upload-config, upload-certs, mark-control-plane, bootstrap-token,
  // kubelet-finalize, addon: see the note above
  showJoinCommandPhase,
])
