import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {renderSpec} from '../../../src/api/v1alpha1/index.js'
import {
  createClusterSpec,
  deleteClusterState,
  listClusters,
  loadCluster,
  loadClusterForDelete,
  loadClusterText,
  saveClusterSpec,
} from '../../../src/state/clusters.js'
import {LocalStateStore} from '../../../src/state/local.js'
import {tempDir} from '../../support/cli.js'

const demo = (name = 'demo.example.com') =>
  clusterFromOptions({name, zones: ['us-east-1a', 'us-east-1b', 'us-east-1c']})

describe('cluster records in a state store', () => {
  it('stores the rendered spec at <cluster>/config.yaml and loads it back', async () => {
    const dir = tempDir()
    const store = new LocalStateStore(dir)
    const cluster = demo()
    await createClusterSpec(store, cluster)
    const onDisk = readFileSync(join(dir, 'demo.example.com', 'config.yaml'), 'utf8')
    expect(onDisk).toBe(renderSpec(cluster))
    expect(await loadClusterText(store, 'demo.example.com')).toBe(onDisk)
    expect(await loadCluster(store, 'demo.example.com')).toEqual(cluster)
  })

  it('refuses to create a cluster twice, and says how to change it', async () => {
    const store = new LocalStateStore(tempDir())
    await createClusterSpec(store, demo())
    await expect(createClusterSpec(store, demo())).rejects.toThrow(
      `cluster "demo.example.com" already exists in state store ${store.location}; change it with "kforge replace -f FILE" or "kforge edit cluster demo.example.com"`,
    )
  })

  it('names a missing cluster and the store', async () => {
    const store = new LocalStateStore(tempDir())
    await expect(loadCluster(store, 'nope.example.com')).rejects.toThrow(
      `cluster "nope.example.com" not found in state store ${store.location}`,
    )
  })

  it('re-validates on load, naming the stored file', async () => {
    const dir = tempDir()
    const store = new LocalStateStore(dir)
    await saveClusterSpec(store, demo())
    const file = join(dir, 'demo.example.com', 'config.yaml')
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('minSize: 3\n  maxSize: 3', 'minSize: 3\n  maxSize: 1'),
    )
    await expect(loadCluster(store, 'demo.example.com')).rejects.toThrow(
      `${dir}/demo.example.com/config.yaml: InstanceGroup "nodes": spec.maxSize (1) must be >= spec.minSize (3)`,
    )
  })

  it('lists clusters and deletes one with everything under it', async () => {
    const store = new LocalStateStore(tempDir())
    await saveClusterSpec(store, demo('b.example.com'))
    await saveClusterSpec(store, demo('a.example.com'))
    await store.write('a.example.com/pki/ca.key', 'secret', {secret: true})
    expect(await listClusters(store)).toEqual(['a.example.com', 'b.example.com'])
    await deleteClusterState(store, 'a.example.com')
    expect(await listClusters(store)).toEqual(['b.example.com'])
    expect(await store.list('a.example.com/')).toEqual([])
    await expect(deleteClusterState(store, 'a.example.com')).rejects.toThrow(
      'cluster "a.example.com" not found',
    )
  })

  it('a spec an earlier kforge stored with api.endpoint: dns is refused, except to delete it', async () => {
    const dir = tempDir()
    const store = new LocalStateStore(dir)
    const cluster = demo()
    await createClusterSpec(store, cluster)
    const file = join(dir, 'demo.example.com', 'config.yaml')
    const stored = readFileSync(file, 'utf8')
    expect(stored).toContain('endpoint: loadBalancer')
    writeFileSync(file, stored.replace('endpoint: loadBalancer', 'endpoint: dns'))
    await expect(loadCluster(store, 'demo.example.com')).rejects.toThrow(
      /spec\.api\.endpoint: "dns" is no longer supported: .*use loadBalancer/,
    )
    const forDelete = await loadClusterForDelete(store, 'demo.example.com')
    expect(forDelete.replaced).toEqual(['spec.api.endpoint: dns, read as loadBalancer'])
    // The instance groups after the Cluster document are read too.
    expect(forDelete.cluster).toEqual(cluster)
  })
})
