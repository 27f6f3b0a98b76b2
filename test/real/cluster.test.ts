/**
 * kforge init and join against the upstream control plane, kubelet, kube-proxy, CoreDNS and
 * containerd: one control plane and two workers, brought up exactly as `npm run local-cluster`
 * does. The cases run in order on the one cluster; reset comes last.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {TESTAPP_IMAGE} from '../../src/sandbox/kube-assets/build.js'
import {
  downLocalCluster,
  kforge,
  kubectl,
  type LocalCluster,
  nodeExec,
  upLocalCluster,
} from '../../src/sandbox/nodes/cluster.js'
import {eventually, kubeJson, type PodList, requireAssets} from './support.js'

const base = '/var/lib/kforge-local-test'
let lc: LocalCluster
const node = (name: string) => lc.nodes.find((n) => n.name === name)!

beforeAll(async () => {
  const assets = requireAssets()
  const started = Date.now()
  lc = await upLocalCluster({base, assets, controlPlanes: 1, workers: 2, log: () => {}})
  process.stderr.write(`local cluster up in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
})

afterAll(async () => {
  await downLocalCluster(base)
})

async function apply(manifests: Record<string, unknown>[]): Promise<void> {
  const file = join(base, `apply-${Date.now()}.yaml`)
  const {writeFileSync} = await import('node:fs')
  writeFileSync(file, manifests.map((m) => stringify(m)).join('---\n'))
  await kubectl(lc, ['apply', '-f', file])
}

describe('kforge init on the first control-plane node', () => {
  it('brings up the upstream control plane from static pods the real kubelet runs', async () => {
    expect((await kubectl(lc, ['get', '--raw', '/readyz'])).trim()).toBe('ok')
    const pods = await kubeJson<PodList>(lc, ['get', 'pods', '-n', 'kube-system', '-l', 'tier=control-plane'])
    const running = pods.items.filter((p) => p.status.phase === 'Running' && p.spec.nodeName === 'cp1')
    expect(running.map((p) => p.metadata.labels?.component).sort()).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
    ])
  })

  it("has every object of kforge's API phases accepted by the real apiserver", async () => {
    const tokenId = lc.token.split('.')[0]!
    const secret = await kubeJson<{type: string}>(lc, [
      'get',
      'secret',
      '-n',
      'kube-system',
      `bootstrap-token-${tokenId}`,
    ])
    expect(secret.type).toBe('bootstrap.kubernetes.io/token')
    for (const [ns, cm] of [
      ['kube-system', 'kubeadm-config'],
      ['kube-system', 'kubelet-config'],
      ['kube-system', 'kube-proxy'],
      ['kube-system', 'coredns'],
    ] as const) {
      await kubectl(lc, ['get', 'configmap', '-n', ns, cm])
    }
    await kubectl(lc, ['get', 'clusterrolebinding', 'kubeadm:kubelet-bootstrap'])
    await kubectl(lc, ['get', 'daemonset', '-n', 'kube-system', 'kube-proxy'])
    await kubectl(lc, ['get', 'daemonset', '-n', 'kube-system', 'kforge-hostgw'])
  })

  it("lets the real controller-manager's bootstrap signer sign cluster-info for kforge's token", async () => {
    const tokenId = lc.token.split('.')[0]!
    const info = await eventually('cluster-info signed for the token', 60_000, async () => {
      const cm = await kubeJson<{data: Record<string, string>}>(lc, [
        'get',
        'configmap',
        '-n',
        'kube-public',
        'cluster-info',
      ])
      return cm.data[`jws-kubeconfig-${tokenId}`] ? cm : undefined
    })
    expect(info.data.kubeconfig).toContain('certificate-authority-data')
  })
})

describe('kforge join of workers', () => {
  it('joins through the real CSR approver and signer; every node is Ready', async () => {
    const nodes = await kubeJson<{items: {metadata: {name: string}}[]}>(lc, ['get', 'nodes'])
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(['cp1', 'w1', 'w2'])
    const csrs = await kubeJson<{
      items: {
        spec: {signerName: string; username: string}
        status: {certificate?: string; conditions?: {type: string}[]}
      }[]
    }>(lc, ['get', 'csr'])
    const bootstrap = csrs.items.filter(
      (c) => c.spec.username === `system:bootstrap:${lc.token.split('.')[0]}`,
    )
    expect(bootstrap.length).toBe(2)
    for (const csr of bootstrap) {
      expect(csr.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet')
      expect(csr.status.conditions?.map((c) => c.type)).toContain('Approved')
      expect(csr.status.certificate).toBeTruthy()
    }
  })

  it('runs CoreDNS, and a pod on one worker reaches a Service backed by a pod on the other by name', async () => {
    await eventually('CoreDNS available', 180_000, async () => {
      const d = await kubeJson<{status: {availableReplicas?: number}}>(lc, [
        'get',
        'deployment',
        '-n',
        'kube-system',
        'coredns',
      ])
      return (d.status.availableReplicas ?? 0) >= 1 ? true : undefined
    })
    const labels = {app: 'echo'}
    await apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: 'echo', namespace: 'default', labels},
        spec: {
          nodeName: 'w2',
          containers: [
            {name: 'echo', image: TESTAPP_IMAGE, imagePullPolicy: 'Never', args: ['serve', ':8080']},
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {name: 'echo', namespace: 'default'},
        spec: {selector: labels, ports: [{port: 80, targetPort: 8080}]},
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name: 'client', namespace: 'default'},
        spec: {
          nodeName: 'w1',
          restartPolicy: 'OnFailure',
          containers: [
            {
              name: 'client',
              image: TESTAPP_IMAGE,
              imagePullPolicy: 'Never',
              args: ['get', `http://echo.default.svc.${lc.cluster.spec.networking.dnsDomain}/`],
            },
          ],
        },
      },
    ])
    await eventually('the client pod to succeed', 240_000, async () => {
      const p = await kubeJson<{status: {phase: string}}>(lc, ['get', 'pod', 'client'])
      return p.status.phase === 'Succeeded' ? true : undefined
    })
    expect(await kubectl(lc, ['logs', 'client'])).toContain('hello from echo')
  })
})

describe('workloads', () => {
  it('runs a Deployment on the workers; kubectl logs and exec work', async () => {
    const labels = {app: 'web'}
    await apply([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'web', namespace: 'default'},
        spec: {
          replicas: 2,
          selector: {matchLabels: labels},
          template: {
            metadata: {labels},
            spec: {
              containers: [
                {name: 'web', image: TESTAPP_IMAGE, imagePullPolicy: 'Never', args: ['serve', ':8080']},
              ],
            },
          },
        },
      },
    ])
    await kubectl(lc, ['rollout', 'status', 'deployment/web', '--timeout=180s'])
    const pods = await kubeJson<PodList>(lc, ['get', 'pods', '-l', 'app=web'])
    expect(pods.items.every((p) => ['w1', 'w2'].includes(p.spec.nodeName ?? ''))).toBe(true)
    const pod = pods.items[0]!.metadata.name
    expect(
      await kubectl(lc, ['exec', pod, '--', '/usr/local/bin/testapp', 'get', 'http://127.0.0.1:8080/']),
    ).toBe(`hello from ${pod}\n`)
    expect(await kubectl(lc, ['logs', pod])).toContain('GET / from 127.0.0.1')
  })
})

describe('wire compatibility with upstream kubeadm', () => {
  it("upstream kubeadm token list lists kforge's token", async () => {
    const out = await nodeExec(node('cp1'), [
      '/usr/local/bin/kubeadm',
      'token',
      'list',
      '--kubeconfig',
      '/etc/kubernetes/admin.conf',
    ])
    expect(out).toContain(lc.token.split('.')[0]!)
  })
})

describe('kforge reset', () => {
  it('leaves nothing of Kubernetes running or mounted on the node', async () => {
    const w2 = node('w2')
    await kforge(w2, ['reset', '--force'])
    await eventually('no containers left on w2', 60_000, async () => {
      const tasks = await nodeExec(w2, [
        'ctr',
        '--address',
        '/run/containerd/containerd.sock',
        '-n',
        'k8s.io',
        'tasks',
        'ls',
        '-q',
      ])
      return tasks.trim() === '' ? true : undefined
    })
    const mounts = await nodeExec(w2, ['cat', '/proc/self/mountinfo'])
    expect(mounts.split('\n').filter((l) => l.includes('/var/lib/kubelet/'))).toEqual([])
    expect(existsSync(join(w2.root, 'var', 'lib', 'kubelet', 'config.yaml'))).toBe(false)
  })
})
