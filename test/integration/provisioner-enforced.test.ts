/**
 * The lifecycle as a least-privilege operator: with IAM enforced in the emulator, an IAM user
 * holding only `kforge iam provisioner-policy` (narrowed to its state store) runs create --yes,
 * update (a group changed, etcd's volumes grown), rolling-update --cloudonly, upgrade --cloudonly and delete --yes through the built CLI.
 * Every call must be allowed (a proxy notes each refusal moto answers, since a command may read a
 * refusal as "absent" and still exit 0); every action the runs called is in the policy; the
 * policy's actions the runs did not call are named with the command that needs them; and the
 * policy is no wider than that: a call outside it is refused.
 *
 * moto evaluates actions for every service here and resource ARNs for IAM and S3 only, and ignores
 * Condition blocks (iam:PassedToService, iam:AWSServiceName): those are proven by
 * test/unit/cloud/aws/provisioner-policy.test.ts with a policy simulator. moto does not authorize
 * what AWS checks implicitly (iam:PassRole when a launch template names a profile,
 * ec2:RunInstances when a group launches): those are listed, not measured.
 */
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand} from '@aws-sdk/client-iam'
import {CreateBucketCommand, GetObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {renderSpec} from '../../src/api/v1alpha1/render.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {provisionerPolicy} from '../../src/cloud/aws/provisioner-policy.js'
import {clusterPath} from '../../src/cloud/aws/resources/iam.js'
import {bucketPosture} from '../../src/state/s3-posture.js'
import {haPrivateCluster} from '../fixtures/cloud/clusters.js'
import {runKforge, tempDir} from '../support/cli.js'
import {type IamRecorder, startIamRecorder} from '../support/iam-recorder.js'
import {
  ADMIN_POLICY,
  type Credentials,
  createUserWithPolicy,
  type EnforcedMoto,
  startEnforcedMotoWithAdmin,
} from '../support/moto-iam.js'

const REGION = 'us-east-1'
const BUCKET = 'kforge-least-privilege'
const STORE = `s3://${BUCKET}/kforge`
const NAME = 'ops.least-privilege.example.com'
const dir = tempDir('kforge-provisioner-enforced-')
const callLog = join(dir, 'calls.log')

/** kforge's client names → IAM service prefixes. */
const PREFIX: Record<string, string> = {
  AutoScaling: 'autoscaling',
  CloudFormation: 'cloudformation',
  EC2: 'ec2',
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  IAM: 'iam',
  KMS: 'kms',
  Route53: 'route53',
  S3: 's3',
}
/** SDK operations authorized as another IAM action. */
const RENAMED: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3:PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
}

const POLICY = provisionerPolicy({stateStore: STORE, region: REGION})

/**
 * Where moto cannot evaluate the printed policy, it runs on a copy widened for exactly that:
 * - moto names the resource of an IAM call only by an existing role's ARN (a request carrying the
 *   `RoleName` of a role that exists); for CreateRole and the instance-profile calls it evaluates
 *   `*`, which `role/kforge/*` never matches. AWS evaluates them against the ARN of the role or
 *   profile named, path included, which the printed policy allows (the simulator proves it below).
 * - moto 5.2 maps S3's `?publicAccessBlock` and `?encryption` bucket writes to `s3:CreateBucket`
 *   (its table spells the query `public_access_block`, and has no `encryption`); AWS authorizes
 *   them as s3:PutBucketPublicAccessBlock and s3:PutEncryptionConfiguration, which the policy holds.
 * Every other action is measured as printed.
 */
const MOTO_UNNAMED = [
  'iam:CreateInstanceProfile',
  'iam:CreateRole',
  'iam:DeleteInstanceProfile',
  'iam:GetInstanceProfile',
]

function widenedForMoto(policy: typeof POLICY): unknown {
  return {
    ...policy,
    Statement: [
      ...policy.Statement,
      {Sid: 'MotoNamesNoResource', Effect: 'Allow', Action: MOTO_UNNAMED, Resource: '*'},
      {
        Sid: 'MotoMisnamesBucketSettings',
        Effect: 'Allow',
        Action: ['s3:CreateBucket'],
        Resource: `arn:aws:s3:::${BUCKET}`,
      },
    ],
  }
}

