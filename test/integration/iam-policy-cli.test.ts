/**
 * `kforge iam provisioner-policy` through the built CLI: narrowed to a state store, and to the
 * bucket where workload identity publishes its issuer's documents.
 */
import {describe, expect, it} from 'vitest'
import {runKforge} from '../support/cli.js'

interface Policy {
  Statement: {Sid: string; Resource: string | string[]}[]
}

const print = async (...args: string[]) => {
  const r = await runKforge(['iam', 'provisioner-policy', '-o', 'json', ...args], {
    env: {KFORGE_STATE_STORE: ''},
  })
  return {...r, policy: r.code === 0 ? (JSON.parse(r.stdout) as Policy) : undefined}
}

describe('kforge iam provisioner-policy', () => {
  it('lets a narrowed policy write the issuer documents to the discovery store, and nothing else there', async () => {
    const r = await print('--state', 's3://team-state/kforge', '--discovery-store', 's3://team-oidc/issuer')
    expect(r.code, r.stderr).toBe(0)
    const issuer = r.policy!.Statement.find((s) => s.Sid === 'ServiceAccountIssuerDocuments')
    expect(issuer?.Resource).toEqual([
      'arn:aws:s3:::team-oidc/issuer/.well-known/openid-configuration',
      'arn:aws:s3:::team-oidc/issuer/openid/v1/jwks',
    ])
    const without = await print('--state', 's3://team-state/kforge')
    expect(without.policy!.Statement.map((s) => s.Sid)).not.toContain('ServiceAccountIssuerDocuments')
  })

  it('refuses a discovery store that is not s3://, or one without an s3:// state store to narrow', async () => {
    const bad = await print('--state', 's3://team-state/kforge', '--discovery-store', 'team-oidc')
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('--discovery-store: "team-oidc" is not an s3://bucket/prefix location')
    const alone = await print('--discovery-store', 's3://team-oidc/issuer')
    expect(alone.code).not.toBe(0)
    expect(alone.stderr).toContain('--discovery-store needs an s3:// --state')
  })
})
