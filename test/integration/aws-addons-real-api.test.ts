/**
 * The AWS addons and the pod network against the real kube-apiserver
 * (test/support/real-apiserver.ts): every object of the EBS CSI driver and the
 * cloud-controller-manager, for each supported Kubernetes minor, and of flannel, passes the
 * apiserver's own validation, and RBAC gives each service account what its containers do —
 * asked of the real authorizer as that account (a client certificate with the account's user name,
 * which RBAC's ServiceAccount subjects match), not read back from the rules kforge wrote.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {supportedMinors} from '../../src/api/versions.js'
import {KubeClient} from '../../src/kube/client.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {applyAll} from '../../src/kube/manifests/apply.js'
import {awsCcmManifests} from '../../src/kube/manifests/aws-ccm.js'
import {cniManifests, FLANNEL_CNI_PLUGIN_IMAGE, FLANNEL_IMAGE} from '../../src/kube/manifests/cni.js'
import {applyEbsCsi, ebsCsiManifests, ROLE_ARN_ANNOTATION} from '../../src/kube/manifests/ebs-csi.js'
import {ConfigMaps, DaemonSets, Deployments, ServiceAccounts} from '../../src/kube/resources.js'
import {issue, loadCa} from '../support/kube-api/index.js'
import {type RealApiServer, startRealApiServer} from '../support/real-apiserver.js'

const CLUSTER = 'prod.example.com'

let real: RealApiServer
let admin: KubeClient
const clients: KubeClient[] = []

async function as(serviceAccount: string, namespace = 'kube-system'): Promise<KubeClient> {
  const ca = await loadCa(real.caPem, real.caKeyPem)
  const cert = await issue(ca, {
    commonName: `system:serviceaccount:${namespace}:${serviceAccount}`,
    organizations: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    usage: 'client',
  })
  const c = new KubeClient({
    server: real.url,
    ca: Buffer.from(real.caPem),
    cert: Buffer.from(cert.certPem),
    key: Buffer.from(cert.keyPem!),
  })
  clients.push(c)
  return c
}

interface Attributes {
  verb: string
  resource: string
  group?: string
  subresource?: string
  namespace?: string
  name?: string
}

/** The real authorizer's answer for the client's own identity (SelfSubjectAccessReview). */
async function can(client: KubeClient, a: Attributes): Promise<boolean> {
  const review = await client.request<{status: {allowed: boolean}}>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            verb: a.verb,
            group: a.group ?? '',
            resource: a.resource,
            ...(a.subresource ? {subresource: a.subresource} : {}),
            ...(a.namespace ? {namespace: a.namespace} : {}),
            ...(a.name ? {name: a.name} : {}),
          },
        },
      },
    },
  )
  return review.status.allowed
}

beforeAll(async () => {
  real = await startRealApiServer()
  admin = new KubeClient(await loadKubeconfig(real.adminKubeconfig))
}, 300_000)

afterAll(async () => {
  for (const c of clients) c.close()
  admin?.close()
  await real?.close()
})