/**
 * The policy's actions this lifecycle does not call, by what does. The assertion below keeps the
 * list exact: a lifecycle that starts calling one (or a policy that loses one) changes it.
 */
const UNEXERCISED: Record<string, string[]> = {
  'update --target cloudformation, and deleting a cluster deployed as a stack': [
    'cloudformation:CreateChangeSet',
    'cloudformation:DeleteChangeSet',
    'cloudformation:DeleteStack',
    'cloudformation:DescribeChangeSet',
    'cloudformation:DescribeStackEvents',
    'cloudformation:ExecuteChangeSet',
    'cloudformation:GetTemplate',
    'cloudformation:ListStackResources',
  ],
  // moto launches instances and makes no service-linked role: it authorizes none of these.
  'authorized by AWS implicitly, by a group launching from a template that names a profile': [
    'ec2:RunInstances',
    'iam:CreateServiceLinkedRole',
    'iam:PassRole',
  ],
  'update putting back what was changed outside kforge (drift)': [
    'autoscaling:AttachLoadBalancerTargetGroups',
    'autoscaling:DeleteLifecycleHook',
    'autoscaling:DeleteTags',
    'autoscaling:DetachLoadBalancerTargetGroups',
    'ec2:DeleteRoute',
    'ec2:DeleteTags',
    'ec2:ReplaceRoute',
    'ec2:ReplaceRouteTableAssociation',
    'elasticloadbalancing:AddTags',
    'elasticloadbalancing:DeleteListener',
    'elasticloadbalancing:ModifyListener',
    'elasticloadbalancing:SetSecurityGroups',
    'elasticloadbalancing:SetSubnets',
    'iam:DetachRolePolicy',
    'iam:TagRole',
    'iam:UpdateAssumeRolePolicy',
    'kms:TagResource',
    'kms:UpdateAlias',
    'kms:UpdateKeyDescription',
  ],
  'finding what a create made when its answer was lost': [
    'iam:GetInstanceProfile',
    'iam:GetRole',
    'route53:GetHostedZone',
  ],
  'sealing a secret over 4 KB (envelope), and restore opening a sealed etcd backup': [
    'kms:Decrypt',
    'kms:GenerateDataKey',
  ],
  'delete of a cluster whose etcd volume is still attached (its instances usually go first)': [
    'ec2:DetachVolume',
  ],
  'workload identity (spec.serviceAccountIssuerDiscovery; test/integration/irsa.test.ts)': [
    'iam:AddClientIDToOpenIDConnectProvider',
    'iam:AttachRolePolicy',
    'iam:CreateOpenIDConnectProvider',
    'iam:DeleteOpenIDConnectProvider',
    'iam:GetOpenIDConnectProvider',
    'iam:RemoveClientIDFromOpenIDConnectProvider',
    'iam:TagOpenIDConnectProvider',
  ],
  'rolling-update with the Kubernetes API (draining)': ['autoscaling:DescribeAutoScalingInstances'],
}

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'}],
})

let moto: EnforcedMoto
let recorder: IamRecorder
let admin: Credentials
let operator: Credentials
const called = new Set<string>()

const env = (who: Credentials) => ({
  AWS_ENDPOINT_URL: recorder.endpoint,
  AWS_ACCESS_KEY_ID: who.accessKeyId,
  AWS_SECRET_ACCESS_KEY: who.secretAccessKey,
  AWS_REGION: REGION,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  KFORGE_STATE_STORE: STORE,
  KFORGE_POLL_MS: '50',
  KFORGE_AWS_CALL_LOG: callLog,
})

