/**
 * The Amazon EBS CSI driver, after kubernetes-sigs/aws-ebs-csi-driver's kustomize base (object
 * names, RBAC rules, sidecar arguments): the CSIDriver; the controller with its csi-provisioner,
 * csi-attacher, csi-resizer and livenessprobe sidecars; the node plugin with
 * node-driver-registrar and livenessprobe; and, unless turned off, a default `gp3` StorageClass,
 * encrypted, bound when the first pod is scheduled.
 *
 * The controller runs in one of two ways, by where its AWS credentials come from:
 * - With a role of its own (IRSA: `controllerRoleArn`, when the cluster publishes its issuer with
 *   an AWS OIDC provider), upstream's way: a Deployment of two replicas on the pod network, its
 *   ServiceAccount annotated `eks.amazonaws.com/role-arn`, so the pod identity webhook gives it a
 *   web-identity token for that role (src/podidentity). The instance roles have no volume
 *   lifecycle statement at all then.
 * - Without, on the control plane, as a DaemonSet there, with hostNetwork. It calls the EC2 API
 *   with the instance role, and only the control-plane role has EBS actions (scoped to volumes
 *   tagged for this cluster: src/cloud/aws/build/iam-policies.ts). A pod outside hostNetwork
 *   cannot reach the instance's credentials at all with IMDS hop limit 1, the default. A
 *   DaemonSet rather than a Deployment: two hostNetwork replicas on one node would share the
 *   health port, and there is one controller per control-plane node whatever their number.
 * Either way the sidecars elect a leader; the plugin itself keeps no state.
 *
 * Where kforge departs from the upstream base otherwise, and why:
 * - `--k8s-tag-cluster-id` is the cluster's name, so every volume the driver creates carries
 *   `KubernetesCluster=<cluster>` and `kubernetes.io/cluster/<cluster>=owned` besides the driver's
 *   own `ebs.csi.aws.com/cluster=true`: the tags the role's conditions require.
 * - The node plugin does not use hostNetwork, so it usually cannot read IMDS either; it then reads
 *   its instance ID, zone and instance type from its Node object (the provider ID and labels the
 *   cloud-controller-manager sets), which is why it gets CSI_NODE_NAME and may read Nodes.
 */
import {EBS_CSI_CONTROLLER_ACCOUNT} from '../../api/v1alpha1/identity.js'
import type {KubeClient} from '../client.js'
import {
  CSIDrivers,
  DaemonSets,
  Deployments,
  type ResourceType,
  ServiceAccounts,
  StorageClasses,
} from '../resources.js'
import type {Container, CSIDriver, PodSpec, StorageClass, Volume, VolumeMount} from '../types.js'
import {ebsCsiImages} from './addon-images.js'
import {applyAll} from './apply.js'
import {clusterRole, clusterRoleBinding, role, roleBinding, serviceAccount} from './rbac.js'
import type {Manifest, ManifestSet} from './types.js'
import {
  CONTROL_PLANE_LABEL,
  CONTROL_PLANE_TOLERATION,
  daemonSetOf,
  deploymentOf,
  serviceAccountOf,
} from './workloads.js'

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com'
const NS = 'kube-system'
const CONTROLLER_SA = EBS_CSI_CONTROLLER_ACCOUNT.name
const NODE_SA = 'ebs-csi-node-sa'
/** The livenessprobe sidecar's port: the controller's is on the host's network. */
export const EBS_CSI_HEALTH_PORT = 9808

export interface EbsCsiOptions {
  /** The kforge cluster's name: the driver tags each volume with it. */
  clusterName: string
  kubernetesVersion: string
  defaultStorageClass: boolean
  /**
   * The controller's own IAM role (IRSA), from node.yaml: a Deployment on the pod network, its
   * ServiceAccount annotated with the role. Absent: the control-plane DaemonSet under the instance role.
   */
  controllerRoleArn?: string
}

/** The annotation the pod identity webhook reads (src/podidentity), EKS's name. */
export const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn'
/** The controller's workload name, whichever kind it is. */
export const EBS_CSI_CONTROLLER = 'ebs-csi-controller'
/** Upstream's replica count: one leader and one ready to take over. */
export const EBS_CSI_CONTROLLER_REPLICAS = 2

const SIDECAR_SECURITY = {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
const RESOURCES = {requests: {cpu: '10m', memory: '40Mi'}, limits: {memory: '256Mi'}}

function healthProbe(): Record<string, unknown> {
  return {
    httpGet: {path: '/healthz', port: 'healthz'},
    initialDelaySeconds: 10,
    timeoutSeconds: 3,
    periodSeconds: 10,
    failureThreshold: 5,
  }
}

/** A sidecar that talks to the plugin through the shared socket directory. */
function sidecar(name: string, image: string, args: string[], socketDir: VolumeMount): Container {
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    args,
    env: [{name: 'ADDRESS', value: `${socketDir.mountPath}csi.sock`}],
    volumeMounts: [socketDir],
    resources: RESOURCES,
    securityContext: SIDECAR_SECURITY,
  }
}