describe('EBS CSI driver and cloud-controller-manager on the real kube-apiserver', {timeout: 120_000}, () => {
  it('are valid objects for every supported minor (applied in turn, as upgrades would)', async () => {
    for (const minor of supportedMinors()) {
      const version = `v1.${minor}.0`
      const results = await applyAll(admin, [
        ...awsCcmManifests({clusterName: CLUSTER, kubernetesVersion: version}),
        ...ebsCsiManifests({clusterName: CLUSTER, kubernetesVersion: version, defaultStorageClass: true}),
      ])
      expect(results.length).toBeGreaterThan(20)
    }
    const controller = await admin.get(DaemonSets, 'ebs-csi-controller', 'kube-system')
    const node = await admin.get(DaemonSets, 'ebs-csi-node', 'kube-system')
    // What the apiserver stored is what kforge sent, defaults aside: the last minor's images.
    expect(controller.spec.template.spec.containers.map((c) => c.image)).toContain(
      'registry.k8s.io/sig-storage/csi-provisioner:v6.3.0',
    )
    expect(node.spec.template.spec.containers[0]!.volumeMounts).toContainEqual(
      expect.objectContaining({mountPath: '/var/lib/kubelet', mountPropagation: 'Bidirectional'}),
    )
  })

  it('lets the controller’s sidecars do their work, and no more', async () => {
    const sa = await as('ebs-csi-controller-sa')
    const storage = 'storage.k8s.io'
    const allowed: Attributes[] = [
      // csi-provisioner: PVs for claims, the class, the chosen node's topology
      {verb: 'create', resource: 'persistentvolumes'},
      {verb: 'delete', resource: 'persistentvolumes'},
      {verb: 'update', resource: 'persistentvolumeclaims', namespace: 'default'},
      {verb: 'watch', resource: 'storageclasses', group: storage},
      {verb: 'list', resource: 'csinodes', group: storage},
      {verb: 'get', resource: 'nodes'},
      {verb: 'create', resource: 'events', namespace: 'default'},
      // csi-attacher: VolumeAttachments and their status
      {verb: 'patch', resource: 'volumeattachments', group: storage},
      {verb: 'patch', resource: 'volumeattachments', group: storage, subresource: 'status'},
      // csi-resizer: the claim's status
      {verb: 'patch', resource: 'persistentvolumeclaims', subresource: 'status', namespace: 'default'},
      // leader election, in its own namespace
      {verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system'},
      {verb: 'update', resource: 'leases', group: 'coordination.k8s.io', namespace: 'kube-system'},
    ]
    for (const a of allowed) expect([a, await can(sa, a)]).toEqual([a, true])
    const refused: Attributes[] = [
      {verb: 'get', resource: 'secrets', namespace: 'kube-system'},
      {verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: 'default'},
      {verb: 'patch', resource: 'nodes'},
      {verb: 'create', resource: 'pods', namespace: 'default'},
    ]
    for (const a of refused) expect([a, await can(sa, a)]).toEqual([a, false])
  })

  it('lets the node plugin read its Node and VolumeAttachments, nothing of the controller’s', async () => {
    const sa = await as('ebs-csi-node-sa')
    for (const a of [
      {verb: 'get', resource: 'nodes'},
      {verb: 'patch', resource: 'nodes'},
      {verb: 'get', resource: 'csinodes', group: 'storage.k8s.io'},
      {verb: 'watch', resource: 'volumeattachments', group: 'storage.k8s.io'},
    ]) {
      expect([a, await can(sa, a)]).toEqual([a, true])
    }
    for (const a of [
      {verb: 'create', resource: 'persistentvolumes'},
      {verb: 'patch', resource: 'volumeattachments', group: 'storage.k8s.io', subresource: 'status'},
      {verb: 'get', resource: 'secrets', namespace: 'kube-system'},
    ]) {
      expect([a, await can(sa, a)]).toEqual([a, false])
    }
  })

  it('lets the cloud-controller-manager initialise nodes and read its authentication config', async () => {
    const sa = await as('cloud-controller-manager')
    for (const a of [
      {verb: 'patch', resource: 'nodes', subresource: 'status'},
      {verb: 'update', resource: 'nodes'},
      {verb: 'patch', resource: 'services', subresource: 'status', namespace: 'default'},
      {
        verb: 'get',
        resource: 'configmaps',
        namespace: 'kube-system',
        name: 'extension-apiserver-authentication',
      },
    ]) {
      expect([a, await can(sa, a)]).toEqual([a, true])
    }
    expect(await can(sa, {verb: 'get', resource: 'secrets', namespace: 'kube-system'})).toBe(false)
  })

  it('with its own IAM role (IRSA): a 2-replica Deployment and an annotated account for every minor, replacing the DaemonSet; and back', async () => {
    const role = `arn:aws:iam::111122223333:role/kforge/${CLUSTER}/ebs-csi-controller-sa.ku.sa-8ca520.prod-0123456789`
    const missing = (p: Promise<unknown>) => p.then(() => 'present').catch((e: {code?: number}) => e.code)
    for (const minor of supportedMinors()) {
      const version = `v1.${minor}.0`
      const log: string[] = []
      await applyEbsCsi(
        admin,
        {
          clusterName: CLUSTER,
          kubernetesVersion: version,
          defaultStorageClass: true,
          controllerRoleArn: role,
        },
        (l) => log.push(l),
      )
      expect(log.some((l) => l.startsWith('deleted DaemonSet kube-system/ebs-csi-controller'))).toBe(
        minor === supportedMinors()[0],
      )
    }
    const deployment = await admin.get(Deployments, 'ebs-csi-controller', 'kube-system')
    expect(deployment.spec.replicas).toBe(2)
    const pod = deployment.spec.template.spec
    expect(pod.hostNetwork).toBeUndefined()
    expect(pod.serviceAccountName).toBe('ebs-csi-controller-sa')
    expect(pod.containers.map((c) => c.name)).toEqual([
      'ebs-plugin',
      'csi-provisioner',
      'csi-attacher',
      'csi-resizer',
      'liveness-probe',
    ])
    expect(pod.tolerations).toContainEqual({operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300})
    const sa = await admin.get(ServiceAccounts, 'ebs-csi-controller-sa', 'kube-system')
    expect(sa.metadata.annotations).toEqual({[ROLE_ARN_ANNOTATION]: role})
    expect(await missing(admin.get(DaemonSets, 'ebs-csi-controller', 'kube-system'))).toBe(404)
    // The node plugin is untouched by the switch.
    expect((await admin.get(DaemonSets, 'ebs-csi-node', 'kube-system')).metadata.name).toBe('ebs-csi-node')

    // A cluster that loses IRSA: the DaemonSet again, the Deployment and the annotation gone.
    await applyEbsCsi(admin, {clusterName: CLUSTER, kubernetesVersion: 'v1.37.0', defaultStorageClass: true})
    expect(
      (await admin.get(DaemonSets, 'ebs-csi-controller', 'kube-system')).spec.template.spec.hostNetwork,
    ).toBe(true)
    expect(await missing(admin.get(Deployments, 'ebs-csi-controller', 'kube-system'))).toBe(404)
    expect(
      (await admin.get(ServiceAccounts, 'ebs-csi-controller-sa', 'kube-system')).metadata.annotations?.[
        ROLE_ARN_ANNOTATION
      ],
    ).toBeUndefined()
  })
})

describe('flannel on the real kube-apiserver', {timeout: 120_000}, () => {
  it('is a valid whole: namespace, RBAC, its network config and a DaemonSet that installs the CNI binary and list', async () => {
    const results = await applyAll(admin, cniManifests({plugin: 'flannel', podSubnet: '100.96.0.0/11'}))
    expect(results.length).toBe(6)
    const ds = await admin.get(DaemonSets, 'kube-flannel-ds', 'kube-flannel')
    const pod = ds.spec.template.spec
    expect(pod.initContainers?.map((c) => [c.name, c.image])).toEqual([
      ['install-cni-plugin', FLANNEL_CNI_PLUGIN_IMAGE],
      ['install-cni', FLANNEL_IMAGE],
    ])
    expect(pod.containers[0]!.args).toEqual(['--ip-masq', '--kube-subnet-mgr'])
    const cfg = await admin.get(ConfigMaps, 'kube-flannel-cfg', 'kube-flannel')
    expect(JSON.parse(cfg.data!['net-conf.json']!)).toEqual({
      Network: '100.96.0.0/11',
      Backend: {Type: 'vxlan'},
    })
    expect(JSON.parse(cfg.data!['cni-conf.json']!).plugins.map((p: {type: string}) => p.type)).toEqual([
      'flannel',
      'portmap',
    ])
  })

  it('lets flanneld read the nodes and patch their status, and no more', async () => {
    const sa = await as('flannel', 'kube-flannel')
    for (const a of [
      {verb: 'list', resource: 'nodes'},
      {verb: 'watch', resource: 'nodes'},
      {verb: 'patch', resource: 'nodes', subresource: 'status'},
      {verb: 'get', resource: 'pods', namespace: 'kube-flannel'},
    ]) {
      expect([a, await can(sa, a)]).toEqual([a, true])
    }
    for (const a of [
      {verb: 'patch', resource: 'nodes'},
      {verb: 'delete', resource: 'nodes'},
      {verb: 'get', resource: 'secrets', namespace: 'kube-flannel'},
    ]) {
      expect([a, await can(sa, a)]).toEqual([a, false])
    }
  })
})
