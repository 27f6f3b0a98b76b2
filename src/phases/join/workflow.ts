/**
 * `kforge join`: kubeadm's join, top to bottom.
 *
 * kubeadm discovers the cluster lazily inside its phases; kforge makes it the explicit first
 * phase, `discovery`, so it can run alone. kubeadm's phases follow it as they are implemented
 * (each needs the API server): preflight, control-plane-prepare (download-certs, certs,
 * kubeconfig, control-plane), kubelet-start (TLS bootstrap), etcd-join, kubelet-wait-bootstrap,
 * control-plane-join (mark-control-plane), wait-control-plane. They are left out rather than
 * declared as stubs so nothing pretends to work.
 */
import {Workflow} from '../workflow.js'
import {controlPlaneJoinPhase, joinWaitControlPlanePhase} from './api/control-plane-join.js'
import {etcdJoinPhase} from './api/etcd-join.js'
import {controlPlanePreparePhase} from './api/prepare.js'
import type {JoinData} from './data.js'
import {discoveryPhase} from './discovery.js'
import {kubeletStartJoinPhase, kubeletWaitBootstrapPhase} from './tls-bootstrap-phases.js'

export const joinWorkflow = new Workflow<JoinData>('join', [
  discoveryPhase,
  controlPlanePreparePhase,
  kubeletStartJoinPhase,
  etcdJoinPhase,
  kubeletWaitBootstrapPhase,
  controlPlaneJoinPhase,
  joinWaitControlPlanePhase,
])
