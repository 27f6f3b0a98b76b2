import {execFileSync} from 'node:child_process'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ensureCert, type PkiContext} from '../../../src/pki/ensure.js'
import {KeyPool} from '../../../src/pki/key-pool.js'
import {certSpec} from '../../../src/pki/kubeadm-certs.js'
import {
  controlPlaneURL,
  ensureKubeconfig,
  KUBECONFIGS,
  type KubeconfigConfig,
  type KubeconfigContext,
} from '../../../src/pki/kubeadm-kubeconfigs.js'
import {
  buildKubeconfig,
  clusterInfoKubeconfig,
  parseKubeconfig,
  serializeKubeconfig,
} from '../../../src/pki/kubeconfig.js'
import {Logger, silentLogger} from '../../../src/util/logger.js'
import {tempDir} from '../../support/cli.js'
import {openssl, pkiConfig} from './helpers.js'

const cfg: KubeconfigConfig = {
  nodeName: 'cp-1',
  clusterName: 'kubernetes',
  controlPlaneEndpoint: 'api.example.test',
  advertiseAddress: '192.0.2.10',
  bindPort: 6443,
  certificateValidityMs: 365 * 24 * 3600 * 1000,
}

function kubectlView(file: string): Record<string, unknown> {
  const out = execFileSync('kubectl', ['--kubeconfig', file, 'config', 'view', '--raw', '-o', 'json'], {
    env: {...process.env, KUBECONFIG: ''},
  })
  return JSON.parse(out.toString()) as Record<string, unknown>
}

async function setup(): Promise<{root: string; ctx: KubeconfigContext}> {
  const root = tempDir()
  const pkiDir = join(root, 'pki')
  const pki: PkiContext = {
    dir: pkiDir,
    cfg: pkiConfig(),
    keys: new KeyPool('ECDSA-P256'),
    dryRun: false,
    logger: silentLogger,
  }
  await ensureCert(pki, certSpec('ca'))
  return {
    root,
    ctx: {
      kubernetesDir: root,
      pkiDir,
      cfg,
      keys: new KeyPool('ECDSA-P256'),
      dryRun: false,
      logger: silentLogger,
    },
  }
}

