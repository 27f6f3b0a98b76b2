import {describe, expect, it} from 'vitest'
import {
  checkpointPod,
  daemonSetToStaticPod,
  staticPodToDaemonSet,
} from '../../../src/kube/selfhosting/mutate.js'
import type {Pod} from '../../../src/kube/types.js'

const apiserver: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'kube-apiserver',
    namespace: 'kube-system',
    labels: {component: 'kube-apiserver', tier: 'control-plane'},
    annotations: {'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': '10.0.0.5:6443'},
  },
  spec: {
    hostNetwork: true,
    priorityClassName: 'system-node-critical',
    containers: [
      {
        name: 'kube-apiserver',
        image: 'registry.k8s.io/kube-apiserver:v1.37.2',
        command: ['kube-apiserver', '--advertise-address=10.0.0.5', '--secure-port=6443'],
      },
    ],
    volumes: [{name: 'k8s-certs', hostPath: {path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate'}}],
  },
}

describe('self-hosting mutations', () => {
  it("applies kubeadm's changes to the API server static pod", () => {
    const ds = staticPodToDaemonSet(apiserver, 'kube-apiserver')
    expect(ds.metadata).toMatchObject({
      name: 'self-hosted-kube-apiserver',
      namespace: 'kube-system',
      labels: {'k8s-app': 'self-hosted-kube-apiserver'},
    })
    expect(ds.spec.selector.matchLabels).toEqual({'k8s-app': 'self-hosted-kube-apiserver'})
    // a new pod starts beside the old one on the shared port; the only API server is never deleted first
    expect(ds.spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: {maxSurge: 1, maxUnavailable: 0},
    })
    const spec = ds.spec.template.spec
    expect(spec.automountServiceAccountToken).toBe(false)
    expect(spec.nodeSelector).toEqual({'node-role.kubernetes.io/control-plane': ''})
    expect(spec.tolerations).toEqual([
      {key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule'},
    ])
    expect(spec.dnsPolicy).toBe('ClusterFirstWithHostNet')
    expect(spec.hostNetwork).toBe(true)
    expect(spec.volumes).toEqual(apiserver.spec.volumes)
    expect(spec.containers[0]!.command).toEqual([
      'kube-apiserver',
      '--advertise-address=$(HOST_IP)',
      '--secure-port=6443',
      '--permit-port-sharing=true',
    ])
    expect(spec.containers[0]!.env).toEqual([
      {name: 'HOST_IP', valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}},
    ])
    // the input is not modified
    expect(apiserver.spec.containers[0]!.command![1]).toBe('--advertise-address=10.0.0.5')
  })

  it("comes back to the same static pod, with the node's address, still sharing its port", () => {
    const ds = staticPodToDaemonSet(apiserver, 'kube-apiserver')
    // the port sharing stays: the static pod starts while the DaemonSet's pod still serves
    const withSharing = structuredClone(apiserver)
    withSharing.spec.containers[0]!.command!.push('--permit-port-sharing=true')
    expect(daemonSetToStaticPod(ds, 'kube-apiserver', '10.0.0.5')).toEqual(withSharing)
    expect(
      daemonSetToStaticPod(staticPodToDaemonSet(withSharing, 'kube-apiserver'), 'kube-apiserver', '10.0.0.5'),
    ).toEqual(withSharing)
    const moved = daemonSetToStaticPod(ds, 'kube-apiserver', '10.0.0.9')
    expect(moved.spec.containers[0]!.command).toContain('--advertise-address=10.0.0.9')
  })

  it('keeps changes made to the DaemonSet while self-hosted when going back', () => {
    const ds = staticPodToDaemonSet(
      {
        ...apiserver,
        metadata: {...apiserver.metadata, name: 'kube-scheduler'},
        spec: {
          ...apiserver.spec,
          containers: [
            {
              name: 'kube-scheduler',
              image: 'registry.k8s.io/kube-scheduler:v1.37.2',
              command: ['kube-scheduler'],
            },
          ],
        },
      },
      'kube-scheduler',
    )
    ds.spec.template.spec.containers[0]!.image = 'registry.k8s.io/kube-scheduler:v1.37.3'
    const back = daemonSetToStaticPod(ds, 'kube-scheduler', '10.0.0.5')
    expect(back.spec.containers[0]!.image).toBe('registry.k8s.io/kube-scheduler:v1.37.3')
    expect(back.spec.nodeSelector).toBeUndefined()
    expect(back.spec.dnsPolicy).toBeUndefined()
  })

  it('checkpoints a running pod as a static pod without DaemonSet scheduling fields', () => {
    const ds = staticPodToDaemonSet(apiserver, 'kube-apiserver')
    // what the real API server's admission adds to a DaemonSet pod that mounts its token
    const template = ds.spec.template.spec
    const running: Pod = {
      metadata: {name: 'self-hosted-kube-apiserver-x7k2p', namespace: 'kube-system'},
      spec: {
        ...template,
        nodeName: 'cp-1',
        affinity: {nodeAffinity: {}},
        serviceAccountName: 'default',
        serviceAccount: 'default',
        volumes: [...(template.volumes ?? []), {name: 'kube-api-access-4fz2q', projected: {sources: []}}],
        containers: template.containers.map((c) => ({
          ...c,
          volumeMounts: [
            {name: 'k8s-certs', mountPath: '/etc/kubernetes/pki', readOnly: true},
            {name: 'kube-api-access-4fz2q', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount'},
          ],
        })),
      },
    }
    const cp = checkpointPod(running, 'kube-apiserver', 'cp-1')
    expect(cp.metadata.name).toBe('kube-apiserver')
    expect(cp.metadata.annotations).toEqual({
      'kforge.dev/checkpoint-of': 'kube-system/self-hosted-kube-apiserver-x7k2p',
      'kforge.dev/node-name': 'cp-1',
    })
    expect(cp.spec.nodeName).toBeUndefined()
    expect(cp.spec.affinity).toBeUndefined()
    expect(cp.spec.nodeSelector).toBeUndefined()
    // nothing that needs the API to start, nothing a mirror pod may not reference
    expect(cp.spec.serviceAccountName).toBeUndefined()
    expect(cp.spec.serviceAccount).toBeUndefined()
    expect(cp.spec.automountServiceAccountToken).toBe(false)
    expect(cp.spec.volumes).toEqual(apiserver.spec.volumes)
    expect(cp.spec.containers[0]!.volumeMounts).toEqual([
      {name: 'k8s-certs', mountPath: '/etc/kubernetes/pki', readOnly: true},
    ])
    expect(cp.spec.containers[0]!.env).toEqual([
      {name: 'HOST_IP', valueFrom: {fieldRef: {fieldPath: 'status.hostIP'}}},
    ])
  })
})
