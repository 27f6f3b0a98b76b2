/**
 * etcd's health as the operator's machine can see it, for the roll guard. The provisioner never
 * talks to etcd itself (its client port is open only between control-plane nodes), so it reads
 * what the control plane publishes through the API:
 *  - quorum: the API server's own etcd checks, `GET /readyz/etcd` and `/livez/etcd`. They pass
 *    only while the answering API server can read from etcd, which takes a quorum of members;
 *  - each member: the Node of each control-plane instance is Ready, and its `etcd` and
 *    `kube-apiserver` mirror pods are Ready. The kubelet sets those from the static pods' readiness
 *    probes: etcd's `/readyz` on the member's own metrics port (a member that has a leader and
 *    can serve a linearizable read) and that node's API server's `/readyz` (its etcd included);
 *  - the cloud: every control-plane group has its desired instances InService.
 * What it cannot see: a member still in etcd's member list whose instance is gone (its Node and
 * mirror pods went with it). `kforge join --control-plane` removes such members before adding
 * itself (src/phases/join/api/etcd-members.ts).
 */
import type {KubeClient} from '../kube/client.js'
import {Nodes, Pods} from '../kube/resources.js'
import type {Node, Pod} from '../kube/types.js'
import {errorMessage} from '../util/errors.js'
import {nodeOf} from './checks.js'
import type {GroupInfo} from './inventory.js'

export interface MemberHealth {
  group: string
  /** The instance id; `(missing)` for a member its group should have but does not run. */
  instance: string
  node?: string
  healthy: boolean
  /** Why not, one line each; empty when healthy. */
  problems: string[]
}

export interface EtcdHealth {
  /** `/readyz/etcd` and `/livez/etcd` through the cluster's API endpoint. */
  quorum: {ok: boolean; detail: string}
  members: MemberHealth[]
}

function ready(conditions: readonly {type: string; status: string}[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

/** The mirror pod of kubeadm's static `component` pod on `node`. */
function staticPod(pods: readonly Pod[], node: string, component: string): Pod | undefined {
  return pods.find(
    (p) =>
      p.spec.nodeName === node &&
      p.metadata.labels?.component === component &&
      p.metadata.labels?.tier === 'control-plane',
  )
}

/** Each control-plane member's health from the cloud's groups and the API's Nodes and pods. */
export function memberHealth(
  groups: readonly GroupInfo[],
  nodes: readonly Node[],
  systemPods: readonly Pod[] | undefined,
): MemberHealth[] {
  const out: MemberHealth[] = []
  for (const g of groups) {
    if (g.role !== 'control-plane') continue
    const inService = g.instances.filter((i) => i.lifecycle === 'InService')
    for (const i of g.instances) {
      if (i.lifecycle === 'InService') continue
      out.push({
        group: g.name,
        instance: i.id,
        healthy: false,
        problems: [`instance is ${i.lifecycle ?? i.state}, not InService`],
      })
    }
    for (let n = g.instances.length; n < g.desired; n++) {
      out.push({
        group: g.name,
        instance: '(missing)',
        healthy: false,
        problems: [`group ${g.name} runs ${inService.length} of ${g.desired} instances`],
      })
    }
    for (const i of inService) {
      // Cloud only: all that can be known is that the instance runs.
      if (!systemPods) {
        out.push({group: g.name, instance: i.id, healthy: true, problems: []})
        continue
      }
      const node = nodeOf(nodes, i)
      if (!node) {
        out.push({group: g.name, instance: i.id, healthy: false, problems: ['no Node registered for it']})
        continue
      }
      const name = node.metadata.name!
      const problems: string[] = []
      if (!ready(node.status?.conditions)) problems.push(`Node ${name} is not Ready`)
      for (const component of ['etcd', 'kube-apiserver']) {
        const pod = staticPod(systemPods, name, component)
        if (!pod) problems.push(`no ${component} pod on ${name}`)
        else if (!ready(pod.status?.conditions))
          problems.push(`pod kube-system/${pod.metadata.name} is not Ready`)
      }
      out.push({group: g.name, instance: i.id, node: name, healthy: problems.length === 0, problems})
    }
  }
  return out
}

async function check(kube: KubeClient, path: string): Promise<string | undefined> {
  try {
    const r = await kube.health(path)
    return r.ok ? undefined : `${path}: HTTP ${r.status}: ${r.body.trim().split('\n').slice(-2).join(' ')}`
  } catch (err) {
    return `${path}: ${errorMessage(err)}`
  }
}

/** Read quorum and members through the API (one pass). */
export async function readEtcdHealth(kube: KubeClient, groups: readonly GroupInfo[]): Promise<EtcdHealth> {
  const failed = (await Promise.all([check(kube, '/readyz/etcd'), check(kube, '/livez/etcd')])).filter(
    (x): x is string => x !== undefined,
  )
  const quorum = failed.length
    ? {ok: false, detail: failed.join('; ')}
    : {ok: true, detail: '/readyz/etcd and /livez/etcd answer ok'}
  try {
    const [nodes, pods] = await Promise.all([
      kube.list(Nodes),
      kube.list(Pods, 'kube-system', {labelSelector: 'tier=control-plane'}),
    ])
    return {quorum, members: memberHealth(groups, nodes.items, pods.items)}
  } catch (err) {
    const why = `Nodes and pods not readable: ${errorMessage(err)}`
    return {
      quorum,
      members: memberHealth(groups, [], []).map((m) => ({...m, healthy: false, problems: [why]})),
    }
  }
}

/** Every problem, one line each; empty when etcd looks healthy. */
export function healthProblems(h: EtcdHealth): string[] {
  const out = h.quorum.ok ? [] : [`quorum: ${h.quorum.detail}`]
  for (const m of h.members) {
    for (const p of m.problems) out.push(`member on ${m.instance} (group ${m.group}): ${p}`)
  }
  return out
}

/** How many members can be lost: with n members a quorum is floor(n/2)+1. */
export function quorumText(members: number): string {
  const quorum = Math.floor(members / 2) + 1
  return `${members} member${members === 1 ? '' : 's'} need ${quorum} healthy to keep quorum`
}
