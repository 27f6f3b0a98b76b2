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
import {gunzipSync} from 'node:zlib'
import {DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand} from '@aws-sdk/client-ec2'
import {
  CreatePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam'
import {CreateBucketCommand, PutBucketPolicyCommand} from '@aws-sdk/client-s3'
import {AssumeRoleWithWebIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify, SignJWT} from 'jose'
import {describe, expect, inject, it} from 'vitest'
import {parse} from 'yaml'
import {publishedIssuer} from '../../src/api/v1alpha1/identity.js'
import {materialKey} from '../../src/assets/material.js'
import {EBS_CSI_POLICY_NAME, ebsCsiControllerRoleName} from '../../src/cloud/aws/build/ebs-csi-role.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {type AwsCall, isMutating} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {provisionCluster} from '../../src/phases/cluster/provision.js'
import {S3StateStore} from '../../src/state/s3.js'
import type {StateStore} from '../../src/state/store.js'
import {silentLogger} from '../../src/util/logger.js'
import {publicSingleCluster} from '../fixtures/cloud/clusters.js'
import {emulatorClients} from '../fixtures/cloud/library.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'

const region = 'us-west-2'
const BUCKET = 'kforge-irsa-oidc'

/** The node.yaml a control-plane instance of `cluster` boots with: its launch template's user-data, as EC2 holds it. */
async function shippedNodeYaml(
  aws: ReturnType<typeof emulatorClients>,
  store: StateStore,
  cluster: string,
): Promise<{addons: {ebsCSI: Record<string, unknown>}}> {
  const ec2 = await aws.ec2()
  const templates = (
    await ec2.send(
      new DescribeLaunchTemplatesCommand({Filters: [{Name: 'tag:KubernetesCluster', Values: [cluster]}]}),
    )
  ).LaunchTemplates!
  const cp = templates.find((t) => t.LaunchTemplateName!.startsWith('control-plane'))!
  const version = (
    await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: cp.LaunchTemplateId!,
        Versions: ['$Latest'],
      }),
    )
  ).LaunchTemplateVersions![0]!
  const raw = Buffer.from(version.LaunchTemplateData!.UserData!, 'base64')
  let text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8')
  // A stub fetches the full cloud-config from the state store (render.ts publishedConfigKey).
  const published = new RegExp(`${cluster.replace(/\./g, '\\.')}/userdata/[^/\\s]+/[0-9a-f]{64}\\.yaml`).exec(
    text,
  )
  if (!text.includes('kind: NodeBootstrap') && published)
    text = (await store.read(published[0]))!.toString('utf8')
  const config = parse(text) as {write_files: Array<{path: string; content: string}>}
  return parse(config.write_files.find((f) => f.path === '/etc/kforge/node.yaml')!.content)
}

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
    // The EBS CSI controller's role: automatic with the provider (the driver is on by default).
    expect(plan).toContain('+ IamRole role-sa-kube-system-ebs-csi-controller-sa')
    expect(plan).toContain('+ RolePolicy policy-sa-kube-system-ebs-csi-controller-sa')

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

    // The EBS CSI controller's role: trusted through the same provider for its service account
    // only, with the driver's volume statements, which the control-plane role no longer has.
    const ebsRoleName = ebsCsiControllerRoleName(c.name)
    const ebsRole = (await iam.send(new GetRoleCommand({RoleName: ebsRoleName}))).Role!
    expect(ebsRole.Path).toBe(`/kforge/${c.name}/`)
    expect(JSON.parse(decodeURIComponent(ebsRole.AssumeRolePolicyDocument!)).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: {Federated: providerArn},
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${issuer.url.slice(8)}:sub`]: 'system:serviceaccount:kube-system:ebs-csi-controller-sa',
            [`${issuer.url.slice(8)}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ])
    expect((await iam.send(new ListRolePoliciesCommand({RoleName: ebsRoleName}))).PolicyNames).toEqual([
      EBS_CSI_POLICY_NAME,
    ])
    const sids = async (role: string, name: string) =>
      (
        JSON.parse(
          decodeURIComponent(
            (await iam.send(new GetRolePolicyCommand({RoleName: role, PolicyName: name}))).PolicyDocument!,
          ),
        ) as {Statement: Array<{Sid: string}>}
      ).Statement.map((x) => x.Sid)
    expect(await sids(ebsRoleName, EBS_CSI_POLICY_NAME)).toEqual(
      expect.arrayContaining(['EbsCsiCreateVolume', 'EbsCsiDeleteVolume']),
    )
    const cpSids = await sids(awsNames.instanceRole('control-plane', c.name), 'kforge-control-plane')
    expect(cpSids).toContain('ChangeOwned')
    expect(cpSids.filter((x) => x.startsWith('EbsCsi'))).toEqual([])
    // The control plane boots knowing the role's full ARN, the emulator's account in it: no placeholder.
    const nodeYaml = await shippedNodeYaml(aws, store, c.name)
    expect(nodeYaml.addons.ebsCSI).toEqual({
      enabled: true,
      defaultStorageClass: true,
      controllerRoleArn: ebsRole.Arn,
    })
    expect(ebsRole.Arn).toMatch(/^arn:aws:iam::\d{12}:role\/kforge\//)

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
    for (const name of [roleName, ebsRoleName])
      await expect(iam.send(new GetRoleCommand({RoleName: name}))).rejects.toThrow(
        /not found|cannot be found|NoSuchEntity/,
      )
    expect((await fetch(`${endpoint}/${BUCKET}/clusters/irsa/openid/v1/jwks`)).status).toBe(404)
  })
})