/** Runs the CLI as `who`; returns its result and the refusals moto answered during the run. */
async function kforge(who: Credentials, ...args: string[]) {
  rmSync(callLog, {force: true})
  const before = recorder.refusals.length
  const r = await runKforge(args, {env: env(who)})
  const calls = existsSync(callLog) ? readFileSync(callLog, 'utf8').trim().split('\n').filter(Boolean) : []
  for (const c of calls) {
    const [service, action] = c.split(' ')
    const name = `${PREFIX[service!] ?? service}:${action}`
    called.add(RENAMED[name] ?? name)
  }
  return {...r, refusals: recorder.refusals.slice(before)}
}

function writeSpec(mutate: (c: ReturnType<typeof haPrivateCluster>) => void = () => {}, name = NAME): string {
  const cluster = haPrivateCluster(name, REGION)
  mutate(cluster)
  const file = join(dir, 'cluster.yaml')
  writeFileSync(file, renderSpec(cluster))
  return file
}

beforeAll(async () => {
  ;({moto, admin} = await startEnforcedMotoWithAdmin())
  recorder = await startIamRecorder(moto.endpoint)
  // The bucket is the operator's own prerequisite (kforge never creates it); create secures it.
  const s3 = new S3Client({region: REGION, endpoint: moto.endpoint, forcePathStyle: true, credentials: admin})
  await s3.send(new CreateBucketCommand({Bucket: BUCKET}))
  operator = await createUserWithPolicy(moto.endpoint, 'kforge-operator', widenedForMoto(POLICY), admin)
}, 60_000)

afterAll(async () => {
  await recorder?.stop()
  await moto?.stop()
})

