import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {secretValue, tokenToSecret} from '../../../src/bootstrap/secret.js'
import {generateToken} from '../../../src/bootstrap/token.js'
import {parseDuration} from '../../../src/kubeadm/duration.js'
import {kubeadmConfig} from '../../../src/render/kubeadm.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'

type Doc = {
  kind: string
  bootstrapTokens?: Array<{ttl?: string; token?: string}>
  skipPhases?: string[]
  discovery?: {bootstrapToken?: {token?: string; caCertHashes?: string[]}}
}

const PIN = `sha256:${'0'.repeat(64)}`
const ENDPOINT = 'api.internal.ha.example.com:6443'

describe("the provisioner's bootstrap tokens", () => {
  const cluster = haPrivateCluster()
  const docs = (template: 'control-plane-init' | 'control-plane-join' | 'node') => {
    const group = cluster.instanceGroups.find(
      (g) => g.spec.role === (template === 'node' ? 'node' : 'control-plane'),
    )!
    return parseAllDocuments(kubeadmConfig(cluster, group, template, ENDPOINT, PIN)).map(
      (d) => d.toJS() as Doc,
    )
  }

  it('the init token expires within kubeadm’s 24 h (an hour), and its join command is not printed at boot', () => {
    const init = docs('control-plane-init').find((d) => d.kind === 'InitConfiguration')!
    const ttl = init.bootstrapTokens?.[0]?.ttl
    expect(ttl).not.toBe('0s')
    const ms = parseDuration(ttl!)!
    expect(ms).toBeGreaterThan(0)
    expect(ms).toBeLessThanOrEqual(24 * 3600_000)
    // kubeadm's rule, as our init phase applies it: the Secret carries an expiration
    const secret = tokenToSecret({token: generateToken(), ttlMs: ms})
    expect(secretValue(secret, 'expiration')).toBeDefined()
    expect(init.skipPhases).toContain('show-join-command')
  })

  it('joining instances carry no token, only the CA pin (they obtain one through node identity)', () => {
    for (const template of ['control-plane-join', 'node'] as const) {
      const join = docs(template).find((d) => d.kind === 'JoinConfiguration')!
      expect(join.discovery?.bootstrapToken?.token).toBe('')
      expect(join.discovery?.bootstrapToken?.caCertHashes).toEqual([PIN])
    }
  })
})
