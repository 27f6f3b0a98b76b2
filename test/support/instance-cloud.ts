/**
 * The AWS side of booting kforge's instances on this machine, shared by the boot tests: the
 * cluster's mirror in the state store (filled from the kube assets and this machine's Debian
 * packages), a TLS front's certificate for the AWS endpoints, the instances the emulator launched
 * from kforge's launch templates (with their user-data), the credentials EC2 would hand each one
 * through its instance profile, and the IMDS paths an instance reads.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {AutoScalingClient, DescribeAutoScalingGroupsCommand} from '@aws-sdk/client-auto-scaling'
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSubnetsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2'
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam'
import {PutObjectCommand, type S3Client} from '@aws-sdk/client-s3'
import {AssumeRoleCommand, STSClient} from '@aws-sdk/client-sts'
import type {MirrorSpec} from '../../src/api/v1alpha1/types.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import type {KubeAssets} from '../../src/sandbox/kube-assets/build.js'
import type {Credentials} from './moto-iam.js'

export interface CloudContext {
  endpoint: string
  admin: Credentials & {arn: string}
  region: string
  cluster: string
}

/** The AWS endpoints a boot uses, by the names the instance resolves. */
export function awsHosts(region: string, bucket: string): string[] {
  return [
    `${bucket}.s3.${region}.amazonaws.com`,
    `s3.${region}.amazonaws.com`,
    `kms.${region}.amazonaws.com`,
    `sts.${region}.amazonaws.com`,
    `ec2.${region}.amazonaws.com`,
    `autoscaling.${region}.amazonaws.com`,
  ]
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

/** The mirror the boot installs from: the kube assets' kubelet and kubectl, this machine's Debian packages. */
export async function fillMirror(
  s3: S3Client,
  bucket: string,
  assets: KubeAssets,
  dir: string,
): Promise<MirrorSpec> {
  const m = join(dir, 'mirror')
  mkdirSync(join(m, 'containerd', 'bin'), {recursive: true})
  mkdirSync(join(m, 'node-v20', 'bin'), {recursive: true})
  for (const b of ['containerd', 'containerd-shim-runc-v2', 'ctr'])
    copyFileSync(`/usr/bin/${b}`, join(m, 'containerd', 'bin', b))
  execFileSync('tar', ['-C', join(m, 'containerd'), '-czf', join(m, 'containerd.tar.gz'), 'bin'])
  execFileSync('sh', ['-c', `tar -C /usr/lib/cni -czf ${join(m, 'cni-plugins.tgz')} .`])
  copyFileSync(process.execPath, join(m, 'node-v20', 'bin', 'node'))
  execFileSync('tar', ['-C', m, '-czf', join(m, 'node.tar.gz'), 'node-v20'])
  const files: Record<Exclude<keyof MirrorSpec, 'baseUrl'>, string> = {
    kubelet: join(assets.bin, 'kubelet'),
    kubectl: join(assets.bin, 'kubectl'),
    containerd: join(m, 'containerd.tar.gz'),
    runc: '/usr/sbin/runc',
    cniPlugins: join(m, 'cni-plugins.tgz'),
    nodejs: join(m, 'node.tar.gz'),
  }
  const spec = {baseUrl: `s3://${bucket}/mirror`} as MirrorSpec
  for (const [name, file] of Object.entries(files) as [keyof typeof files, string][]) {
    const path = `${name}/${file.split('/').pop()}`
    await s3.send(new PutObjectCommand({Bucket: bucket, Key: `mirror/${path}`, Body: readFileSync(file)}))
    spec[name] = {path, sha256: sha256(file)}
  }
  return spec
}

/** A CA and a certificate for `*.<region>.amazonaws.com` it signed (the front's). */
export function frontCertificates(dir: string, region: string): {ca: string; key: string; cert: string} {
  const d = join(dir, 'pki')
  mkdirSync(d, {recursive: true, mode: 0o700})
  const ossl = (args: string[]) => execFileSync('openssl', args, {cwd: d, stdio: 'ignore'})
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  ossl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=kforge boot test CA',
  ])
  ossl(['req', ...ec, '-keyout', 'front.key', '-out', 'front.csr', '-subj', '/CN=amazonaws.com'])
  writeFileSync(
    join(d, 'san.ext'),
    `subjectAltName=${[`*.${region}.amazonaws.com`, `*.s3.${region}.amazonaws.com`].map((h) => `DNS:${h}`).join(',')}\n`,
  )
  ossl([
    'x509',
    '-req',
    '-in',
    'front.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'front.crt',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  ])
  const read = (f: string) => readFileSync(join(d, f), 'utf8')
  return {ca: read('ca.crt'), key: read('front.key'), cert: read('front.crt')}
}

export interface LaunchedInstance {
  group: string
  role: 'control-plane' | 'nodes'
  id: string
  privateDns: string
  privateIp: string
  zone: string
  /** Its subnet's CIDR block. */
  subnetCidr: string
  userData: Buffer
}

/** The running instances of the cluster's auto-scaling groups, with their launch template's user-data. */
export async function launchedInstances(c: CloudContext): Promise<LaunchedInstance[]> {
  const credentials = c.admin
  const asg = new AutoScalingClient({region: c.region, endpoint: c.endpoint, credentials})
  const ec2 = new EC2Client({region: c.region, endpoint: c.endpoint, credentials})
  const groups = (await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? []
  const out: LaunchedInstance[] = []
  for (const g of groups) {
    const tags = Object.fromEntries((g.Tags ?? []).map((t) => [t.Key, t.Value]))
    if (tags.KubernetesCluster !== c.cluster) continue
    const group = tags['kforge.dev/instancegroup']!
    const lt = g.LaunchTemplate!
    const version = (
      await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: lt.LaunchTemplateId!,
          Versions: [lt.Version ?? '$Latest'],
        }),
      )
    ).LaunchTemplateVersions![0]!
    for (const member of g.Instances ?? []) {
      if (member.LifecycleState !== 'InService' && member.LifecycleState !== 'Pending') continue
      const described = (await ec2.send(new DescribeInstancesCommand({InstanceIds: [member.InstanceId!]})))
        .Reservations![0]!.Instances![0]!
      if (described.State?.Name !== 'running' && described.State?.Name !== 'pending') continue
      const subnet = (await ec2.send(new DescribeSubnetsCommand({SubnetIds: [described.SubnetId!]})))
        .Subnets![0]!
      out.push({
        group,
        role: tags['k8s.io/role/control-plane'] !== undefined ? 'control-plane' : 'nodes',
        id: member.InstanceId!,
        privateDns: described.PrivateDnsName!,
        privateIp: described.PrivateIpAddress!,
        zone: described.Placement!.AvailabilityZone!,
        subnetCidr: subnet.CidrBlock!,
        userData: Buffer.from(version.LaunchTemplateData!.UserData!, 'base64'),
      })
    }
  }
  return out
}

