/**
 * The AWS addons as init applies them: the EBS CSI driver (controller with its sidecars on the
 * control plane, node plugin everywhere, default StorageClass) and the cloud-controller-manager,
 * each at the images pinned for the cluster's Kubernetes minor.
 */
import {describe, expect, it} from 'vitest'
import {supportedMinors} from '../../../src/api/versions.js'
import {awsCcmImage, ebsCsiImages} from '../../../src/kube/manifests/addon-images.js'
import {awsCcmManifests} from '../../../src/kube/manifests/aws-ccm.js'
import {EBS_CSI_DRIVER, ebsCsiManifests} from '../../../src/kube/manifests/ebs-csi.js'
import type {ManifestSet} from '../../../src/kube/manifests/types.js'
import {CONTROL_PLANE_LABEL} from '../../../src/kube/manifests/workloads.js'
import type {Container, DaemonSet, PodSpec, StorageClass} from '../../../src/kube/types.js'

const CLUSTER = 'prod.example.com'

function ebs(version = 'v1.37.2', defaultStorageClass = true): ManifestSet {
  return ebsCsiManifests({clusterName: CLUSTER, kubernetesVersion: version, defaultStorageClass})
}

function daemonSet(set: ManifestSet, name: string): PodSpec {
  const m = set.find((x) => x.type.kind === 'DaemonSet' && x.object.metadata.name === name)
  if (!m) throw new Error(`no DaemonSet ${name}`)
  return (m.object as DaemonSet).spec.template.spec
}

const container = (spec: PodSpec, name: string): Container => spec.containers.find((c) => c.name === name)!
const images = (set: ManifestSet) =>
  set.flatMap((m) =>
    m.type.kind === 'DaemonSet'
      ? (m.object as DaemonSet).spec.template.spec.containers.map((c) => c.image)
      : [],
  )

