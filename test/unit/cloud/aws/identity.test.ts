/**
 * Workload identity in the model, pure: the issuer's documents go to the discovery store (never
 * the state store's bucket), the OIDC provider trusts the issuer for STS, each mapped service
 * account gets a role whose trust policy an IAM policy simulator admits for that service
 * account's token only; both targets; the apiserver flags that make tokens name the issuer.
 */
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {awsNames} from '../../../../src/cloud/aws/build/names.js'
import {renderTemplate} from '../../../../src/cloud/aws/cfn/template.js'
import {type Desired, type Model, Ref} from '../../../../src/cloud/aws/model/types.js'
import {kubeadmConfig} from '../../../../src/render/kubeadm.js'
import {haPrivateCluster} from '../../../fixtures/cloud/clusters.js'
import {resolveRefs, webIdentityDecision} from '../../../fixtures/cloud/iam-simulation.js'

const ACCOUNT = '111122223333'
const CLUSTER = 'irsa.build.example.com'
const ISSUER = 'https://irsa-oidc.s3.us-east-1.amazonaws.com/clusters/irsa'
const HOST = ISSUER.slice('https://'.length)
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'

function irsaCluster(): Cluster {
  const c = haPrivateCluster(CLUSTER)
  c.spec.serviceAccountIssuerDiscovery = {
    discoveryStore: 's3://irsa-oidc/clusters/irsa',
    enableAWSOIDCProvider: true,
  }
  c.spec.iam = {
    serviceAccountExternalPermissions: [{name: 'uploader', namespace: 'media', aws: {policyARNs: [POLICY]}}],
  }
  return c
}

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster, stateStore = 's3://kforge-state/team'): Model =>
  buildModel(c, {images: new Map(c.instanceGroups.map((g) => [g.name, image])), stateStore})
const find = (m: Model, name: string) =>
  m.resources.find((r) => r.name === name) as Desired<Record<string, unknown>>

/** Refs to the provider become its ARN, as IAM stores the trust policy. */
const resolve = (value: unknown) => resolveRefs(value, () => PROVIDER)

