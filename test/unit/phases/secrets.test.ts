import {execFileSync} from 'node:child_process'
import {statSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {materialKey} from '../../../src/assets/material.js'
import {ensureClusterSecrets} from '../../../src/phases/cluster/secrets.js'
import {LocalStateStore} from '../../../src/state/local.js'
import {tempDir} from '../../support/cli.js'

const cluster = clusterFromOptions({name: 'secrets.example.com', zones: ['us-east-1a']})

describe('cluster secrets in the state store', () => {
  it('makes kubeadm-named CAs and the SA pair once, secrets 0600, and reuses them', async () => {
    const dir = tempDir()
    const store = new LocalStateStore(dir)
    const first = await ensureClusterSecrets(store, cluster)
    expect(first.report.created.sort()).toEqual(['ca', 'etcd/ca', 'front-proxy-ca', 'sa'])

    const subject = (name: string) =>
      execFileSync(
        'openssl',
        ['x509', '-noout', '-subject', '-in', join(dir, materialKey(cluster.name, name))],
        {
          encoding: 'utf8',
        },
      ).trim()
    expect(subject('ca.crt')).toBe('subject=CN = kubernetes')
    expect(subject('front-proxy-ca.crt')).toBe('subject=CN = front-proxy-ca')
    expect(subject('etcd/ca.crt')).toBe('subject=CN = etcd-ca')
    for (const key of ['ca.key', 'front-proxy-ca.key', 'etcd/ca.key', 'sa.key']) {
      expect(statSync(join(dir, materialKey(cluster.name, key))).mode & 0o777).toBe(0o600)
    }

    const second = await ensureClusterSecrets(store, cluster)
    expect(second.report.created).toEqual([])
    for (const [name, value] of Object.entries(first.material)) expect(second.material[name]).toEqual(value)
  })

  it('refuses a CA certificate whose key is missing instead of replacing the CA', async () => {
    const store = new LocalStateStore(tempDir())
    await ensureClusterSecrets(store, cluster)
    await store.delete(materialKey(cluster.name, 'etcd/ca.key'))
    await expect(ensureClusterSecrets(store, cluster)).rejects.toThrow(
      'secrets.example.com/pki/etcd/ca.key is missing while its pair exists',
    )
  })

  it('refuses a reused CA whose certificate and key are not a pair', async () => {
    const store = new LocalStateStore(tempDir())
    await ensureClusterSecrets(store, cluster)
    const other = new LocalStateStore(tempDir())
    await ensureClusterSecrets(other, cluster)
    // The front-proxy CA's key from another run of the same cluster: well-formed, and wrong.
    await store.write(
      materialKey(cluster.name, 'front-proxy-ca.key'),
      (await other.read(materialKey(cluster.name, 'front-proxy-ca.key')))!,
      {secret: true},
    )
    await expect(ensureClusterSecrets(store, cluster)).rejects.toThrow(
      'secrets.example.com/pki/front-proxy-ca.crt does not match front-proxy-ca.key',
    )
  })

  it('keeps no join token in the store, and deletes one an older kforge left there', async () => {
    const dir = tempDir()
    const store = new LocalStateStore(dir)
    const made = await ensureClusterSecrets(store, cluster)
    const keys = await store.list(`${cluster.name}/`)
    expect(keys.filter((k) => !k.startsWith(`${cluster.name}/pki/`))).toEqual([])
    expect(Object.keys(made.material)).not.toContain('bootstrap-token')
    for (const key of keys) {
      expect((await store.read(key))!.toString(), key).not.toMatch(/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/)
    }

    const leftover = `${cluster.name}/secrets/bootstrap-token`
    await store.write(leftover, 'abcdef.0123456789abcdef', {secret: true})
    const again = await ensureClusterSecrets(store, cluster)
    expect(again.report.retired).toEqual([leftover])
    expect(await store.read(leftover)).toBeUndefined()
  })

  it('writes nothing in dry-run', async () => {
    const store = new LocalStateStore(tempDir())
    await ensureClusterSecrets(store, cluster, {dryRun: true})
    expect(await store.list('')).toEqual([])
  })
})
