/**
 * kforge's create-or-update on the real kube-apiserver, where it differs from "create, then update
 * on AlreadyExists": the API server refuses a Service whose fixed cluster IP is allocated with 422
 * Invalid before it notices the Service exists. CoreDNS's kube-dns Service is created again every
 * time the addon phase runs: again by hand, and after an etcd restore (found by restoring a
 * cluster of emulated instances, test/real/instances.test.ts).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createOrUpdate} from '../../src/kube/apply.js'
import {KubeClient} from '../../src/kube/client.js'
import {KubeApiError} from '../../src/kube/errors.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {applyAll} from '../../src/kube/manifests/apply.js'
import {coreDnsManifests} from '../../src/kube/manifests/coredns.js'
import {Services} from '../../src/kube/resources.js'
import {type RealApiServer, startRealApiServer} from '../support/real-apiserver.js'

let real: RealApiServer
let admin: KubeClient

beforeAll(async () => {
  real = await startRealApiServer()
  admin = new KubeClient(await loadKubeconfig(real.adminKubeconfig))
}, 240_000)

afterAll(async () => {
  admin?.close()
  await real?.close()
})

const coredns = () =>
  coreDnsManifests({imageRepository: 'registry.k8s.io', dnsDomain: 'cluster.local', clusterIP: '10.96.0.10'})

describe('create-or-update of a Service with a fixed cluster IP, on the real API server', () => {
  it('CoreDNS applied a second time updates its kube-dns Service instead of failing', async () => {
    await applyAll(admin, coredns())
    const first = await admin.get(Services, 'kube-dns', 'kube-system')
    const again = await applyAll(admin, coredns())
    expect(again.find((r) => r.name.includes('kube-dns'))?.result).toMatch(/unchanged|updated/)
    const second = await admin.get(Services, 'kube-dns', 'kube-system')
    expect(second.metadata.uid).toBe(first.metadata.uid)
    expect(second.spec?.clusterIP).toBe('10.96.0.10')
  })

  it('another Service asking for that IP is still refused', async () => {
    const taken = coredns().find((m) => m.type === Services)!.object
    const other = {...taken, metadata: {name: 'not-kube-dns', namespace: 'kube-system'}}
    const refused = await createOrUpdate(admin, Services, other as never).catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(KubeApiError)
    expect((refused as KubeApiError).code).toBe(422)
    expect((refused as KubeApiError).message).toContain('already allocated')
  })
})