describe('workload identity model', () => {
  it('publishes the documents from sa.pub in the discovery store, before anything trusts them', () => {
    const m = model(irsaCluster())
    const docs = find(m, 'issuer-documents')
    expect(docs.kind).toBe('IssuerDocuments')
    expect(docs.phase).toBe('prerequisites')
    expect(docs.props).toMatchObject({
      bucket: 'irsa-oidc',
      prefix: 'clusters/irsa',
      issuer: ISSUER,
      jwksUri: `${ISSUER}/openid/v1/jwks`,
    })
    expect(docs.props.jwks).toBeInstanceOf(Ref)
    expect((docs.props.jwks as Ref).target).toBe('state-store-objects')
    const provider = find(m, 'oidc-provider')
    expect(provider.props).toMatchObject({url: ISSUER, clientIds: ['sts.amazonaws.com']})
    expect(provider.props.tags).toMatchObject({[`kubernetes.io/cluster/${CLUSTER}`]: 'owned'})
  })

  it("refuses a discovery store in the state store's bucket", () => {
    expect(() => model(irsaCluster(), 's3://irsa-oidc/state')).toThrow(
      /discoveryStore \(s3:\/\/irsa-oidc\/\.\.\.\) is in the state store's bucket/,
    )
  })

  it('makes nothing without the spec section, and no provider or role without enableAWSOIDCProvider', () => {
    expect(
      model(haPrivateCluster(CLUSTER)).resources.filter((r) => /issuer|oidc|role-sa/.test(r.name)),
    ).toEqual([])
    const c = irsaCluster()
    c.spec.serviceAccountIssuerDiscovery!.enableAWSOIDCProvider = false
    delete c.spec.iam
    expect(
      model(c)
        .resources.filter((r) => /issuer|oidc|role-sa/.test(r.name))
        .map((r) => r.name),
    ).toEqual(['issuer-documents'])
  })

  it("gives each service account a role under the cluster's path with its policies", () => {
    const role = find(model(irsaCluster()), 'role-sa-media-uploader')
    expect(role.kind).toBe('IamRole')
    expect(role.props).toMatchObject({
      name: awsNames.serviceAccountRole('media', 'uploader', CLUSTER),
      path: `/kforge/${CLUSTER}/`,
      managedPolicyArns: [POLICY],
    })
    expect((role.props.name as string).length).toBeLessThanOrEqual(64)
    expect(awsNames.serviceAccountRole('a'.repeat(63), 'b'.repeat(200), CLUSTER)).toHaveLength(64)
    expect(awsNames.serviceAccountRole('ns', 'x', CLUSTER)).not.toBe(
      awsNames.serviceAccountRole('ns', 'y', CLUSTER),
    )
  })

  it("the role's trust admits only that service account's token for STS (IAM policy simulator)", async () => {
    const trust = resolve(find(model(irsaCluster()), 'role-sa-media-uploader').props.assumeRolePolicy)
    const decide = webIdentityDecision(trust, {
      account: ACCOUNT,
      roleArn: `arn:aws:iam::${ACCOUNT}:role/kforge/${CLUSTER}/r`,
      issuerHost: HOST,
      provider: PROVIDER,
    })
    expect(await decide('system:serviceaccount:media:uploader')).toBe('Allowed')
    expect(await decide('system:serviceaccount:media:other')).not.toBe('Allowed')
    expect(await decide('system:serviceaccount:default:uploader')).not.toBe('Allowed')
    expect(await decide('system:serviceaccount:media:uploader', 'other-audience')).not.toBe('Allowed')
    const otherIssuer = `arn:aws:iam::${ACCOUNT}:oidc-provider/other.example.com`
    expect(await decide('system:serviceaccount:media:uploader', 'sts.amazonaws.com', otherIssuer)).not.toBe(
      'Allowed',
    )
    expect(
      await decide('system:serviceaccount:media:uploader', 'sts.amazonaws.com', PROVIDER, 'sts:AssumeRole'),
    ).not.toBe('Allowed')
  })

  it('renders the provider and the role with its policies in the stack; the documents stay out of it', () => {
    const c = irsaCluster()
    const key = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555'
    const m = buildModel(c, {
      images: new Map(c.instanceGroups.map((g) => [g.name, image])),
      userData: (g) => `# ${g}\n`,
    })
    const template = renderTemplate(m, {
      literals: new Map([['kms-key', {id: key.split('/')[1]!, arn: key}]]),
    }) as {
      Resources: Record<string, {Type: string; Properties: Record<string, unknown>}>
    }
    const types = Object.values(template.Resources).map((r) => r.Type)
    expect(types).toContain('AWS::IAM::OIDCProvider')
    const provider = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::OIDCProvider')!
    expect(provider.Properties).toMatchObject({Url: ISSUER, ClientIdList: ['sts.amazonaws.com']})
    const role = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::IAM::Role' && r.Properties.ManagedPolicyArns !== undefined,
    )!
    expect(role.Properties.ManagedPolicyArns).toEqual([POLICY])
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('"Fn::GetAtt"')
  })
})

describe('kube-apiserver issuer flags', () => {
  it('signs with the published issuer, still accepts the in-cluster one, and names the published JWKS', () => {
    const c = irsaCluster()
    const group = c.instanceGroups.find((g) => g.spec.role === 'control-plane')!
    const docs = parseAllDocuments(
      kubeadmConfig(c, group, 'control-plane-init', 'api.internal.x:6443', `sha256:${'0'.repeat(64)}`),
    ).map((d) => d.toJS() as {kind: string; apiServer?: {extraArgs?: {name: string; value: string}[]}})
    const args = docs.find((d) => d.kind === 'ClusterConfiguration')!.apiServer!.extraArgs
    expect(args).toEqual([
      {name: 'service-account-issuer', value: ISSUER},
      {name: 'service-account-issuer', value: 'https://kubernetes.default.svc.cluster.local'},
      {name: 'service-account-jwks-uri', value: `${ISSUER}/openid/v1/jwks`},
    ])
  })
})
