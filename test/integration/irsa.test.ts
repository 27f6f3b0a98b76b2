/**
 * Workload identity against the emulator, through the provisioner as a library: the issuer's
 * documents land in the discovery bucket (not the state store's) and read anonymously; a token
 * signed with the cluster's service-account key (read back from the state store) verifies against
 * the published JWKS with a JOSE library; the OIDC provider and the service account's role exist
 * with its policy, STS's AssumeRoleWithWebIdentity hands that role's credentials for the token;
 * a second apply changes nothing; delete takes provider, role and documents away.
 *
 * The emulator does not verify web-identity tokens nor evaluate trust conditions: which subjects
 * a role admits is proven by the IAM policy simulator (test/unit/cloud/aws/identity.test.ts).
 */
import {createPrivateKey} from 'node:crypto'
import {
  CreatePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam'
import {CreateBucketCommand, PutBucketPolicyCommand} from '@aws-sdk/client-s3'
import {AssumeRoleWithWebIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify, SignJWT} from 'jose'
import {describe, expect, inject, it} from 'vitest'
import {publishedIssuer} from '../../src/api/v1alpha1/identity.js'
import {materialKey} from '../../src/assets/material.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {provisionCluster} from '../../src/phases/cluster/provision.js'
import {S3StateStore} from '../../src/state/s3.js'
import {silentLogger} from '../../src/util/logger.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorClients} from '../fixtures/cloud/library.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'

const region = 'us-west-2'
const BUCKET = 'kforge-irsa-oidc'

describe('workload identity (IRSA) against the emulator', {timeout: 300_000}, () => {
  it('publishes the issuer, makes the provider and the role, and STS trusts the token; delete removes them', async () => {
    const endpoint = inject('awsEndpoint')
    const aws = emulatorClients(region)
    const iam = await aws.iam()
    const s3 = await aws.s3()
    await s3.send(
      new CreateBucketCommand({Bucket: BUCKET, CreateBucketConfiguration: {LocationConstraint: region}}),
    )
    // The user's part (docs): a bucket readable by anyone, for STS to fetch the documents.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`},
          ],
        }),
      }),
    )
    const policy = await iam.send(
      new CreatePolicyCommand({
        PolicyName: 'irsa-uploader',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*'}],
        }),
      }),
    )
    const policyArn = policy.Policy!.Arn!

    const c = publicSingleCluster('irsa.lib.provision.example.com', region)
    c.spec.serviceAccountIssuerDiscovery = {
      discoveryStore: `s3://${BUCKET}/clusters/irsa`,
      enableAWSOIDCProvider: true,
    }
    c.spec.iam = {
      serviceAccountExternalPermissions: [
        {name: 'uploader', namespace: 'media', aws: {policyARNs: [policyArn]}},
      ],
    }
    const issuer = publishedIssuer(c.spec)!
    const store = S3StateStore.fromUrl(await emulatorStateStore(region, 'kforge-irsa-state'), {
      region,
      endpoint,
    })
    let plan = ''
    await provisionCluster(c, {store, aws, yes: true, logger: silentLogger, onPlan: (t) => (plan = t)})
    expect(plan).toContain('+ IssuerDocuments issuer-documents')
    expect(plan).toContain('+ OidcProvider oidc-provider')
    expect(plan).toContain('+ IamRole role-sa-media-uploader')

    // Anonymous reads (no signature) of both documents, path-style as the emulator serves S3.
    const anonymous = async (key: string) => {
      const res = await fetch(`${endpoint}/${BUCKET}/clusters/irsa/${key}`)
      expect(res.status, key).toBe(200)
      return res.json()
    }
    const discovery = (await anonymous('.well-known/openid-configuration')) as Record<string, unknown>
    expect(discovery).toMatchObject({issuer: issuer.url, jwks_uri: issuer.jwksUri})
    const jwks = (await anonymous('openid/v1/jwks')) as JSONWebKeySet
    expect(jwks.keys).toHaveLength(1)

    // A token as kube-apiserver signs it, with the cluster's own sa.key from the state store.
    const saKey = await store.read(materialKey(c.name, 'sa.key'))
    expect(saKey).toBeDefined()
    const token = await new SignJWT({})
      .setProtectedHeader({alg: 'RS256', kid: jwks.keys[0]!.kid!})
      .setIssuer(issuer.url)
      .setSubject('system:serviceaccount:media:uploader')
      .setAudience('sts.amazonaws.com')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(createPrivateKey(saKey!))
    expect(decodeProtectedHeader(token).kid).toBe(jwks.keys[0]!.kid)
    const {payload} = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: issuer.url,
      audience: 'sts.amazonaws.com',
    })
    expect(payload.sub).toBe('system:serviceaccount:media:uploader')

    // The provider, the role with its trust and policy, and STS's answer for the token.
    const providers =
      (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []
    const providerArn = providers
      .map((p) => p.Arn!)
      .find((a) => a.endsWith(`oidc-provider/${issuer.url.slice(8)}`))
    expect(providerArn).toBeDefined()
    const roleName = awsNames.serviceAccountRole('media', 'uploader', c.name)
    const role = (await iam.send(new GetRoleCommand({RoleName: roleName}))).Role!
    const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!))
    expect(trust.Statement[0]).toMatchObject({
      Principal: {Federated: providerArn},
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {StringEquals: {[`${issuer.url.slice(8)}:sub`]: 'system:serviceaccount:media:uploader'}},
    })
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({RoleName: roleName}))
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([policyArn])
    const sts = new STSClient({
      region,
      endpoint,
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    const assumed = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: role.Arn!,
        RoleSessionName: 'uploader',
        WebIdentityToken: token,
      }),
    )
    expect(assumed.Credentials?.AccessKeyId).toBeTruthy()
    expect(assumed.AssumedRoleUser?.Arn).toContain(`assumed-role/${roleName}/uploader`)

    // A second apply changes nothing: documents, provider, role and policies are read back equal.
    const again: AwsCall[] = []
    const noop = await provisionCluster(c, {
      store: S3StateStore.fromUrl(store.location, {region, endpoint, onCall: (x) => again.push(x)}),
      aws: emulatorClients(region, again),
      yes: true,
      logger: silentLogger,
    })
    expect(noop.changes).toBe(false)
    expect(again.filter((x) => isMutating(x.action))).toEqual([])

    await deleteCluster(c.name, {aws: emulatorClients(region), yes: true, spec: c})
    const left = (await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []
    expect(left.map((p) => p.Arn)).not.toContain(providerArn)
    await expect(iam.send(new GetRoleCommand({RoleName: roleName}))).rejects.toThrow(
      /not found|cannot be found|NoSuchEntity/,
    )
    expect((await fetch(`${endpoint}/${BUCKET}/clusters/irsa/openid/v1/jwks`)).status).toBe(404)
  })
})
