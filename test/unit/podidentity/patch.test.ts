/**
 * The pod identity webhook's patch: a whole patch pinned as a golden file (regenerate with
 * KFORGE_UPDATE_GOLDEN=1 and read the diff), then each rule a user relies on: nothing a container
 * sets is overridden, region variables as a pair or not at all, a pod that has it all gets no
 * operation (reinvocation adds nothing twice), annotations resolved as upstream documents them.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import type {Pod} from '../../../src/kube/types.js'
import {type PatchOp, podIdentityPatch} from '../../../src/podidentity/patch.js'
import {injectionFor} from '../../../src/podidentity/settings.js'

const GOLDEN = fileURLToPath(new URL('../../fixtures/pod-identity/patch.golden.json', import.meta.url))
const ROLE = 'arn:aws:iam::111122223333:role/kforge/demo/uploader'
const defaults = {region: 'eu-west-1', stsRegionalEndpoints: true}

/** A pod as the webhook receives it: after the ServiceAccount admission plugin. */
function admitted(): Pod {
  return {
    metadata: {name: 'web', namespace: 'media'},
    spec: {
      serviceAccountName: 'uploader',
      initContainers: [{name: 'migrate', image: 'migrate:1'}],
      containers: [
        {
          name: 'app',
          image: 'app:1',
          env: [{name: 'AWS_REGION', value: 'us-west-2'}],
          volumeMounts: [
            {
              name: 'kube-api-access-x',
              mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
              readOnly: true,
            },
          ],
        },
        {
          name: 'own-role',
          image: 'tool:1',
          env: [{name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/own'}],
        },
      ],
      volumes: [{name: 'kube-api-access-x', projected: {sources: []}}],
    },
  }
}

/** RFC 6902 `add` as the API server applies it: into an object member, at an array index or at `-`. */
function applyAdds(doc: unknown, ops: PatchOp[]): void {
  for (const op of ops) {
    const keys = op.path.split('/').slice(1)
    const last = keys.pop()!
    let at = doc as Record<string, unknown>
    for (const k of keys) at = at[k] as Record<string, unknown>
    if (Array.isArray(at)) at.splice(last === '-' ? at.length : Number(last), 0, op.value)
    else at[last] = op.value
  }
}

function patched(pod: Pod, sa: Record<string, string>, podAnnotations?: Record<string, string>): Pod {
  const i = injectionFor(sa, podAnnotations, defaults)
  const out = structuredClone(pod)
  applyAdds(out, i ? podIdentityPatch(pod, i) : [])
  return out
}

describe('podIdentityPatch', () => {
  it('a whole patch, as the golden file pins it', () => {
    const i = injectionFor({'eks.amazonaws.com/role-arn': ROLE}, undefined, defaults)!
    const text = `${JSON.stringify(podIdentityPatch(admitted(), i), null, 2)}\n`
    if (process.env.KFORGE_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text)
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'))
  })

  it("never overrides a container's own variables, and adds the region as a pair or not at all", () => {
    const pod = patched(admitted(), {'eks.amazonaws.com/role-arn': ROLE})
    const env = (n: number) => Object.fromEntries(pod.spec.containers[n]!.env!.map((e) => [e.name, e.value]))
    expect(env(0)).toEqual({
      AWS_REGION: 'us-west-2',
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
    })
    expect(env(1).AWS_ROLE_ARN).toBe('arn:aws:iam::111122223333:role/own')
    expect(env(1).AWS_DEFAULT_REGION).toBe('eu-west-1')
    expect(pod.spec.containers[0]!.volumeMounts).toHaveLength(2)
  })

  it('adds nothing to a pod that already has it all (a second invocation)', () => {
    const once = patched(admitted(), {'eks.amazonaws.com/role-arn': ROLE})
    const i = injectionFor({'eks.amazonaws.com/role-arn': ROLE}, undefined, defaults)!
    expect(podIdentityPatch(once, i)).toEqual([])
  })

  it("keeps the pod's own aws-iam-token volume and a mount already at the token path", () => {
    const pod = admitted()
    pod.spec.volumes!.push({name: 'aws-iam-token', emptyDir: {}})
    pod.spec.containers[1]!.volumeMounts = [
      {name: 'mine', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/'},
    ]
    const i = injectionFor({'eks.amazonaws.com/role-arn': ROLE}, undefined, defaults)!
    const ops = podIdentityPatch(pod, i)
    expect(ops.some((o) => o.path.startsWith('/spec/volumes'))).toBe(false)
    expect(ops.some((o) => o.path.startsWith('/spec/containers/1/volumeMounts'))).toBe(false)
  })

  it('skips the containers skip-containers names, and adds no volume when no container mounts it', () => {
    const pod = patched(
      admitted(),
      {'eks.amazonaws.com/role-arn': ROLE},
      {'eks.amazonaws.com/skip-containers': 'migrate, own-role'},
    )
    expect(pod.spec.initContainers![0]!.env).toBeUndefined()
    expect(pod.spec.containers[1]!.env).toHaveLength(1)
    const all = patched(
      admitted(),
      {'eks.amazonaws.com/role-arn': ROLE},
      {'eks.amazonaws.com/skip-containers': 'migrate,app,own-role'},
    )
    expect(all).toEqual(admitted())
  })

  it('leaves a pod alone when its ServiceAccount names no role', () => {
    expect(injectionFor({}, undefined, defaults)).toBeUndefined()
    expect(injectionFor(undefined, undefined, defaults)).toBeUndefined()
    expect(injectionFor({'eks.amazonaws.com/role-arn': '  '}, undefined, defaults)).toBeUndefined()
  })
})

describe('injectionFor: the annotations', () => {
  const sa = {'eks.amazonaws.com/role-arn': ROLE}
  it('audience: the ServiceAccount names it, else the default sts.amazonaws.com', () => {
    expect(injectionFor(sa, undefined, {})!.audience).toBe('sts.amazonaws.com')
    expect(injectionFor({...sa, 'eks.amazonaws.com/audience': 'example.com'}, undefined, {})!.audience).toBe(
      'example.com',
    )
  })
  it("token-expiration: the pod's wins over its ServiceAccount's; kept within what the API accepts", () => {
    const exp = (s?: string, p?: string) =>
      injectionFor(
        {...sa, ...(s ? {'eks.amazonaws.com/token-expiration': s} : {})},
        p ? {'eks.amazonaws.com/token-expiration': p} : undefined,
        {},
      )!.expirationSeconds
    expect(exp()).toBe(86400)
    expect(exp('7200')).toBe(7200)
    expect(exp('7200', '3600')).toBe(3600)
    expect(exp('0')).toBe(600)
    expect(exp('not a number')).toBe(86400)
    expect(exp('99999999999')).toBe(2 ** 32 - 1)
  })
  it('sts-regional-endpoints: "true" or "false" on the ServiceAccount, else the webhook default', () => {
    const r = (v: string | undefined, d: boolean) =>
      injectionFor({...sa, ...(v ? {'eks.amazonaws.com/sts-regional-endpoints': v} : {})}, undefined, {
        stsRegionalEndpoints: d,
      })!.stsRegional
    expect([r(undefined, false), r(undefined, true), r('true', false), r('false', true)]).toEqual([
      false,
      true,
      true,
      false,
    ])
  })
  it('no region variables without a webhook region', () => {
    const i = injectionFor(sa, undefined, {})!
    const ops = podIdentityPatch({metadata: {}, spec: {containers: [{name: 'a'}]}}, i)
    expect(JSON.stringify(ops)).not.toContain('AWS_REGION')
  })
})
