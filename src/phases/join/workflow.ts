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
import {DEFAULT_ETCD_DATA_DIR} from '../../kubeadm/defaults.js'
import {etcdVolumePhase} from '../etcd-volume.js'
import {etcdBackupTimerPhase} from '../init/etcd-backup-timer.js'
import {podIdentityWebhookPhase} from '../init/pod-identity-webhook.js'
import {Workflow} from '../workflow.js'
import {controlPlaneJoinPhase, joinWaitControlPlanePhase} from './api/control-plane-join.js'
import {etcdJoinPhase} from './api/etcd-join.js'
import {controlPlanePreparePhase} from './api/prepare.js'
import type {JoinData} from './data.js'
import {discoveryPhase} from './discovery.js'
import {kubeletStartJoinPhase, kubeletWaitBootstrapPhase} from './tls-bootstrap-phases.js'

export const joinWorkflow = new Workflow<JoinData>('join', [
  // kforge: a joining control plane's etcd volume, mounted before anything else (AWS instances only).
  // The data dir is kubeadm's default, as kforge renders it: the cluster's own config comes later.
  etcdVolumePhase((d: JoinData) => ({
    rootDir: d.rootDir,
    dataDir: d.config.controlPlane ? DEFAULT_ETCD_DATA_DIR : undefined,
    access: d.etcdVolume,
    mounted: (v) => {
      d.etcdVolumeMounted = v
    },
  })),
  discoveryPhase,
  controlPlanePreparePhase,
  kubeletStartJoinPhase,
  etcdJoinPhase,
  kubeletWaitBootstrapPhase,
  controlPlaneJoinPhase,
  joinWaitControlPlanePhase,
  etcdBackupTimerPhase<JoinData>((d) => d.config.controlPlane !== undefined),
  podIdentityWebhookPhase<JoinData>(
    (d) => d.config.controlPlane !== undefined,
    (d) => d.config.controlPlane!.localAPIEndpoint,
  ),
])
