/**
 * Test scaffolding for the lifecycle tests: what kubelets and the AWS cloud controller would put
 * in the API of a running cluster — Nodes named and labelled after EC2 instances, Ready pods bound
 * to them, control-plane static (mirror) pods — written into the Kubernetes API double.
 */
import type {AwsClients} from '../../src/cloud/aws/clients.js'
import type {KubeClient} from '../../src/kube/client.js'
import {isAlreadyExists} from '../../src/kube/errors.js'
import {Nodes, Pods, type ResourceType} from '../../src/kube/resources.js'
import type {KubeObject, Node, Pod} from '../../src/kube/types.js'

/** PodDisruptionBudgets (policy/v1): what a drain must honour. */
export const PDBS: ResourceType<KubeObject & {spec: unknown}> = {
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
}

export interface NodeInput {
  name: string
  instanceId: string
  zone: string
  controlPlane?: boolean
  /** Default: true */
  ready?: boolean
  kubeletVersion?: string
}

export async function addNode(client: KubeClient, n: NodeInput): Promise<Node> {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': n.name,
    'topology.kubernetes.io/zone': n.zone,
    'topology.kubernetes.io/region': n.zone.slice(0, -1),
  }
  if (n.controlPlane) labels['node-role.kubernetes.io/control-plane'] = ''
  const node = await client.create(Nodes, {
    metadata: {name: n.name, labels},
    spec: {providerID: `aws:///${n.zone}/${n.instanceId}`},
  })
  return client.update(
    Nodes,
    {
      ...node,
      status: {
        conditions: [{type: 'Ready', status: n.ready === false ? 'False' : 'True', reason: 'KubeletReady'}],
        nodeInfo: {kubeletVersion: n.kubeletVersion ?? 'v1.37.2'},
      },
    },
    'status',
  )
}

export interface PodInput {
  name: string
  namespace?: string
  node: string
  labels?: Record<string, string>
  /** Owned by this DaemonSet (name) */
  daemonSet?: string
  /** A kubelet's mirror of a static pod */
  mirror?: boolean
  /** Default: true */
  ready?: boolean
  image?: string
}

export async function addPod(client: KubeClient, p: PodInput): Promise<Pod> {
  const pod = await client.create(Pods, {
    metadata: {
      name: p.name,
      namespace: p.namespace ?? 'default',
      labels: p.labels ?? {},
      ...(p.mirror ? {annotations: {'kubernetes.io/config.mirror': 'hash'}} : {}),
      ...(p.daemonSet
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'DaemonSet',
                name: p.daemonSet,
                uid: `uid-${p.daemonSet}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: {nodeName: p.node, containers: [{name: 'main', image: p.image ?? 'registry.k8s.io/pause:3.10.2'}]},
  })
  return markPod(client, pod, p.ready !== false)
}

export async function markPod(client: KubeClient, pod: Pod, ready: boolean): Promise<Pod> {
  return client.update(
    Pods,
    {
      ...pod,
      status: {phase: 'Running', conditions: [{type: 'Ready', status: ready ? 'True' : 'False'}]},
    },
    'status',
  )
}

const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

/** The mirror pods of kubeadm's static control-plane pods on `node`. */
export async function addControlPlanePods(client: KubeClient, node: string): Promise<void> {
  for (const component of CONTROL_PLANE) {
    await addPod(client, {
      name: `${component}-${node}`,
      namespace: 'kube-system',
      node,
      labels: {component, tier: 'control-plane'},
      mirror: true,
    })
  }
}

export interface CloudInstance {
  id: string
  zone: string
  privateDns: string
  group: string
  role: string
}

/** Running instances of the cluster, with their instance group and role tags. */
export async function runningInstances(aws: AwsClients, cluster: string): Promise<CloudInstance[]> {
  const {DescribeInstancesCommand} = await import('@aws-sdk/client-ec2')
  const out = await (await aws.ec2()).send(
    new DescribeInstancesCommand({
      Filters: [
        {Name: `tag:kubernetes.io/cluster/${cluster}`, Values: ['owned']},
        {Name: 'instance-state-name', Values: ['pending', 'running']},
      ],
    }),
  )
  return (out.Reservations ?? []).flatMap((r) =>
    (r.Instances ?? []).map((i) => {
      const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? '']))
      const role = tags['k8s.io/role/control-plane']
        ? 'control-plane'
        : tags['k8s.io/role/bastion']
          ? 'bastion'
          : 'node'
      return {
        id: i.InstanceId!,
        zone: i.Placement?.AvailabilityZone ?? '',
        privateDns: i.PrivateDnsName ?? i.InstanceId!,
        group: tags['kforge.dev/instancegroup'] ?? '',
        role,
      }
    }),
  )
}

/**
 * What kubelets do: register a Ready Node for every running instance that has none (control-plane
 * nodes with their static pods), and run the pods bound to their nodes. Run it in a loop to follow
 * replacements and DaemonSet rollouts.
 */
export async function registerNodes(client: KubeClient, aws: AwsClients, cluster: string): Promise<void> {
  // Pods bound to a node start and become Ready (DaemonSet pods included).
  for (const pod of (await client.list(Pods)).items) {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
    // A pod changed or deleted meanwhile is picked up on the next pass.
    if (pod.spec.nodeName && !ready) await markPod(client, pod, true).catch(() => undefined)
  }
  const nodes = await client.list(Nodes)
  const known = new Set(nodes.items.map((n) => n.spec?.providerID?.split('/').pop()))
  for (const i of await runningInstances(aws, cluster)) {
    if (known.has(i.id) || i.role === 'bastion') continue
    try {
      await addNode(client, {
        name: i.privateDns,
        instanceId: i.id,
        zone: i.zone,
        controlPlane: i.role === 'control-plane',
      })
      if (i.role === 'control-plane') await addControlPlanePods(client, i.privateDns)
    } catch (err) {
      if (!isAlreadyExists(err)) throw err
    }
  }
}

/** Calls `registerNodes` every `ms` until stopped. */
export function kubeletLoop(
  client: KubeClient,
  aws: AwsClients,
  cluster: string,
  ms = 100,
): () => Promise<void> {
  let stopped = false
  let running: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    running = running.then(() => (stopped ? undefined : registerNodes(client, aws, cluster).catch(() => {})))
  }, ms)
  return async () => {
    stopped = true
    clearInterval(timer)
    await running
  }
}