describe('the lifecycle as an IAM user holding only the provisioner policy', {timeout: 600_000}, () => {
  it('create --yes --secure-state-store builds the cluster with every call allowed', async () => {
    const r = await kforge(operator, 'create', '-f', writeSpec(), '--yes', '--secure-state-store')
    expect(r.refusals).toEqual([])
    expect(r.code, r.stderr).toBe(0)
    const s3 = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: admin,
    })
    expect(await bucketPosture(s3, BUCKET)).toEqual({
      publicAccessBlocked: true,
      defaultEncryption: 'aws:kms',
      versioning: true,
    })
    expect(r.stderr).toMatch(/\+ AutoScalingGroup asg-nodes: created/)
  })

  it("update applies a change to one group, and grows etcd's volumes, with every call allowed", async () => {
    const replaced = await kforge(
      operator,
      'replace',
      '-f',
      writeSpec((c) => {
        c.instanceGroups.find((g) => g.name === 'nodes')!.spec.machineType = 't3.large'
        c.spec.etcd.volumeSize = 30
      }),
    )
    expect(replaced.code, replaced.stderr).toBe(0)
    const r = await kforge(operator, 'update', 'cluster', NAME, '--yes')
    expect(r.refusals).toEqual([])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('instanceType: t3.medium -> t3.large')
    expect(r.stdout).toContain('size: 20 -> 30')
  })

  it('rolling-update --cloudonly --yes replaces the changed group with every call allowed', async () => {
    const r = await kforge(operator, 'rolling-update', 'cluster', NAME, '--cloudonly', '--yes')
    expect(r.refusals).toEqual([])
    expect(r.code, r.stderr).toBe(0)
    const again = await kforge(operator, 'rolling-update', 'cluster', NAME, '--cloudonly')
    expect(again.stdout).toContain('No rolling update needed')
  })

  it('upgrade --cloudonly --yes moves the cluster to a patch release with every call allowed', async () => {
    const r = await kforge(
      operator,
      'upgrade',
      'cluster',
      NAME,
      '--kubernetes-version',
      'v1.37.3',
      '--cloudonly',
      '--yes',
    )
    expect(r.refusals).toEqual([])
    expect(r.code, r.stderr).toBe(0)
  })

  it('delete --yes removes everything with every call allowed', async () => {
    const r = await kforge(operator, 'delete', 'cluster', NAME, '--yes')
    expect(r.refusals).toEqual([])
    expect(r.code, r.stderr).toBe(0)
    const gone = await kforge(operator, 'get', 'clusters')
    expect(gone.stdout).not.toContain(NAME)
  })

  it('called only actions the policy holds; the rest are named with what needs them', () => {
    const granted = new Set(POLICY.Statement.flatMap((s) => s.Action))
    expect([...called].filter((a) => !granted.has(a)).sort()).toEqual([])
    const unexercised = Object.values(UNEXERCISED).flat().sort()
    expect([...granted].filter((a) => !called.has(a)).sort()).toEqual(unexercised)
  })

  it('is no wider than printed: calls outside it are refused', async () => {
    const iam = (who: Credentials) =>
      new IAMClient({region: REGION, endpoint: moto.endpoint, credentials: who})
    const outsider = await iam(admin).send(
      new CreateRoleCommand({RoleName: 'not-kforge', Path: '/team/', AssumeRolePolicyDocument: TRUST}),
    )
    expect(outsider.Role?.Arn).toContain(':role/team/not-kforge')
    const refused = async (p: Promise<unknown>) =>
      p.then(
        () => 'allowed',
        (err: {name?: string}) => err.name,
      )
    // IAM writes are limited to kforge's path; no user management at all.
    expect(
      await refused(
        iam(operator).send(
          new PutRolePolicyCommand({
            RoleName: 'not-kforge',
            PolicyName: 'x',
            PolicyDocument: JSON.stringify(ADMIN_POLICY),
          }),
        ),
      ),
    ).toBe('AccessDenied')
    expect(await refused(iam(operator).send(new CreateUserCommand({UserName: 'escalated'})))).toBe(
      'AccessDenied',
    )
    // S3 is limited to the state store: another prefix of the same bucket is not in it.
    const s3 = new S3Client({
      region: REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: operator,
    })
    expect(await refused(s3.send(new GetObjectCommand({Bucket: BUCKET, Key: 'elsewhere/secret'})))).toBe(
      'AccessDenied',
    )
  })

  // Sampled in the network phase: moto answers a refused KMS call in XML where KMS speaks JSON, so
  // the SDK cannot read that refusal's message (AWS's names the action, as moto's EC2 one does).
  it('a policy missing one action fails at that call, naming the permission', async () => {
    const missing = 'ec2:CreateVpc'
    const narrowed = widenedForMoto({
      ...POLICY,
      Statement: POLICY.Statement.map((s) => ({...s, Action: s.Action.filter((a) => a !== missing)})),
    })
    const short = await createUserWithPolicy(moto.endpoint, 'kforge-short', narrowed, admin)
    const r = await kforge(short, 'create', '-f', writeSpec(undefined, `short.${NAME}`), '--yes')
    expect(r.code).not.toBe(0)
    expect(r.refusals.map((x) => x.body)).toEqual([
      expect.stringContaining(`not authorized to perform: ${missing}`),
    ])
    expect(r.stderr).toContain(missing)
  })
})

describe('what moto cannot name, the policy simulator checks on the real ARNs', () => {
  const ACCOUNT = '111122223333'
  async function decide(action: string, resource: string): Promise<string> {
    const result = await runSimulation(
      {
        identityPolicies: [{name: 'kforge-operator', policy: POLICY}],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: `arn:aws:iam::${ACCOUNT}:user/kforge-operator`,
          resource: {accountId: ACCOUNT, resource},
          contextVariables: {},
        },
      },
      {},
    )
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors))
    return result.overallResult
  }
  const name = awsNames.instanceRole('nodes', NAME)
  const path = clusterPath(NAME)

  it.each(MOTO_UNNAMED)('%s is allowed on kforge’s own role or profile and nowhere else', async (action) => {
    const kind = action.includes('InstanceProfile') ? 'instance-profile' : 'role'
    expect(await decide(action, `arn:aws:iam::${ACCOUNT}:${kind}${path}${name}`)).toBe('Allowed')
    expect(await decide(action, `arn:aws:iam::${ACCOUNT}:${kind}/team/${name}`)).toBe('ImplicitlyDenied')
  })
})