describe('EBS CSI controller', () => {
  const spec = daemonSet(ebs(), 'ebs-csi-controller')

  it('runs the plugin with the provisioner, attacher, resizer and liveness sidecars', () => {
    expect(spec.containers.map((c) => c.name)).toEqual([
      'ebs-plugin',
      'csi-provisioner',
      'csi-attacher',
      'csi-resizer',
      'liveness-probe',
    ])
  })

  it('runs only on control-plane nodes, on the host network, where the instance role is', () => {
    expect(spec.nodeSelector?.[CONTROL_PLANE_LABEL]).toBe('')
    expect(spec.tolerations).toContainEqual({
      key: CONTROL_PLANE_LABEL,
      operator: 'Exists',
      effect: 'NoSchedule',
    })
    expect(spec.hostNetwork).toBe(true)
  })

  it('tags the volumes it creates with the cluster name', () => {
    expect(container(spec, 'ebs-plugin').args).toContain(`--k8s-tag-cluster-id=${CLUSTER}`)
  })

  it('gives every sidecar the plugin’s socket, and the sidecars elect one leader', () => {
    const plugin = container(spec, 'ebs-plugin')
    const endpoint = plugin.env!.find((e) => e.name === 'CSI_ENDPOINT')!.value!
    const socket = endpoint.replace(/^unix:\/\//, '')
    const dir = plugin.volumeMounts![0]!
    expect(socket).toBe(`${dir.mountPath}csi.sock`)
    for (const name of ['csi-provisioner', 'csi-attacher', 'csi-resizer']) {
      const c = container(spec, name)
      expect(c.volumeMounts).toContainEqual(dir)
      expect(c.env).toContainEqual({name: 'ADDRESS', value: socket})
      expect(c.args).toContain('--csi-address=$(ADDRESS)')
      expect(c.args).toContain('--leader-election=true')
    }
    const probe = container(spec, 'liveness-probe')
    const probeDir = probe.volumeMounts![0]!
    expect(probeDir.name).toBe(dir.name)
    expect(probe.args).toContain(`--csi-address=${probeDir.mountPath}csi.sock`)
  })

  it('passes the claim’s name to the driver, which tags the volume with it', () => {
    expect(container(spec, 'csi-provisioner').args).toContain('--extra-create-metadata')
  })
})

describe('EBS CSI node plugin', () => {
  const spec = daemonSet(ebs(), 'ebs-csi-node')

  it('runs the plugin with the registrar and liveness sidecars on every node', () => {
    expect(spec.containers.map((c) => c.name)).toEqual([
      'ebs-plugin',
      'node-driver-registrar',
      'liveness-probe',
    ])
    expect(spec.tolerations).toEqual([{operator: 'Exists'}])
  })

  it('registers with the kubelet at the socket the plugin serves on the host', () => {
    const registrar = container(spec, 'node-driver-registrar')
    const regPath = registrar.env!.find((e) => e.name === 'DRIVER_REG_SOCK_PATH')!.value!
    const pluginDir = spec.volumes!.find((v) => v.name === 'plugin-dir')!.hostPath!.path
    expect(regPath).toBe(`${pluginDir}csi.sock`)
    expect(pluginDir).toBe(`/var/lib/kubelet/plugins/${EBS_CSI_DRIVER}/`)
    expect(spec.volumes!.find((v) => v.name === 'registration-dir')!.hostPath!.path).toBe(
      '/var/lib/kubelet/plugins_registry/',
    )
  })

  it('mounts into the kubelet’s directory with bidirectional propagation, privileged', () => {
    const plugin = container(spec, 'ebs-plugin')
    expect(plugin.volumeMounts).toContainEqual({
      name: 'kubelet-dir',
      mountPath: '/var/lib/kubelet',
      mountPropagation: 'Bidirectional',
    })
    expect(plugin.securityContext?.privileged).toBe(true)
    // Without IMDS (hop limit 1) it reads its instance from its own Node object.
    expect(plugin.env).toContainEqual({
      name: 'CSI_NODE_NAME',
      valueFrom: {fieldRef: {fieldPath: 'spec.nodeName'}},
    })
  })
})

describe('default StorageClass', () => {
  it('is gp3, encrypted, bound once a pod is scheduled, and the default', () => {
    const sc = ebs().find((m) => m.type.kind === 'StorageClass')!.object as StorageClass
    expect(sc).toMatchObject({
      metadata: {name: 'gp3', annotations: {'storageclass.kubernetes.io/is-default-class': 'true'}},
      provisioner: EBS_CSI_DRIVER,
      parameters: {type: 'gp3', encrypted: 'true'},
      volumeBindingMode: 'WaitForFirstConsumer',
      reclaimPolicy: 'Delete',
      allowVolumeExpansion: true,
    })
  })

  it('is left out when the spec turns it off', () => {
    expect(ebs('v1.37.2', false).some((m) => m.type.kind === 'StorageClass')).toBe(false)
  })
})

describe('pinned images per Kubernetes minor', () => {
  it('pins the sidecars released for 1.35 on 1.35, the newest promoted ones above', () => {
    expect(ebsCsiImages('v1.35.4')).toEqual({
      driver: 'registry.k8s.io/provider-aws/aws-ebs-csi-driver:v1.63.1',
      provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v6.2.0',
      attacher: 'registry.k8s.io/sig-storage/csi-attacher:v4.11.0',
      resizer: 'registry.k8s.io/sig-storage/csi-resizer:v2.1.0',
      livenessProbe: 'registry.k8s.io/sig-storage/livenessprobe:v2.18.0',
      nodeDriverRegistrar: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.16.0',
    })
    for (const v of ['v1.36.0', 'v1.37.2']) {
      expect(ebsCsiImages(v)).toMatchObject({
        provisioner: 'registry.k8s.io/sig-storage/csi-provisioner:v6.3.0',
        attacher: 'registry.k8s.io/sig-storage/csi-attacher:v4.13.0',
        resizer: 'registry.k8s.io/sig-storage/csi-resizer:v2.2.1',
        livenessProbe: 'registry.k8s.io/sig-storage/livenessprobe:v2.20.0',
        nodeDriverRegistrar: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.18.0',
      })
    }
  })

  it('runs a cloud-controller-manager of the same minor, or one older where none was published', () => {
    expect(awsCcmImage('v1.35.0')).toBe('registry.k8s.io/provider-aws/cloud-controller-manager:v1.35.2')
    expect(awsCcmImage('v1.36.3')).toBe('registry.k8s.io/provider-aws/cloud-controller-manager:v1.36.1')
    expect(awsCcmImage('v1.37.2')).toBe('registry.k8s.io/provider-aws/cloud-controller-manager:v1.36.1')
    for (const minor of supportedMinors()) {
      const ccmMinor = Number(/:v1\.(\d+)\./.exec(awsCcmImage(`v1.${minor}.0`))![1])
      // the skew policy: never newer than the apiserver, at most one minor older
      expect(minor - ccmMinor).toBeGreaterThanOrEqual(0)
      expect(minor - ccmMinor).toBeLessThanOrEqual(1)
    }
  })

  it('puts exactly the pinned images in the manifests, every one with a tag', () => {
    for (const minor of supportedMinors()) {
      const v = `v1.${minor}.1`
      const pinned = Object.values(ebsCsiImages(v))
      expect(new Set(images(ebs(v)))).toEqual(new Set(pinned))
      expect(images(awsCcmManifests({clusterName: CLUSTER, kubernetesVersion: v}))).toEqual([awsCcmImage(v)])
      for (const image of pinned) expect(image).toMatch(/^registry\.k8s\.io\/[a-z0-9/-]+:v\d+\.\d+\.\d+$/)
    }
  })

  it('refuses a Kubernetes version it has no images for', () => {
    expect(() => ebsCsiImages('v1.34.0')).toThrow(/no AWS addon images pinned for Kubernetes v1.34.0/)
    expect(() => awsCcmImage('v1.38.0')).toThrow(/v1.38.0/)
  })
})

describe('AWS cloud-controller-manager', () => {
  it('names the cluster whose resources it manages', () => {
    const spec = daemonSet(
      awsCcmManifests({clusterName: CLUSTER, kubernetesVersion: 'v1.37.2'}),
      'aws-cloud-controller-manager',
    )
    expect(container(spec, 'aws-cloud-controller-manager').args).toContain(`--cluster-name=${CLUSTER}`)
    expect(spec.hostNetwork).toBe(true)
    expect(spec.nodeSelector).toEqual({[CONTROL_PLANE_LABEL]: ''})
  })
})
