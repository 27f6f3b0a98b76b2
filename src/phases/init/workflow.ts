/**
 * `kforge init`: kubeadm's init phases, top to bottom.
 *
 * The phases after kubelet-start talk to the API server (src/phases/init/api). kforge adds the
 * spec's addons under `addon` and the opt-in `self-hosting` pivot before show-join-command, which
 * stays last, as in kubeadm.
 */
import {etcdVolumePhase} from '../etcd-volume.js'
import {Workflow} from '../workflow.js'
import {addonPhase} from './api/addon/index.js'
import {bootstrapTokenPhase} from './api/bootstrap-token.js'
import {kubeletFinalizePhase} from './api/kubelet-finalize.js'
import {markControlPlanePhase} from './api/mark-control-plane.js'
import {selfHostingPhase} from './api/self-hosting.js'
import {uploadCertsPhase} from './api/upload-certs.js'
import {uploadConfigPhase} from './api/upload-config.js'
import {waitControlPlanePhase} from './api/wait-control-plane.js'
import {certsPhase} from './certs.js'
import {controlPlanePhase} from './control-plane.js'
import type {InitData} from './data.js'
import {etcdPhase} from './etcd.js'
import {etcdBackupTimerPhase} from './etcd-backup-timer.js'
import {etcdResumePhase} from './etcd-resume.js'
import {kubeconfigPhase} from './kubeconfig.js'
import {kubeletStartPhase} from './kubelet-start.js'
import {podIdentityWebhookPhase} from './pod-identity-webhook.js'
import {preflightPhase} from './preflight.js'
import {showJoinCommandPhase} from './show-join-command.js'

export const initWorkflow = new Workflow<InitData>('init', [
  // kforge: etcd's EBS volume, mounted before preflight checks the data dir (AWS instances only)
  etcdVolumePhase((d: InitData) => ({
    rootDir: d.rootDir,
    dataDir: d.cluster.etcd.local?.dataDir,
    access: d.etcdVolume,
    mounted: (v) => {
      d.etcdVolumeMounted = v
    },
  })),
  preflightPhase,
  certsPhase,
  kubeconfigPhase,
  etcdPhase,
  controlPlanePhase,
  kubeletStartPhase,
  waitControlPlanePhase,
  // kforge: a lone member resumed from its volume moves to this instance's peer URL (--resume)
  etcdResumePhase,
  uploadConfigPhase,
  uploadCertsPhase,
  markControlPlanePhase,
  bootstrapTokenPhase,
  kubeletFinalizePhase,
  // kforge: the pod identity webhook (NodeBootstrap podIdentityWebhook), before the addons' pods
  podIdentityWebhookPhase<InitData>(
    () => true,
    (d) => d.init.localAPIEndpoint,
  ),
  addonPhase,
  // kforge: opt-in (NodeBootstrap selfHosted), the pivot of the control plane into DaemonSets
  selfHostingPhase,
  // kforge: the scheduled etcd backup (NodeBootstrap etcdBackups)
  etcdBackupTimerPhase<InitData>(() => true),
  showJoinCommandPhase,
])
