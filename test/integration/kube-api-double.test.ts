/**
 * What only the double has: the simulated kubelet (static pods with mirror pods, DaemonSet pods
 * scheduled and run). What it shares with kube-apiserver is proven against the real one by the
 * contract test (kube-api-contract.test.ts).
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {DaemonSets, Pods} from '../../src/kube/resources.js'
import {tempDir} from '../support/cli.js'
import {kubeconfigYaml, makeCa, SimCluster, SimNode} from '../support/kube-api/index.js'

describe('simulated kubelet', () => {
  it('runs static pods with mirror pods, and DaemonSet pods scheduled to matching nodes', async () => {
    const cluster = new SimCluster()
    const ca = await makeCa()
    const {issue} = await import('../support/kube-api/pki.js')
    const root = tempDir()
    const pki = join(root, 'etc/kubernetes/pki')
    mkdirSync(pki, {recursive: true})
    mkdirSync(join(root, 'etc/kubernetes/manifests'), {recursive: true})
    const serving = await issue(ca, {commonName: 'kube-apiserver', usage: 'server', ips: ['127.0.0.1']})
    const adminCert = await issue(ca, {
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    })
    writeFileSync(join(pki, 'ca.crt'), ca.certPem)
    writeFileSync(join(pki, 'ca.key'), ca.keyPem)
    writeFileSync(join(pki, 'apiserver.crt'), serving.certPem)
    writeFileSync(join(pki, 'apiserver.key'), serving.keyPem!)
    const {getFreePort} = await import('../support/kube-api/ports.js')
    const port = await getFreePort('127.0.0.1')
    const server = `https://127.0.0.1:${port}`
    writeFileSync(
      join(root, 'etc/kubernetes/kubelet.conf'),
      kubeconfigYaml({server, caPem: ca.certPem, certPem: adminCert.certPem, keyPem: adminCert.keyPem!}),
    )
    const pkiMount = {volumeMounts: [{name: 'k8s-certs', mountPath: '/etc/kubernetes/pki', readOnly: true}]}
    const volumes = [{name: 'k8s-certs', hostPath: {path: '/etc/kubernetes/pki', type: 'DirectoryOrCreate'}}]
    const manifest = (name: string, command: string[]) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {name, namespace: 'kube-system', labels: {component: name}},
        spec: {
          hostNetwork: true,
          containers: [{name, image: `registry.k8s.io/${name}:v1.37.2`, command, ...pkiMount}],
          volumes,
        },
      })
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'),
      manifest('kube-apiserver', [
        'kube-apiserver',
        `--secure-port=${port}`,
        '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
        '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
        '--client-ca-file=/etc/kubernetes/pki/ca.crt',
      ]),
    )
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-controller-manager.yaml'),
      manifest('kube-controller-manager', [
        'kube-controller-manager',
        '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
        '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
      ]),
    )
    writeFileSync(
      join(root, 'etc/kubernetes/manifests/kube-scheduler.yaml'),
      manifest('kube-scheduler', ['kube-scheduler']),
    )
    const node = new SimNode(cluster, {rootDir: root, nodeName: 'cp-1'})
    node.start()
    try {
      const c = new KubeClient({
        server,
        ca: Buffer.from(ca.certPem),
        cert: Buffer.from(adminCert.certPem),
        key: Buffer.from(adminCert.keyPem!),
      })
      await waitFor(async () => ((await c.health().catch(() => undefined))?.ok ? true : undefined))
      const mirrors = await waitFor(async () => {
        const pods = (await c.list(Pods, 'kube-system')).items
        return pods.length === 3 &&
          pods.every((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))
          ? pods
          : undefined
      })
      expect(mirrors.map((p) => p.metadata.name).sort()).toEqual([
        'kube-apiserver-cp-1',
        'kube-controller-manager-cp-1',
        'kube-scheduler-cp-1',
      ])
      expect(mirrors[0]!.metadata.annotations?.['kubernetes.io/config.mirror']).toBeTruthy()

      await c.create(DaemonSets, {
        metadata: {name: 'agent', namespace: 'kube-system'},
        spec: {
          selector: {matchLabels: {app: 'agent'}},
          template: {
            metadata: {labels: {app: 'agent'}},
            spec: {containers: [{name: 'agent', image: 'busybox'}]},
          },
        },
      })
      const ds = await waitFor(async () => {
        const d = await c.get(DaemonSets, 'agent', 'kube-system')
        return d.status?.numberReady === 1 ? d : undefined
      })
      expect(ds.status?.desiredNumberScheduled).toBe(1)
      const agent = (await c.list(Pods, 'kube-system', {labelSelector: 'app=agent'})).items
      expect(agent).toHaveLength(1)
      expect(agent[0]!.spec.nodeName).toBe('cp-1')
      c.close()
    } finally {
      await node.stop()
      await cluster.close()
    }
  })
})

async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => undefined)
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}