/** The sidecar behind the plugin's /healthz: it probes the plugin over its socket. */
function livenessProbe(image: string, socketDir: VolumeMount): Container {
  return {
    name: 'liveness-probe',
    image,
    imagePullPolicy: 'IfNotPresent',
    args: [`--csi-address=${socketDir.mountPath}csi.sock`, `--health-port=${EBS_CSI_HEALTH_PORT}`],
    volumeMounts: [socketDir],
    resources: RESOURCES,
    securityContext: SIDECAR_SECURITY,
  }
}

function controllerAccount(o: EbsCsiOptions): Manifest {
  const sa = serviceAccountOf(NS, CONTROLLER_SA)
  if (o.controllerRoleArn) sa.object.metadata.annotations = {[ROLE_ARN_ANNOTATION]: o.controllerRoleArn}
  return sa
}

function rbac(o: EbsCsiOptions): ManifestSet {
  const controller = [serviceAccount(NS, CONTROLLER_SA)]
  return [
    controllerAccount(o),
    serviceAccountOf(NS, NODE_SA),
    clusterRole('ebs-external-provisioner-role', [
      {
        apiGroups: [''],
        resources: ['persistentvolumes'],
        verbs: ['get', 'list', 'watch', 'create', 'delete'],
      },
      {apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch', 'update']},
      {apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'update', 'patch']},
      {apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshots'], verbs: ['get', 'list']},
      {apiGroups: ['snapshot.storage.k8s.io'], resources: ['volumesnapshotcontents'], verbs: ['get', 'list']},
      {apiGroups: ['storage.k8s.io'], resources: ['csinodes'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch']},
      {apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get', 'list', 'watch']},
    ]),
    clusterRoleBinding('ebs-csi-provisioner-binding', 'ebs-external-provisioner-role', controller),
    clusterRole('ebs-external-attacher-role', [
      {apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'patch']},
      {apiGroups: ['storage.k8s.io'], resources: ['csinodes'], verbs: ['get', 'list', 'watch']},
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['volumeattachments'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
      {apiGroups: ['storage.k8s.io'], resources: ['volumeattachments/status'], verbs: ['patch']},
    ]),
    clusterRoleBinding('ebs-csi-attacher-binding', 'ebs-external-attacher-role', controller),
    clusterRole('ebs-external-resizer-role', [
      {apiGroups: [''], resources: ['persistentvolumes'], verbs: ['get', 'list', 'watch', 'patch']},
      {apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['persistentvolumeclaims/status'], verbs: ['patch']},
      {apiGroups: [''], resources: ['events'], verbs: ['list', 'watch', 'create', 'update', 'patch']},
      {
        apiGroups: ['storage.k8s.io'],
        resources: ['volumeattributesclasses'],
        verbs: ['get', 'list', 'watch'],
      },
    ]),
    clusterRoleBinding('ebs-csi-resizer-binding', 'ebs-external-resizer-role', controller),
    // The sidecars' leader election, in the controller's own namespace only.
    role(NS, 'ebs-csi-leases-role', [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'watch', 'list', 'delete', 'update', 'create'],
      },
    ]),
    roleBinding(NS, 'ebs-csi-leases-rolebinding', {kind: 'Role', name: 'ebs-csi-leases-role'}, controller),
    clusterRole('ebs-csi-node-role', [
      {apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'], verbs: ['get', 'list', 'watch']},
      {apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch', 'list', 'watch']},
      {apiGroups: ['storage.k8s.io'], resources: ['csinodes'], verbs: ['get']},
    ]),
    clusterRoleBinding('ebs-csi-node-getter-binding', 'ebs-csi-node-role', [serviceAccount(NS, NODE_SA)]),
  ]
}

function controller(o: EbsCsiOptions): ManifestSet {
  const images = ebsCsiImages(o.kubernetesVersion)
  const socket: VolumeMount = {name: 'socket-dir', mountPath: '/var/lib/csi/sockets/pluginproxy/'}
  const common = ['--timeout=60s', '--csi-address=$(ADDRESS)', '--v=2', '--leader-election=true']
  const api = ['--kube-api-qps=20', '--kube-api-burst=100']
  const plugin: Container = {
    name: 'ebs-plugin',
    image: images.driver,
    imagePullPolicy: 'IfNotPresent',
    args: [
      'controller',
      '--endpoint=$(CSI_ENDPOINT)',
      `--k8s-tag-cluster-id=${o.clusterName}`,
      '--batching=true',
      '--logging-format=text',
      '--user-agent-extra=kforge',
      '--v=2',
    ],
    env: [
      {name: 'CSI_ENDPOINT', value: `unix://${socket.mountPath}csi.sock`},
      {name: 'CSI_NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}},
    ],
    volumeMounts: [socket],
    ports: [{name: 'healthz', containerPort: EBS_CSI_HEALTH_PORT, protocol: 'TCP'}],
    livenessProbe: healthProbe(),
    readinessProbe: healthProbe(),
    resources: RESOURCES,
    securityContext: SIDECAR_SECURITY,
  }
  const containers: Container[] = [
    plugin,
    sidecar(
      'csi-provisioner',
      images.provisioner,
      [...common, '--extra-create-metadata', '--default-fstype=ext4', ...api, '--worker-threads=100'],
      socket,
    ),
    sidecar('csi-attacher', images.attacher, [...common, ...api, '--worker-threads=100'], socket),
    sidecar(
      'csi-resizer',
      images.resizer,
      [...common, '--handle-volume-inuse-error=false', ...api, '--workers=100'],
      socket,
    ),
    livenessProbe(images.livenessProbe, {name: 'socket-dir', mountPath: '/csi/'}),
  ]
  const labels = {app: EBS_CSI_CONTROLLER, 'app.kubernetes.io/name': 'aws-ebs-csi-driver'}
  const pod: PodSpec = {
    serviceAccountName: CONTROLLER_SA,
    priorityClassName: 'system-cluster-critical',
    nodeSelector: {'kubernetes.io/os': 'linux'},
    tolerations: [
      {key: 'CriticalAddonsOnly', operator: 'Exists'},
      // Provisioning must not wait for the cloud-controller-manager to initialise the node.
      {key: 'node.cloudprovider.kubernetes.io/uninitialized', value: 'true', effect: 'NoSchedule'},
    ],
    // fsGroup also lets the non-root plugin read the projected web-identity token (IRSA).
    securityContext: {runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000},
    containers,
    volumes: [{name: 'socket-dir', emptyDir: {}}],
  }
  if (o.controllerRoleArn) {
    // Upstream's tolerations besides: leave a node that goes NotReady after 5 minutes, like any pod.
    pod.tolerations!.push({operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
    // The two replicas on different nodes where there are two, so one node's loss loses neither.
    pod.affinity = {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              labelSelector: {matchLabels: {app: EBS_CSI_CONTROLLER}},
              topologyKey: 'kubernetes.io/hostname',
            },
          },
        ],
      },
    }
    return [deploymentOf(NS, EBS_CSI_CONTROLLER, labels, EBS_CSI_CONTROLLER_REPLICAS, pod)]
  }
  return [
    daemonSetOf(NS, EBS_CSI_CONTROLLER, labels, {
      ...pod,
      nodeSelector: {...pod.nodeSelector, [CONTROL_PLANE_LABEL]: ''},
      tolerations: [CONTROL_PLANE_TOLERATION, ...pod.tolerations!],
      hostNetwork: true,
    }),
  ]
}

/**
 * The controller's workload of the other way (a cluster that gained or lost IRSA): deleted after
 * this one is applied, so the two never both run.
 */
export function replacedEbsCsiController(o: EbsCsiOptions): {
  type: ResourceType
  namespace: string
  name: string
} {
  return {type: o.controllerRoleArn ? DaemonSets : Deployments, namespace: NS, name: EBS_CSI_CONTROLLER}
}

/**
 * What the addon phase does: apply the driver, then delete the controller of the other way if a
 * re-run of the phase finds one (the cluster gained or lost IRSA since), which would otherwise run
 * on beside it under credentials it no longer has. Without a role, an annotation left on the
 * service account from before goes too: apply keeps live annotations, and the SDK would try the
 * web identity of a deleted role before the instance role. Returns the deleted workload's kind.
 */
export async function applyEbsCsi(
  client: KubeClient,
  o: EbsCsiOptions,
  log: (line: string) => void = () => {},
): Promise<string | undefined> {
  await applyAll(client, ebsCsiManifests(o), log)
  if (!o.controllerRoleArn) {
    const sa = await client.get(ServiceAccounts, CONTROLLER_SA, NS)
    if (sa.metadata.annotations?.[ROLE_ARN_ANNOTATION] !== undefined) {
      await client.patch(ServiceAccounts, CONTROLLER_SA, NS, {
        metadata: {annotations: {[ROLE_ARN_ANNOTATION]: null}},
      })
      log(`removed ${ROLE_ARN_ANNOTATION} from ServiceAccount ${NS}/${CONTROLLER_SA}`)
    }
  }
  const old = replacedEbsCsiController(o)
  if (!(await client.deleteIfExists(old.type, old.name, old.namespace))) return undefined
  log(`deleted ${old.type.kind} ${old.namespace}/${old.name} (replaced)`)
  return old.type.kind
}

function node(o: EbsCsiOptions): ManifestSet {
  const images = ebsCsiImages(o.kubernetesVersion)
  const plugins = `/var/lib/kubelet/plugins/${EBS_CSI_DRIVER}/`
  const pluginDir: VolumeMount = {name: 'plugin-dir', mountPath: '/csi/'}
  const volumes: Volume[] = [
    {name: 'kubelet-dir', hostPath: {path: '/var/lib/kubelet', type: 'Directory'}},
    {name: 'plugin-dir', hostPath: {path: plugins, type: 'DirectoryOrCreate'}},
    {name: 'registration-dir', hostPath: {path: '/var/lib/kubelet/plugins_registry/', type: 'Directory'}},
    {name: 'device-dir', hostPath: {path: '/dev', type: 'Directory'}},
    {name: 'probe-dir', emptyDir: {}},
  ]
  const registrationPath = `${plugins}csi.sock`
  const containers: Container[] = [
    {
      name: 'ebs-plugin',
      image: images.driver,
      imagePullPolicy: 'IfNotPresent',
      args: ['node', '--endpoint=$(CSI_ENDPOINT)', '--logging-format=text', '--v=2'],
      env: [
        {name: 'CSI_ENDPOINT', value: 'unix:/csi/csi.sock'},
        {name: 'CSI_NODE_NAME', valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}}},
      ],
      volumeMounts: [
        // Bidirectional: the mounts it makes under the kubelet's directory must reach the host.
        {name: 'kubelet-dir', mountPath: '/var/lib/kubelet', mountPropagation: 'Bidirectional'},
        pluginDir,
        {name: 'device-dir', mountPath: '/dev'},
      ],
      ports: [{name: 'healthz', containerPort: EBS_CSI_HEALTH_PORT, protocol: 'TCP'}],
      livenessProbe: healthProbe(),
      resources: RESOURCES,
      securityContext: {privileged: true, readOnlyRootFilesystem: true},
    },
    {
      name: 'node-driver-registrar',
      image: images.nodeDriverRegistrar,
      imagePullPolicy: 'IfNotPresent',
      args: ['--csi-address=$(ADDRESS)', '--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)', '--v=2'],
      env: [
        {name: 'ADDRESS', value: '/csi/csi.sock'},
        {name: 'DRIVER_REG_SOCK_PATH', value: registrationPath},
      ],
      livenessProbe: {
        exec: {
          command: [
            '/csi-node-driver-registrar',
            '--kubelet-registration-path=$(DRIVER_REG_SOCK_PATH)',
            '--mode=kubelet-registration-probe',
          ],
        },
        initialDelaySeconds: 30,
        periodSeconds: 90,
        timeoutSeconds: 15,
      },
      volumeMounts: [
        pluginDir,
        {name: 'registration-dir', mountPath: '/registration'},
        {name: 'probe-dir', mountPath: plugins},
      ],
      resources: RESOURCES,
      securityContext: SIDECAR_SECURITY,
    },
    livenessProbe(images.livenessProbe, pluginDir),
  ]
  const labels = {app: 'ebs-csi-node', 'app.kubernetes.io/name': 'aws-ebs-csi-driver'}
  return [
    daemonSetOf(NS, 'ebs-csi-node', labels, {
      serviceAccountName: NODE_SA,
      priorityClassName: 'system-node-critical',
      nodeSelector: {'kubernetes.io/os': 'linux'},
      // Every node, the control plane included: a pod anywhere may mount a volume.
      tolerations: [{operator: 'Exists'}],
      securityContext: {runAsNonRoot: false, runAsUser: 0, runAsGroup: 0, fsGroup: 0},
      containers,
      volumes,
    }),
  ]
}

export function ebsCsiManifests(o: EbsCsiOptions): ManifestSet {
  const driver: Manifest<CSIDriver> = {
    type: CSIDrivers,
    object: {
      metadata: {name: EBS_CSI_DRIVER},
      spec: {attachRequired: true, podInfoOnMount: false, fsGroupPolicy: 'File'},
    },
  }
  const out: ManifestSet = [...rbac(o), driver, ...controller(o), ...node(o)]
  if (o.defaultStorageClass) {
    const sc: Manifest<StorageClass> = {
      type: StorageClasses,
      object: {
        metadata: {name: 'gp3', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}},
        provisioner: EBS_CSI_DRIVER,
        parameters: {type: 'gp3', encrypted: 'true'},
        reclaimPolicy: 'Delete',
        // The volume is made in the zone of the node the scheduler picks, never in another one.
        volumeBindingMode: 'WaitForFirstConsumer',
        allowVolumeExpansion: true,
      },
    }
    out.push(sc)
  }
  return out
}