/** What EC2 does for an instance profile: credentials of the role, session named after the instance. */
export async function roleCredentials(
  c: CloudContext,
  role: LaunchedInstance['role'],
  instanceId: string,
): Promise<Credentials & {expiration: Date}> {
  const iam = new IAMClient({region: c.region, endpoint: c.endpoint, credentials: c.admin})
  const name = awsNames.instanceRole(role, c.cluster)
  const got = (await iam.send(new GetRoleCommand({RoleName: name}))).Role!
  // moto 5.2 answers HTTP 500 to AssumeRole of a role whose trust names only a service: the test,
  // standing in for EC2, is added beside it (the instance's own policy is untouched).
  const trust = JSON.parse(decodeURIComponent(got.AssumeRolePolicyDocument!)) as {
    Statement: {Principal: Record<string, unknown>}[]
  }
  for (const s of trust.Statement) s.Principal = {...s.Principal, AWS: c.admin.arn}
  await iam.send(new UpdateAssumeRolePolicyCommand({RoleName: name, PolicyDocument: JSON.stringify(trust)}))
  const sts = new STSClient({region: c.region, endpoint: c.endpoint, credentials: c.admin})
  const out = (await sts.send(new AssumeRoleCommand({RoleArn: got.Arn!, RoleSessionName: instanceId})))
    .Credentials!
  return {
    accessKeyId: out.AccessKeyId!,
    secretAccessKey: out.SecretAccessKey!,
    sessionToken: out.SessionToken!,
    expiration: out.Expiration!,
  }
}

/**
 * moto evaluates a KMS request against `*`, never the key's ARN, so a statement naming the cluster
 * key never matches there (Decrypt limited to one key ARN is denied for every key). The role's KMS
 * statements are put back on a copy naming `*`; their key ARN and encryption-context conditions,
 * which moto does not evaluate either, are proven by the policy simulator in
 * test/unit/cloud/aws/iam-policies.test.ts. Nothing else in the role is changed.
 */
export async function widenKmsForMoto(c: CloudContext, role: LaunchedInstance['role']): Promise<void> {
  const iam = new IAMClient({region: c.region, endpoint: c.endpoint, credentials: c.admin})
  const RoleName = awsNames.instanceRole(role, c.cluster)
  for (const PolicyName of (await iam.send(new ListRolePoliciesCommand({RoleName}))).PolicyNames ?? []) {
    const doc = JSON.parse(
      decodeURIComponent((await iam.send(new GetRolePolicyCommand({RoleName, PolicyName}))).PolicyDocument!),
    ) as {Statement: {Action: string | string[]; Resource: unknown}[]}
    for (const st of doc.Statement) {
      if ([st.Action].flat().some((a) => a.startsWith('kms:'))) st.Resource = '*'
    }
    await iam.send(new PutRolePolicyCommand({RoleName, PolicyName, PolicyDocument: JSON.stringify(doc)}))
  }
}

/** What the instance's IMDS answers: its identity, placement, role credentials and user-data. */
export function imdsPaths(
  c: CloudContext,
  i: LaunchedInstance,
  credentials: Credentials & {expiration: Date},
): Record<string, string> {
  const roleName = awsNames.instanceRole(i.role, c.cluster)
  return {
    'meta-data/instance-id': i.id,
    'meta-data/local-hostname': i.privateDns,
    'meta-data/local-ipv4': i.privateIp,
    'meta-data/placement/availability-zone': i.zone,
    'meta-data/placement/region': c.region,
    'meta-data/iam/security-credentials/': roleName,
    [`meta-data/iam/security-credentials/${roleName}`]: JSON.stringify({
      Code: 'Success',
      Type: 'AWS-HMAC',
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      Token: credentials.sessionToken,
      Expiration: credentials.expiration.toISOString(),
      LastUpdated: new Date().toISOString(),
    }),
    'dynamic/instance-identity/document': JSON.stringify({
      accountId: '123456789012',
      instanceId: i.id,
      region: c.region,
      availabilityZone: i.zone,
      privateIp: i.privateIp,
    }),
    'user-data': i.userData.toString('latin1'),
  }
}
