import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {secretValue, tokenToSecret} from '../../../src/bootstrap/secret.js'
import {generateToken} from '../../../src/bootstrap/token.js'
import {parseDuration} from '../../../src/kubeadm/duration.js'
import {kubeadmConfig} from '../../../src/render/kubeadm.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'

describe("the provisioner's node bootstrap token", () => {
  it('never expires, so auto-scaling groups can still join nodes after 24 h', () => {
    const cluster = haPrivateCluster()
    const first = cluster.instanceGroups.find((g) => g.spec.role === 'control-plane')!
    const text = kubeadmConfig(
      cluster,
      first,
      'control-plane-init',
      'api.internal.ha.example.com:6443',
      `sha256:${'0'.repeat(64)}`,
    )
    const init = parseAllDocuments(text)
      .map((d) => d.toJS() as {kind: string; bootstrapTokens?: Array<{ttl?: string}>})
      .find((d) => d.kind === 'InitConfiguration')!
    const ttl = init.bootstrapTokens?.[0]?.ttl
    expect(ttl).toBe('0s')
    // kubeadm's rule, as our init phase applies it: TTL 0 means a Secret with no expiration.
    const secret = tokenToSecret({token: generateToken(), ttlMs: parseDuration(ttl!)!})
    expect(secretValue(secret, 'expiration')).toBeUndefined()
  })
})
