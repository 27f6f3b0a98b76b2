/**
 * THE KUBERNETES API DOUBLE (test code only).
 *
 * Stands in for kube-apiserver + kube-controller-manager + kube-scheduler + kubelet where a test
 * needs what only a double can do: fault injection, timing, simulated nodes that "reboot" in
 * milliseconds, and an audit log of every request. It speaks the real REST paths and JSON shapes
 * over HTTPS (node:https, certificates made at start or taken from the cluster's PKI), authenticates
 * client certificates (CN = user, O = groups) and bootstrap tokens (`system:bootstrap:<id>`),
 * authorizes with RBAC over the objects it stores (seeded with the bootstrap policy kubeadm relies
 * on), answers 401/403/404/409/422/429 with Status objects worded as the real server words them,
 * and runs the controllers kubeadm's flows depend on: BootstrapSigner and TokenCleaner, CSR
 * approving/signing for kubelet client certificates, the disruption controller, the garbage
 * collector, DaemonSets and scheduling. `SimNode` is a kubelet that runs static pods from a root
 * dir and API pods bound to its node, and emulates the control-plane binaries it finds in them
 * (see components.ts).
 *
 * The contract: test/integration/kube-api-contract.test.ts runs the same scenarios against this
 * double and against the real kube-apiserver and kube-controller-manager (test/support/
 * real-apiserver.ts) and asserts the same answers: CRUD, conflicts and preconditions, merge patch,
 * generateName, validation (422 with field causes), Secret stringData, health, version and
 * discovery, anonymous access to cluster-info through kubeadm's Role, bootstrap-token and
 * client-certificate authentication (401s included), RBAC Forbidden messages, BootstrapSigner,
 * TokenCleaner, CSR approval and signing, a node's own Lease, cordon, pods by spec.nodeName,
 * eviction against a PodDisruptionBudget, garbage collection and orphaning, the ServiceAccount
 * admission of pods and mirror pods (admission.ts). A change here must keep that test passing
 * against both.
 *
 * Proven only against the real components, so a test that depends on any of these must use them
 * (test/support/real-apiserver.ts for the API alone, test/real for nodes):
 *  - watch (refused here with 405), server-side apply, protobuf, aggregated discovery, OpenAPI;
 *    strategic merge patch (taken here as a JSON merge patch: lists are replaced, never merged
 *    by key);
 *  - admission and defaulting: NodeRestriction (a node may write only its own Node, Lease and
 *    pods' status), defaults of pod and workload fields (stored here as sent; only the
 *    ServiceAccount plugin's token volume and mirror-pod rules are modelled);
 *  - the kubelet's own rules, proven by test/real/self-hosted.test.ts: a host port held by a
 *    process that did not set SO_REUSEPORT (only the API server's port is modelled here, through
 *    --permit-port-sharing), and the crash-loop back-off; the static-pod admission against the
 *    Node's labels and the dotfile rule of the manifest directory are modelled (kubelet.ts);
 *  - graceful deletion: a pod bound to a node stays Terminating until its kubelet confirms, and
 *    finalizers and foreground deletion hold objects back; here a delete is immediate;
 *  - the Node authorizer's graph (a node reads only what its pods reference); here a coarse
 *    allow-list (rbac.ts); and the real roles of the controllers (ALL here);
 *  - the disruption controller's lag: a real eviction goes by the budget's last written status (a
 *    new budget refuses until observed); here it is computed afresh;
 *  - the node lifecycle controller (not-ready and unreachable taints, NoExecute evictions, the pod
 *    GC of orphans), the real scheduler (resources, spreading, preemption), Services, endpoints,
 *    kube-proxy and DNS;
 *  - signers other than the kubelet client one (kubelet serving, legacy-unknown), certificate
 *    rotation, and the kubelet's TLS bootstrap itself;
 *  - etcd: resourceVersions are this store's counter, never compacted ("too old" never happens).
 *
 * What it is not: no real containers, no etcd (the store is in memory and survives "reboots" of
 * simulated nodes, as etcd's data dir would).
 *
 * Two ways to use it:
 *  - `startKubeApi()`: one always-on API server with its own CA, controllers on, and an admin
 *    kubeconfig (O=system:masters) written to a temp dir — for client and token tests.
 *  - `new SimCluster()` + `new SimNode(cluster, {rootDir, nodeName})`: the API server comes up
 *    when kforge writes its static pod manifest and certificates, as on a real node.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {tempDir} from '../cli.js'
import {type ApiServerInstance, SimCluster} from './cluster.js'
import {issue, makeCa, type Signer} from './pki.js'

export {type ApiServerInstance, SimCluster} from './cluster.js'
export {SimNode} from './kubelet.js'
export {issue, loadCa, makeCa} from './pki.js'

export interface KubeconfigInput {
  server: string
  caPem: string
  certPem?: string
  keyPem?: string
  token?: string
  user?: string
}

export function kubeconfigYaml(input: KubeconfigInput): string {
  const user: Record<string, string> = {}
  if (input.certPem) user['client-certificate-data'] = Buffer.from(input.certPem).toString('base64')
  if (input.keyPem) user['client-key-data'] = Buffer.from(input.keyPem).toString('base64')
  if (input.token) user.token = input.token
  const userName = input.user ?? 'user'
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'kubernetes',
        cluster: {
          server: input.server,
          'certificate-authority-data': Buffer.from(input.caPem).toString('base64'),
        },
      },
    ],
    users: [{name: userName, user}],
    contexts: [{name: `${userName}@kubernetes`, context: {cluster: 'kubernetes', user: userName}}],
    'current-context': `${userName}@kubernetes`,
  })
}

export interface KubeApi {
  cluster: SimCluster
  server: ApiServerInstance
  url: string
  ca: Signer
  /** kubeconfig of a cluster admin (CN=kubernetes-admin, O=system:masters) */
  adminKubeconfig: string
  dir: string
  /** A kubeconfig for any identity the test wants, signed by the cluster CA. */
  userKubeconfig(user: string, groups?: string[]): Promise<string>
  close(): Promise<void>
}

export async function startKubeApi(options: {host?: string; version?: string} = {}): Promise<KubeApi> {
  const host = options.host ?? '127.0.0.1'
  const cluster = new SimCluster(options.version ? {version: options.version} : {})
  const ca = await makeCa('kubernetes')
  const serving = await issue(ca, {
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: ['localhost', 'kubernetes'],
    ips: [host],
  })
  const server = await cluster.startApiServer({
    host,
    port: 0,
    certPem: serving.certPem,
    keyPem: serving.keyPem!,
    clientCaPem: ca.certPem,
  })
  cluster.addControllerManager('standalone', ca)
  cluster.addScheduler('standalone')
  const dir = tempDir('kube-api-')
  const userKubeconfig = async (user: string, groups: string[] = []) => {
    const cert = await issue(ca, {commonName: user, organizations: groups, usage: 'client'})
    const path = join(dir, `${user.replace(/[^a-z0-9-]/gi, '_')}.conf`)
    await writeFile(
      path,
      kubeconfigYaml({
        server: server.url,
        caPem: ca.certPem,
        certPem: cert.certPem,
        keyPem: cert.keyPem!,
        user,
      }),
      {mode: 0o600},
    )
    return path
  }
  const adminKubeconfig = await userKubeconfig('kubernetes-admin', ['system:masters'])
  return {
    cluster,
    server,
    url: server.url,
    ca,
    adminKubeconfig,
    dir,
    userKubeconfig,
    close: () => cluster.close(),
  }
}
