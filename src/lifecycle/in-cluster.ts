/**
 * What `upgrade` changes through the API, as `kubeadm upgrade apply` does: the ClusterConfiguration
 * in kube-system/kubeadm-config (control-plane nodes joining afterwards read their version from
 * it), the kube-proxy DaemonSet's image, and — for a self-hosted control plane — the images of the
 * `self-hosted-<component>` DaemonSets, which then roll their pods in place; each rollout is
 * waited for.
 */
import {parseDocument} from 'yaml'
import type {KubeClient} from '../kube/client.js'
import {isConflict} from '../kube/errors.js'
import {ConfigMaps, DaemonSets, Pods} from '../kube/resources.js'
import type {DaemonSet} from '../kube/types.js'
import {poll} from '../kube/wait.js'
import {KforgeError} from '../util/errors.js'

export const SELF_HOSTED_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const
const VERSIONED_IMAGES = new Set([...SELF_HOSTED_COMPONENTS, 'kube-proxy'])

/** `registry.k8s.io/kube-apiserver:v1.37.2` → the same repository at `version`; others unchanged. */
export function retag(image: string, version: string): string {
  const at = image.lastIndexOf(':')
  const slash = image.lastIndexOf('/')
  const repo = at > slash ? image.slice(0, at) : image
  const name = repo.slice(slash + 1)
  return VERSIONED_IMAGES.has(name) ? `${repo}:${version}` : image
}

/** Set kubernetesVersion in kube-system/kubeadm-config; false when the ConfigMap is absent. */
export async function setClusterConfigVersion(client: KubeClient, version: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const cm = await client.find(ConfigMaps, 'kubeadm-config', 'kube-system')
    const text = cm?.data?.ClusterConfiguration
    if (!cm || text === undefined) return false
    const doc = parseDocument(text)
    if (doc.errors.length > 0) {
      throw new KforgeError(
        `kube-system/kubeadm-config: ClusterConfiguration is not valid YAML (${doc.errors[0]!.message})`,
      )
    }
    if (doc.get('kubernetesVersion') === version) return true
    doc.set('kubernetesVersion', version)
    try {
      await client.update(ConfigMaps, {
        ...cm,
        data: {...cm.data, ClusterConfiguration: doc.toString({lineWidth: 0})},
      })
      return true
    } catch (err) {
      if (!isConflict(err) || attempt >= 3) throw err
    }
  }
}

/** Retag the DaemonSet's versioned images; undefined when it does not exist, else whether it changed. */
export async function setDaemonSetVersion(
  client: KubeClient,
  name: string,
  version: string,
): Promise<boolean | undefined> {
  for (let attempt = 0; ; attempt++) {
    const ds = await client.find(DaemonSets, name, 'kube-system')
    if (!ds) return undefined
    const spec = ds.spec.template.spec
    const next = {
      ...spec,
      containers: spec.containers.map((c) => (c.image ? {...c, image: retag(c.image, version)} : c)),
      ...(spec.initContainers
        ? {
            initContainers: spec.initContainers.map((c) =>
              c.image ? {...c, image: retag(c.image, version)} : c,
            ),
          }
        : {}),
    }
    if (JSON.stringify(next) === JSON.stringify(spec)) return false
    try {
      await client.update(DaemonSets, {
        ...ds,
        spec: {...ds.spec, template: {...ds.spec.template, spec: next}},
      })
      return true
    } catch (err) {
      if (!isConflict(err) || attempt >= 3) throw err
    }
  }
}

function rolledOut(ds: DaemonSet): boolean {
  const s = ds.status
  if (!s) return false
  const desired = s.desiredNumberScheduled
  return (
    (s.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0) &&
    (s.updatedNumberScheduled ?? 0) >= desired &&
    (s.numberAvailable ?? s.numberReady) >= desired
  )
}

/**
 * The DaemonSet's pods, none left from an older template. The status counters alone do not say
 * it while a surging update (maxSurge) has an old and a new pod on one node: the node counts as
 * updated and available before the old pod is gone.
 */
async function onlyCurrentPods(client: KubeClient, ds: DaemonSet): Promise<boolean> {
  const selector = Object.entries(ds.spec.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
  const pods = await client.list(Pods, ds.metadata.namespace ?? 'kube-system', {labelSelector: selector})
  const generation = String(ds.metadata.generation ?? '')
  return pods.items.every((p) => p.metadata.labels?.['pod-template-generation'] === generation)
}

/** Wait until every pod of the DaemonSet runs the current template and is available. */
export async function waitForRollout(
  client: KubeClient,
  name: string,
  options: {timeoutMs: number; intervalMs: number},
): Promise<void> {
  await poll(
    async () => {
      const ds = await client.get(DaemonSets, name, 'kube-system')
      return rolledOut(ds) && (await onlyCurrentPods(client, ds)) ? true : undefined
    },
    {...options, what: `DaemonSet kube-system/${name} to roll out its new pods`},
  )
}
