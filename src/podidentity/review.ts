/**
 * One admission.k8s.io/v1 AdmissionReview in, its answer out. The review carries the pod but
 * only the name of its ServiceAccount, so the account is read through the API (`lookup`). The
 * webhook never refuses a pod: a pod it cannot read the account of is admitted unchanged, with a
 * warning kubectl prints, as the MutatingWebhookConfiguration's failurePolicy Ignore would do.
 */
import type {Pod} from '../kube/types.js'
import {type PatchOp, podIdentityPatch} from './patch.js'
import {injectionFor, type WebhookDefaults} from './settings.js'

export const ADMISSION_VERSION = 'admission.k8s.io/v1'
/** The kubelet's mirror of a static pod: never mutable, and never given an account's role. */
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror'

export interface AdmissionRequest {
  uid: string
  kind?: {group: string; version: string; kind: string}
  resource?: {group: string; version: string; resource: string}
  subResource?: string
  namespace?: string
  operation?: string
  object?: Pod
}

export interface AdmissionResponse {
  uid: string
  allowed: true
  patchType?: 'JSONPatch'
  patch?: string
  warnings?: string[]
}

export interface AdmissionReview {
  apiVersion: typeof ADMISSION_VERSION
  kind: 'AdmissionReview'
  response: AdmissionResponse
}

/** A ServiceAccount's annotations; undefined when it does not exist. */
export type ServiceAccountLookup = (
  namespace: string,
  name: string,
) => Promise<Readonly<Record<string, string>> | undefined>

/** What happened, for the log line (never the token, which the webhook never sees). */
export interface ReviewOutcome {
  review: AdmissionReview
  /** `ns/pod` as far as known at admission (generateName pods have no name yet). */
  pod: string
  serviceAccount?: string
  ops: PatchOp[]
  warning?: string
}

/** The request of a review body; throws a message for a body that is not one. */
export function admissionRequest(body: unknown): AdmissionRequest {
  const b = body as {apiVersion?: unknown; kind?: unknown; request?: {uid?: unknown}} | null
  if (b?.kind !== 'AdmissionReview' || b.apiVersion !== ADMISSION_VERSION)
    throw new Error(`expected an ${ADMISSION_VERSION} AdmissionReview`)
  if (typeof b.request?.uid !== 'string') throw new Error('the AdmissionReview has no request.uid')
  return b.request as AdmissionRequest
}

function answer(uid: string, ops: PatchOp[], warning?: string): AdmissionReview {
  return {
    apiVersion: ADMISSION_VERSION,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: true,
      ...(ops.length > 0
        ? {patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64')}
        : {}),
      ...(warning ? {warnings: [warning]} : {}),
    },
  }
}

function isPodCreate(r: AdmissionRequest): boolean {
  const res = r.resource
  return (
    r.operation === 'CREATE' &&
    res?.group === '' &&
    res.resource === 'pods' &&
    !r.subResource &&
    r.object?.spec !== undefined
  )
}

export async function reviewPod(
  r: AdmissionRequest,
  lookup: ServiceAccountLookup,
  defaults: WebhookDefaults,
): Promise<ReviewOutcome> {
  const pod = r.object
  const namespace = r.namespace ?? pod?.metadata?.namespace ?? 'default'
  const name = pod?.metadata?.name ?? `${pod?.metadata?.generateName ?? ''}*`
  const where = `${namespace}/${name}`
  if (!pod || !isPodCreate(r) || pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined)
    return {review: answer(r.uid, []), pod: where, ops: []}
  // The ServiceAccount admission plugin runs first and fills in the name; `default` is its default.
  const account = pod.spec.serviceAccountName || pod.spec.serviceAccount || 'default'
  let annotations: Readonly<Record<string, string>> | undefined
  try {
    annotations = await lookup(namespace, account)
  } catch (err) {
    const warning = `kforge pod identity: could not read ServiceAccount ${namespace}/${account} (${(err as Error).message}); the pod is admitted without an AWS role`
    return {review: answer(r.uid, [], warning), pod: where, serviceAccount: account, ops: [], warning}
  }
  const injection = injectionFor(annotations, pod.metadata?.annotations, defaults)
  const ops = injection ? podIdentityPatch(pod, injection) : []
  return {review: answer(r.uid, ops), pod: where, serviceAccount: account, ops}
}
