import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeClient} from '../../src/kube/client.js'
import {ConfigMaps, DaemonSets, Pods} from '../../src/kube/resources.js'
import type {DaemonSet} from '../../src/kube/types.js'
import {loadCluster, saveClusterSpec} from '../../src/state/clusters.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import type {KubeApi} from '../support/kube-api/index.js'
import {type LifecycleKube, startLifecycleKube} from './lifecycle-kube.js'
import {cloudSandbox} from './lifecycle-sandbox.js'
import {type CloudInstance, runningInstances} from './lifecycle-support.js'

process.env.AWS_ACCESS_KEY_ID = 'testing'
process.env.AWS_SECRET_ACCESS_KEY = 'testing'
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const REGION = 'us-east-2'
const NAME = 'upgrade-self-hosted.example.com'
const COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']

function daemonSet(name: string, image: string, controlPlane: boolean): DaemonSet {
  const labels = {'k8s-app': name}
  return {
    metadata: {name, namespace: 'kube-system'},
    spec: {
      selector: {matchLabels: labels},
      template: {
        metadata: {labels},
        spec: {
          hostNetwork: true,
          ...(controlPlane
            ? {
                nodeSelector: {'node-role.kubernetes.io/control-plane': ''},
                tolerations: [
                  {key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule'},
                ],
              }
            : {}),
          containers: [{name: name.replace(/^self-hosted-/, ''), image}],
        },
      },
      updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1}},
    },
  }
}

describe('upgrade of a self-hosted control plane', () => {
  const {store, aws, kforge, deleteCluster} = cloudSandbox(REGION, 50)
  let k8s: LifecycleKube
  let api: KubeApi
  let client: KubeClient
  let before: CloudInstance[]

  beforeAll(async () => {
    const cluster = publicSingleCluster(NAME, REGION, {kubernetesVersion: 'v1.37.2'})
    cluster.spec.selfHosted = true
    await saveClusterSpec(store, cluster)
    expect((await kforge('update', 'cluster', NAME, '--yes')).code).toBe(0)
    before = await runningInstances(aws, NAME)

    k8s = await startLifecycleKube(aws, NAME)
    ;({api, client} = k8s)
    for (const c of COMPONENTS)
      await client.create(DaemonSets, daemonSet(`self-hosted-${c}`, `registry.k8s.io/${c}:v1.37.2`, true))
    await client.create(DaemonSets, daemonSet('kube-proxy', 'registry.k8s.io/kube-proxy:v1.37.2', false))
    await client.create(ConfigMaps, {
      metadata: {name: 'kubeadm-config', namespace: 'kube-system'},
      data: {
        ClusterConfiguration:
          'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.2\nclusterName: kubernetes\n',
      },
    })

    // The control-plane launch template changes as well (a new machine type).
    const stored = await loadCluster(store, NAME)
    stored.instanceGroups.find((g) => g.spec.role === 'control-plane')!.spec.machineType = 't3.large'
    await saveClusterSpec(store, stored)
  }, 240_000)

  afterAll(async () => {
    await k8s?.close()
    await deleteCluster(NAME)
  }, 180_000)

  it('v1.37.2 -> v1.37.3 retags the DaemonSets in place and replaces no control-plane instance', async () => {
    const plan = await kforge(
      'upgrade',
      'cluster',
      NAME,
      '--kubernetes-version',
      'v1.37.3',
      '--kubeconfig',
      api.adminKubeconfig,
    )
    expect(plan.code).toBe(0)
    expect(plan.stdout).toContain('v1.37.2 -> v1.37.3 (patch, within the skew policy)')
    expect(plan.stdout).toContain('control plane (self-hosted): DaemonSets self-hosted-kube-apiserver')
    expect(plan.stdout).toContain('no instance replaced')
    expect(plan.stdout).toContain('kubelets now: v1.37.2')

    const up = await kforge(
      'upgrade',
      'cluster',
      NAME,
      '--kubernetes-version',
      'v1.37.3',
      '--yes',
      '--kubeconfig',
      api.adminKubeconfig,
      '--validate-timeout',
      '60s',
    )
    expect(up.stderr).not.toContain('Error')
    expect(up.code).toBe(0)
    for (const c of COMPONENTS) {
      expect(up.stdout).toContain(`DaemonSet kube-system/self-hosted-${c}: rolled out at v1.37.3`)
      const ds = await client.get(DaemonSets, `self-hosted-${c}`, 'kube-system')
      expect(ds.spec.template.spec.containers[0]!.image).toBe(`registry.k8s.io/${c}:v1.37.3`)
      // Its pods run the new image (the old ones were replaced by the DaemonSet controller).
      const pods = (await client.list(Pods, 'kube-system', {labelSelector: `k8s-app=self-hosted-${c}`})).items
      expect(pods.length).toBeGreaterThan(0)
      for (const p of pods) expect(p.spec.containers[0]!.image).toBe(`registry.k8s.io/${c}:v1.37.3`)
    }
    const proxy = await client.get(DaemonSets, 'kube-proxy', 'kube-system')
    expect(proxy.spec.template.spec.containers[0]!.image).toBe('registry.k8s.io/kube-proxy:v1.37.3')
    const cm = await client.get(ConfigMaps, 'kubeadm-config', 'kube-system')
    expect(cm.data?.ClusterConfiguration).toContain('kubernetesVersion: v1.37.3')
    expect((await loadCluster(store, NAME)).spec.kubernetesVersion).toBe('v1.37.3')

    // No control-plane instance was replaced, though its launch template changed: the rolling
    // update lists exactly it, for the user to run when it suits.
    const after = await runningInstances(aws, NAME)
    const cp = (list: CloudInstance[]) => list.filter((i) => i.role === 'control-plane').map((i) => i.id)
    expect(cp(after)).toEqual(cp(before))
    const pending = await kforge(
      'rolling-update',
      'cluster',
      NAME,
      '--kubeconfig',
      api.adminKubeconfig,
      '-o',
      'json',
    )
    expect(JSON.parse(pending.stdout).candidates.map((c: {instance: string}) => c.instance)).toEqual(
      cp(before),
    )
  })
})
