/**
 * The provisioner's policy (docs/iam/provisioner-policy.json): the file is what the code prints,
 * a valid identity policy, and its actions are exactly those kforge's code calls (every SDK
 * command in src/, read from the source) plus the three AWS authorizes implicitly.
 */
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {validateIdentityPolicy} from '@cloud-copilot/iam-policy'
import {describe, expect, it} from 'vitest'
import {provisionerPolicy} from '../../../../src/cloud/aws/provisioner-policy.js'

const FILE = 'docs/iam/provisioner-policy.json'

/** SDK package → IAM service prefix. */
const SERVICES: Record<string, string> = {
  'auto-scaling': 'autoscaling',
  cloudformation: 'cloudformation',
  ec2: 'ec2',
  'elastic-load-balancing-v2': 'elasticloadbalancing',
  iam: 'iam',
  kms: 'kms',
  'route-53': 'route53',
  s3: 's3',
}
/** SDK operations whose IAM action has another name. */
const RENAMED: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
  's3:GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3:PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3:PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
}
/** Authorized by AWS on the caller without an SDK call of that name. */
const IMPLICIT = ['ec2:RunInstances', 'iam:PassRole', 'iam:CreateServiceLinkedRole']

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e)
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Every AWS action kforge's own code calls: `new XCommand(` and `paginateX` (called or passed), by the client it imports. */
function calledActions(): Set<string> {
  const commands = Object.fromEntries(
    Object.keys(SERVICES).map((pkg) => [
      pkg,
      readFileSync(`node_modules/@aws-sdk/client-${pkg}/dist-types/commands/index.d.ts`, 'utf8'),
    ]),
  )
  const out = new Set<string>()
  // The emulator launcher and the demo are not kforge commands; the node agent's own calls (and
  // the boot's, under src/cloud/aws/on-instance) run on instances under their roles
  // (docs/iam/README.md), not the provisioner's.
  for (const file of sources('src').filter(
    (f) => !/^src\/(sandbox|demo|assets\/agent|cloud\/aws\/on-instance)\//.test(f),
  )) {
    const text = readFileSync(file, 'utf8')
    const pkgs = Object.keys(SERVICES).filter((pkg) => text.includes(`@aws-sdk/client-${pkg}'`))
    const names = [
      ...[...text.matchAll(/\bnew ([A-Z][A-Za-z0-9]+)Command\(/g)].map((m) => m[1]!),
      ...[...text.matchAll(/\bpaginate([A-Z][A-Za-z0-9]+)\b/g)].map((m) => m[1]!),
      // Commands taken from a dynamically imported module: `const {XCommand} = await ...`.
      ...[...text.matchAll(/\b([A-Z][A-Za-z0-9]+)Command\b/g)].map((m) => m[1]!),
    ]
    for (const name of new Set(names)) {
      const exporting = Object.keys(SERVICES).filter((pkg) => commands[pkg]!.includes(`./${name}Command"`))
      // Resource files take their client from a helper module: the name alone decides unless it is shared.
      const imported = exporting.filter((pkg) => pkgs.includes(pkg))
      const owners = imported.length > 0 ? imported : exporting
      if (owners.length === 0) continue
      if (owners.length > 1) throw new Error(`${file}: ${name} is in ${owners.join(', ')}`)
      const action = `${SERVICES[owners[0]!]}:${name}`
      out.add(RENAMED[action] ?? action)
    }
  }
  return out
}

describe('provisioner policy', () => {
  const policy = provisionerPolicy()

  it('is the file under docs/iam', () => {
    // Compared as JSON: the formatter lays the file out its own way.
    expect(JSON.parse(readFileSync(FILE, 'utf8'))).toEqual(policy)
  })

  it('is a valid identity policy', () => {
    expect(validateIdentityPolicy(policy)).toEqual([])
  })

  it('holds every action the code calls, and nothing it does not', () => {
    const granted = new Set(policy.Statement.flatMap((s) => s.Action))
    const called = calledActions()
    const fix =
      'list them in src/cloud/aws/provisioner-policy.ts, then write docs/iam/provisioner-policy.json ' +
      '(`kforge iam provisioner-policy -o json`) and add a row to docs/iam/README.md if a role needs it'
    expect([...called].filter((a) => !granted.has(a)).sort(), fix).toEqual([])
    expect([...granted].filter((a) => !called.has(a) && !IMPLICIT.includes(a)).sort()).toEqual([])
  })

  it('narrows S3 to the state store when given one', () => {
    const narrowed = provisionerPolicy({stateStore: 's3://team-state/kforge'})
    const s3 = narrowed.Statement.filter((s) => s.Action.some((a) => a.startsWith('s3:')))
    expect(s3.map((s) => s.Resource)).toEqual(['arn:aws:s3:::team-state', 'arn:aws:s3:::team-state/kforge/*'])
  })
})
