/**
 * The Amazon EBS CSI driver (kubernetes-sigs/aws-ebs-csi-driver's base, reduced to its object
 * names and essentials): the CSIDriver, controller Deployment and node DaemonSet with their
 * ServiceAccounts and RBAC, and — unless turned off — a default `gp3` StorageClass, encrypted.
 */
import {CSIDrivers, StorageClasses} from '../resources.js'
import type {CSIDriver, StorageClass} from '../types.js'
import {clusterRole, clusterRoleBinding, serviceAccount} from './rbac.js'
import type {Manifest, ManifestSet} from './types.js'
import {daemonSetOf, deploymentOf, serviceAccountOf, TOLERATE_ALL} from './workloads.js'

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com'
const IMAGE = 'public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.35.0'

export function ebsCsiManifests(options: {defaultStorageClass: boolean}): ManifestSet {
  const ns = 'kube-system'
  const driver: Manifest<CSIDriver> = {
    type: CSIDrivers,
    object: {
      metadata: {name: EBS_CSI_DRIVER},
      spec: {attachRequired: true, podInfoOnMount: false, fsGroupPolicy: 'File'},
    },
  }
  const out: ManifestSet = [
    serviceAccountOf(ns, 'ebs-csi-controller-sa'),
    serviceAccountOf(ns, 'ebs-csi-node-sa'),
    clusterRole('ebs-external-provisioner-role', [
      {
        apiGroups: [''],
        resources: ['persistentvolumes'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
      },
      {apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'update']},
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['storageclasses', 'csinodes'],
        verbs: ['get', 'list', 'watch'],
      },
      {apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'update', 'patch']},
    ]),
    clusterRoleBinding('ebs-csi-provisioner-binding', 'ebs-external-provisioner-role', [
      serviceAccount(ns, 'ebs-csi-controller-sa'),
    ]),
    clusterRole('ebs-external-attacher-role', [
      {apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'update', 'patch']},
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['volumeattachments', 'volumeattachments/status'],
        verbs: ['get', 'list', 'watch', 'update', 'patch'],
      },
    ]),
    clusterRoleBinding('ebs-csi-attacher-binding', 'ebs-external-attacher-role', [
      serviceAccount(ns, 'ebs-csi-controller-sa'),
    ]),
    clusterRole('ebs-csi-node-role', [{apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch']}]),
    clusterRoleBinding('ebs-csi-node-getter-binding', 'ebs-csi-node-role', [
      serviceAccount(ns, 'ebs-csi-node-sa'),
    ]),
    driver,
    deploymentOf(ns, 'ebs-csi-controller', {app: 'ebs-csi-controller'}, 2, {
      serviceAccountName: 'ebs-csi-controller-sa',
      priorityClassName: 'system-cluster-critical',
      tolerations: [
        {key: 'CriticalAddonsOnly', operator: 'Exists'},
        {effect: 'NoExecute', operator: 'Exists', key: 'node.kubernetes.io/not-ready'},
      ],
      nodeSelector: {'kubernetes.io/os': 'linux'},
      containers: [
        {
          name: 'ebs-plugin',
          image: IMAGE,
          args: ['controller', '--endpoint=$(CSI_ENDPOINT)', '--v=2'],
          env: [{name: 'CSI_ENDPOINT', value: 'unix:///var/lib/csi/sockets/pluginproxy/csi.sock'}],
        },
      ],
    }),
    daemonSetOf(
      ns,
      'ebs-csi-node',
      {app: 'ebs-csi-node'},
      {
        serviceAccountName: 'ebs-csi-node-sa',
        priorityClassName: 'system-node-critical',
        tolerations: TOLERATE_ALL,
        nodeSelector: {'kubernetes.io/os': 'linux'},
        containers: [
          {
            name: 'ebs-plugin',
            image: IMAGE,
            args: ['node', '--endpoint=$(CSI_ENDPOINT)', '--v=2'],
            env: [{name: 'CSI_ENDPOINT', value: 'unix:/csi/csi.sock'}],
            securityContext: {privileged: true},
            volumeMounts: [{name: 'kubelet-dir', mountPath: '/var/lib/kubelet'}],
          },
        ],
        volumes: [{name: 'kubelet-dir', hostPath: {path: '/var/lib/kubelet', type: 'Directory'}}],
      },
    ),
  ]
  if (options.defaultStorageClass) {
    const sc: Manifest<StorageClass> = {
      type: StorageClasses,
      object: {
        metadata: {name: 'gp3', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}},
        provisioner: EBS_CSI_DRIVER,
        parameters: {type: 'gp3', encrypted: 'true'},
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
      },
    }
    out.push(sc)
  }
  return out
}
