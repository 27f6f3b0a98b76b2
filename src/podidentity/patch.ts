/**
 * The JSON Patch that gives a pod its ServiceAccount's IAM role: a projected service-account
 * token for the role's audience, mounted read-only in every container and init container, and the
 * variables the AWS SDKs read to call sts:AssumeRoleWithWebIdentity with it.
 *
 * The patch only adds. What the pod already has is kept: a variable a container sets itself
 * (its own AWS_ROLE_ARN stays), a volume already named `aws-iam-token`, a mount already at the
 * token's path. Region variables come as a pair or not at all, so a container that chose one
 * region is not handed a second. Each addition appends (`/-`) rather than replacing a list, so a
 * patch never undoes another webhook's, and a pod that has everything gets an empty patch: the
 * webhook can be invoked again (reinvocationPolicy IfNeeded) without adding anything twice.
 */
import type {Container, EnvVar, Pod, Volume, VolumeMount} from '../kube/types.js'
import type {Injection} from './settings.js'

export const TOKEN_VOLUME = 'aws-iam-token'
export const TOKEN_MOUNT_PATH = '/var/run/secrets/eks.amazonaws.com/serviceaccount'
export const TOKEN_FILE = `${TOKEN_MOUNT_PATH}/token`

export interface PatchOp {
  op: 'add'
  path: string
  value: unknown
}

function variables(i: Injection): EnvVar[] {
  return [
    {name: 'AWS_ROLE_ARN', value: i.roleArn},
    {name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: TOKEN_FILE},
    ...(i.stsRegional ? [{name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional'}] : []),
  ]
}

const REGION_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const

/** Appends to a list at `path`, or creates it when the object has none. */
function append<T>(ops: PatchOp[], path: string, existing: readonly T[] | undefined, items: T[]): void {
  if (items.length === 0) return
  if (existing === undefined) ops.push({op: 'add', path, value: items})
  else for (const item of items) ops.push({op: 'add', path: `${path}/-`, value: item})
}

/** What one container lacks; empty when it has it all (or is skipped). */
function containerOps(c: Container, path: string, i: Injection): PatchOp[] {
  if (i.skip.has(c.name)) return []
  const ops: PatchOp[] = []
  const has = new Set((c.env ?? []).map((e) => e.name))
  const env = variables(i).filter((v) => !has.has(v.name))
  if (i.region && !REGION_VARIABLES.some((n) => has.has(n))) {
    env.push({name: 'AWS_DEFAULT_REGION', value: i.region}, {name: 'AWS_REGION', value: i.region})
  }
  append(ops, `${path}/env`, c.env, env)
  const mounted = (c.volumeMounts ?? []).some(
    (m) => m.name === TOKEN_VOLUME || m.mountPath.replace(/\/+$/, '') === TOKEN_MOUNT_PATH,
  )
  const mount: VolumeMount = {name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true}
  append(ops, `${path}/volumeMounts`, c.volumeMounts, mounted ? [] : [mount])
  return ops
}

/** The token volume, as the kubelet refreshes it (at 80% of its lifetime). */
export function tokenVolume(i: Injection): Volume {
  return {
    name: TOKEN_VOLUME,
    projected: {
      sources: [
        {serviceAccountToken: {audience: i.audience, expirationSeconds: i.expirationSeconds, path: 'token'}},
      ],
    },
  }
}

export function podIdentityPatch(pod: Pod, i: Injection): PatchOp[] {
  const ops: PatchOp[] = []
  for (const key of ['initContainers', 'containers'] as const) {
    ;(pod.spec[key] ?? []).forEach((c, n) => {
      ops.push(...containerOps(c, `/spec/${key}/${n}`, i))
    })
  }
  const mounts = ops.some((o) => o.path.includes('/volumeMounts'))
  const present = (pod.spec.volumes ?? []).some((v) => v.name === TOKEN_VOLUME)
  // The volume only where a container mounts it: a pod whose containers are all skipped asks
  // the kubelet for no token.
  append(ops, '/spec/volumes', pod.spec.volumes, mounts && !present ? [tokenVolume(i)] : [])
  return ops
}