describe('kubeconfig files', () => {
  it('writes the five kubeadm kubeconfigs: kubectl reads them, client subjects match, 0600', async () => {
    const {root, ctx} = await setup()
    for (const spec of KUBECONFIGS) await ensureKubeconfig(ctx, spec)
    const want: Record<string, {user: string; subject: string; server: string}> = {
      'admin.conf': {
        user: 'kubernetes-admin',
        subject: 'CN=kubernetes-admin,O=kubeadm:cluster-admins',
        server: 'https://api.example.test:6443',
      },
      'super-admin.conf': {
        user: 'kubernetes-super-admin',
        subject: 'CN=kubernetes-super-admin,O=system:masters',
        server: 'https://api.example.test:6443',
      },
      'kubelet.conf': {
        user: 'system:node:cp-1',
        subject: 'CN=system:node:cp-1,O=system:nodes',
        // Its own API server, never itself through the load balancer.
        server: 'https://192.0.2.10:6443',
      },
      'controller-manager.conf': {
        user: 'system:kube-controller-manager',
        subject: 'CN=system:kube-controller-manager',
        server: 'https://192.0.2.10:6443',
      },
      'scheduler.conf': {
        user: 'system:kube-scheduler',
        subject: 'CN=system:kube-scheduler',
        server: 'https://192.0.2.10:6443',
      },
    }
    for (const [file, w] of Object.entries(want)) {
      const path = join(root, file)
      expect(statSync(path).mode & 0o777, file).toBe(0o600)
      const view = kubectlView(path) as {
        'current-context': string
        clusters: {name: string; cluster: {server: string; 'certificate-authority-data': string}}[]
        users: {name: string; user: {'client-certificate-data': string; 'client-key-data': string}}[]
      }
      expect(view['current-context']).toBe(`${w.user}@kubernetes`)
      expect(view.clusters[0]!.name).toBe('kubernetes')
      expect(view.clusters[0]!.cluster.server).toBe(w.server)
      expect(Buffer.from(view.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()).toBe(
        readFileSync(join(root, 'pki', 'ca.crt'), 'utf8'),
      )
      expect(view.users[0]!.name).toBe(w.user)
      const certPem = Buffer.from(view.users[0]!.user['client-certificate-data'], 'base64').toString()
      const certFile = join(root, `${file}.crt`)
      writeFileSync(certFile, certPem)
      expect(openssl(['x509', '-noout', '-subject', '-nameopt', 'RFC2253', '-in', certFile]).trim()).toBe(
        `subject=${w.subject}`,
      )
      expect(openssl(['verify', '-CAfile', join(root, 'pki', 'ca.crt'), certFile])).toContain(': OK')
      expect(openssl(['x509', '-noout', '-ext', 'extendedKeyUsage', '-in', certFile])).toContain(
        'TLS Web Client Authentication',
      )
      const keyPem = Buffer.from(view.users[0]!.user['client-key-data'], 'base64').toString()
      expect(openssl(['pkey', '-pubout'], keyPem)).toBe(
        openssl(['x509', '-noout', '-pubkey', '-in', certFile]),
      )
    }
  })

  it('reuses a kubeconfig that trusts the same CA and refuses one that trusts another', async () => {
    const {root, ctx} = await setup()
    const admin = KUBECONFIGS.find((k) => k.name === 'admin')!
    await ensureKubeconfig(ctx, admin)
    const before = readFileSync(join(root, 'admin.conf'), 'utf8')
    const warnings: string[] = []
    const moved = {
      ...ctx,
      cfg: {...cfg, controlPlaneEndpoint: 'other.example.test:443'},
      logger: new Logger('warn', (l) => warnings.push(l)),
    }
    expect(await ensureKubeconfig(moved, admin)).toBe('reused')
    expect(readFileSync(join(root, 'admin.conf'), 'utf8')).toBe(before)
    expect(warnings.join('\n')).toContain('expected https://other.example.test:443')
    const other = buildKubeconfig({
      server: 'https://x',
      caCertPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
      userName: 'u',
      auth: {token: 't'},
    })
    writeFileSync(join(root, 'admin.conf'), serializeKubeconfig(other))
    await expect(ensureKubeconfig(ctx, admin)).rejects.toThrow(
      /admin.conf: existing kubeconfig trusts a different CA/,
    )
  })

  it('derives API server URLs as kubeadm does', () => {
    expect(controlPlaneURL({advertiseAddress: '10.0.0.1', bindPort: 6443})).toBe('https://10.0.0.1:6443')
    expect(
      controlPlaneURL({controlPlaneEndpoint: 'lb:443', advertiseAddress: '10.0.0.1', bindPort: 6443}),
    ).toBe('https://lb:443')
    expect(
      controlPlaneURL({controlPlaneEndpoint: '[fd00::1]', advertiseAddress: '10.0.0.1', bindPort: 6443}),
    ).toBe('https://[fd00::1]:6443')
    expect(controlPlaneURL({advertiseAddress: 'fd00::2', bindPort: 6443})).toBe('https://[fd00::2]:6443')
  })

  it('builds token kubeconfigs and the cluster-info shape kubectl accepts', () => {
    const dir = tempDir()
    const ca = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'
    const token = buildKubeconfig({
      server: 'https://10.0.0.1:6443',
      caCertPem: ca,
      userName: 'tls-bootstrap-token-user',
      auth: {token: 'abcdef.0123456789abcdef'},
    })
    writeFileSync(join(dir, 't.conf'), serializeKubeconfig(token))
    const view = kubectlView(join(dir, 't.conf')) as {
      'current-context': string
      users: {user: {token: string}}[]
    }
    expect(view['current-context']).toBe('tls-bootstrap-token-user@kubernetes')
    expect(view.users[0]!.user.token).toBe('abcdef.0123456789abcdef')
    const info = serializeKubeconfig(clusterInfoKubeconfig('https://10.0.0.1:6443', ca))
    writeFileSync(join(dir, 'info.conf'), info)
    expect(kubectlView(join(dir, 'info.conf'))).toMatchObject({
      clusters: [{name: '', cluster: {server: 'https://10.0.0.1:6443'}}],
    })
    expect(parseKubeconfig(info, 'cluster-info').users).toBeNull()
    expect(() => parseKubeconfig('clusters: 3', 'x')).toThrow('x: clusters must be a list')
  })
})
