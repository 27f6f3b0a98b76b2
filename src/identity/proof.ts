/**
 * The proof a joining instance sends to the node-identity service: an `sts:GetCallerIdentity`
 * request presigned (SigV4, query string) with the instance role's credentials, as
 * aws-iam-authenticator's tokens are. The node never sends it to STS; the service does, so STS
 * itself vouches for who signed it. The cluster name travels in a signed header
 * (`x-kforge-cluster`), so a proof made for one cluster fails STS's signature check when sent with
 * another cluster's name, and the short expiry bounds how long a captured proof is worth anything.
 *
 * This module builds proofs (node side) and checks their shape (service side) before anything is
 * forwarded: only the regional STS host of the cluster, only GetCallerIdentity, only the expected
 * query parameters and signed headers. Checking the shape first is what keeps the service from
 * being an open proxy that signs nothing but forwards anything.
 */
import {createHash, createHmac, type Hash, type Hmac} from 'node:crypto'
import {SignatureV4} from '@smithy/signature-v4'
import {KforgeError} from '../util/errors.js'

export const CLUSTER_HEADER = 'x-kforge-cluster'
/** The signed headers a proof must carry, exactly (SigV4 lists them sorted, `;`-joined). */
export const SIGNED_HEADERS = `host;${CLUSTER_HEADER}`
/** What the node asks for: a minute is plenty for one HTTPS request to a control-plane node. */
export const PROOF_EXPIRES_S = 60
/** The longest validity the service accepts, whatever the proof claims (aws-iam-authenticator's 15 min). */
export const MAX_PROOF_LIFETIME_S = 15 * 60
/** Clock skew tolerated for a proof dated in the future. */
export const MAX_CLOCK_SKEW_S = 5 * 60

const STS_VERSION = '2011-06-15'
const ALLOWED_PARAMS = new Set([
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
])

/** What travels from node to service: the presigned URL and the headers it was signed with. */
export interface IdentityProof {
  url: string
  headers: Record<string, string>
}

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** The regional STS host a proof for this region must be signed for. */
export function stsHost(region: string): string {
  return `sts.${region}.amazonaws.com`
}

/** SHA-256 and HMAC-SHA-256 in the shape @smithy/signature-v4 asks for. */
type SourceData = string | ArrayBuffer | ArrayBufferView

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  return Buffer.from(data)
}

export class NodeSha256 {
  private hash: Hash | Hmac
  private readonly secret: Buffer | undefined
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret)
    this.hash = this.fresh()
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret)
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data))
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest())
  }
  reset(): void {
    this.hash = this.fresh()
  }
}

/** Presign GetCallerIdentity for `cluster` with the instance's role credentials. */
export async function makeProof(o: {
  cluster: string
  region: string
  credentials: AwsCredentials
  now?: Date
  expiresInS?: number
}): Promise<IdentityProof> {
  const host = stsHost(o.region)
  const signer = new SignatureV4({
    service: 'sts',
    region: o.region,
    credentials: o.credentials,
    sha256: NodeSha256,
  })
  const signed = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      query: {Action: 'GetCallerIdentity', Version: STS_VERSION},
      headers: {host, [CLUSTER_HEADER]: o.cluster},
    },
    {expiresIn: o.expiresInS ?? PROOF_EXPIRES_S, ...(o.now ? {signingDate: o.now} : {})},
  )
  const query = new URLSearchParams()
  for (const [k, v] of Object.entries(signed.query ?? {})) {
    if (typeof v === 'string') query.set(k, v)
  }
  return {url: `https://${host}/?${query.toString()}`, headers: {[CLUSTER_HEADER]: o.cluster}}
}

/** A proof whose shape passed every check, ready to forward. */
export interface CheckedProof {
  url: URL
  host: string
  /** The headers to send along: exactly the signed ones besides `host`. */
  headers: Record<string, string>
  /** The signature: unique per proof, so the key that refuses a replay. */
  signature: string
  accessKeyId: string
  /** When the proof stops being accepted (its own expiry, capped). */
  expiresAt: Date
}

/** The service's refusal: a message the node may see (it names no secret). */
export class ProofRefused extends KforgeError {
  constructor(
    message: string,
    /** HTTP status the service answers with. */
    readonly status = 403,
  ) {
    super(message)
    this.name = 'ProofRefused'
  }
}

function amzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return undefined
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number]
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s))
}

/** Check a proof's shape, cluster and age; refuse it with the reason otherwise. */
export function checkProof(body: unknown, o: {cluster: string; region: string; now?: Date}): CheckedProof {
  const now = o.now ?? new Date()
  if (!body || typeof body !== 'object') throw new ProofRefused('the proof is not a JSON object', 400)
  const {url, headers} = body as Partial<IdentityProof>
  if (typeof url !== 'string' || !headers || typeof headers !== 'object') {
    throw new ProofRefused('the proof needs "url" and "headers"', 400)
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ProofRefused('the proof URL does not parse', 400)
  }
  const host = stsHost(o.region)
  if (parsed.protocol !== 'https:' || parsed.host !== host || parsed.pathname !== '/') {
    throw new ProofRefused(`the proof must be a request to https://${host}/ (this cluster's region)`)
  }
  const params = parsed.searchParams
  for (const key of new Set(params.keys())) {
    if (!ALLOWED_PARAMS.has(key)) throw new ProofRefused(`the proof carries an unexpected parameter ${key}`)
    if (params.getAll(key).length !== 1) throw new ProofRefused(`the proof repeats the parameter ${key}`)
  }
  if (params.get('Action') !== 'GetCallerIdentity' || params.get('Version') !== STS_VERSION) {
    throw new ProofRefused('the proof must be sts:GetCallerIdentity')
  }
  if (params.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new ProofRefused('the proof is not SigV4')
  if (params.get('X-Amz-SignedHeaders') !== SIGNED_HEADERS) {
    throw new ProofRefused(`the proof must sign exactly the headers ${SIGNED_HEADERS}`)
  }
  const credential = (params.get('X-Amz-Credential') ?? '').split('/')
  if (credential.length !== 5 || credential[2] !== o.region || credential[3] !== 'sts') {
    throw new ProofRefused(`the proof must be signed for sts in ${o.region}`)
  }
  const given = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  const keys = Object.keys(given)
  if (keys.length !== 1 || keys[0] !== CLUSTER_HEADER || typeof given[CLUSTER_HEADER] !== 'string') {
    throw new ProofRefused(`the proof's headers must be exactly ${CLUSTER_HEADER}`, 400)
  }
  if (given[CLUSTER_HEADER] !== o.cluster) {
    throw new ProofRefused(`the proof was made for another cluster, not ${o.cluster}`)
  }
  const signature = params.get('X-Amz-Signature') ?? ''
  if (!/^[0-9a-f]{64}$/.test(signature)) throw new ProofRefused('the proof has no SigV4 signature', 400)
  const date = amzDate(params.get('X-Amz-Date') ?? '')
  const expires = Number(params.get('X-Amz-Expires'))
  if (!date || !Number.isInteger(expires) || expires <= 0) {
    throw new ProofRefused('the proof has no valid X-Amz-Date and X-Amz-Expires', 400)
  }
  if (date.getTime() > now.getTime() + MAX_CLOCK_SKEW_S * 1000) {
    throw new ProofRefused('the proof is dated in the future (check the clocks)')
  }
  const expiresAt = new Date(date.getTime() + Math.min(expires, MAX_PROOF_LIFETIME_S) * 1000)
  if (expiresAt.getTime() <= now.getTime()) throw new ProofRefused('the proof has expired')
  return {
    url: parsed,
    host,
    headers: {[CLUSTER_HEADER]: o.cluster},
    signature,
    accessKeyId: credential[0]!,
    expiresAt,
  }
}

/**
 * Proofs already used, remembered until they expire: a second use of one is a replay. In memory
 * per service; across control-plane nodes the token id derived from the signature (tokens.ts)
 * makes a second issue collide in the API server.
 */
export class SeenProofs {
  private readonly seen = new Map<string, number>()

  /** Record the proof; false when it was seen before. */
  claim(proof: CheckedProof, now = new Date()): boolean {
    for (const [sig, until] of this.seen) if (until <= now.getTime()) this.seen.delete(sig)
    if (this.seen.has(proof.signature)) return false
    this.seen.set(proof.signature, proof.expiresAt.getTime())
    return true
  }

  get size(): number {
    return this.seen.size
  }
}
