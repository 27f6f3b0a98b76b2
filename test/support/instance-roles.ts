/**
 * A cluster's instance roles in an IAM-enforcing moto (test/support/moto-iam.ts), as the tests
 * that prove those roles' policies against a real evaluator need them: the role documents
 * kforge's resource model carries, and for each role credentials as EC2 hands them to an
 * instance. The enforced-IAM tests each built both the same way; one place does it now, so they
 * cannot drift apart in how a role is made or assumed.
 */
import {CreateRoleCommand, IAMClient, PutRolePolicyCommand} from '@aws-sdk/client-iam'
import {AssumeRoleCommand, STSClient} from '@aws-sdk/client-sts'
import type {Cluster} from '../../src/api/v1alpha1/types.js'
import {ASSUME_EC2} from '../../src/cloud/aws/build/iam.js'
import type {PolicyDocument} from '../../src/cloud/aws/build/iam-policies.js'
import {buildModel} from '../../src/cloud/aws/build/index.js'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import {Ref} from '../../src/cloud/aws/model/types.js'
import {clusterPath} from '../../src/cloud/aws/resources/iam.js'
import type {Credentials} from './moto-iam.js'

/**
 * The RolePolicy documents of `cluster`'s resource model, by role (`control-plane`, `nodes`, …),
 * with every Ref (the cluster's KMS key) resolved to `keyArn`.
 */
export function instanceRoleDocuments(
  cluster: Cluster,
  o: {stateStore: string; keyArn: string},
): Map<string, PolicyDocument> {
  const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
  const model = buildModel(cluster, {
    images: new Map(cluster.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
    stateStore: o.stateStore,
  })
  const resolve = (v: unknown): unknown =>
    v instanceof Ref
      ? o.keyArn
      : Array.isArray(v)
        ? v.map(resolve)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]))
          : v
  return new Map(
    model.resources
      .filter((r) => r.kind === 'RolePolicy')
      .map((r) => [
        r.name.replace(/^policy-/, ''),
        resolve((r.props as {document: unknown}).document) as PolicyDocument,
      ]),
  )
}

/**
 * Each role of `documents` made in the emulator (named and pathed as kforge names them, holding
 * its document) and assumed with the session name `i-<role>`: the credentials by role.
 *
 * EC2's trust, with `admin` beside EC2 in the same statement: the test stands in for EC2 handing
 * out the profile's credentials. moto 5.2 answers HTTP 500 to AssumeRole when any statement names
 * only a service (even beside a statement naming the caller), and it matches the caller's own ARN,
 * not the account root.
 */
export async function assumeInstanceRoles(
  o: {endpoint: string; region: string; cluster: string; admin: Credentials & {arn: string}},
  documents: Map<string, unknown>,
): Promise<Map<string, Credentials>> {
  const iam = new IAMClient({region: o.region, endpoint: o.endpoint, credentials: o.admin})
  const sts = new STSClient({region: o.region, endpoint: o.endpoint, credentials: o.admin})
  const trust = {
    ...ASSUME_EC2,
    Statement: ASSUME_EC2.Statement.map((s) => ({...s, Principal: {...s.Principal, AWS: o.admin.arn}})),
  }
  const credentials = new Map<string, Credentials>()
  for (const [role, document] of documents) {
    const name = awsNames.instanceRole(role, o.cluster)
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: clusterPath(o.cluster),
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    )
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: `kforge-${role}`,
        PolicyDocument: JSON.stringify(document),
      }),
    )
    const out = await sts.send(
      new AssumeRoleCommand({RoleArn: created.Role!.Arn!, RoleSessionName: `i-${role}`}),
    )
    credentials.set(role, {
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    })
  }
  return credentials
}
