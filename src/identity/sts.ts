/**
 * The service sends a checked proof to STS itself and believes only STS's answer: the caller's
 * ARN. An EC2 instance role's session is named after the instance (`assumed-role/<role>/i-...`),
 * which is how the answer names the instance.
 */
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {type CheckedProof, ProofRefused} from './proof.js'

export interface CallerIdentity {
  account: string
  arn: string
  roleName: string
  instanceId: string
}

const ASSUMED_ROLE_ARN = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/(i-[0-9a-f]{8,17})$/

/**
 * Where proofs are forwarded. Default: the proof's own host over HTTPS. `endpoint` sends them to
 * another address with the signed Host header kept (an STS VPC endpoint, or a test's emulator).
 */
export interface StsTarget {
  endpoint?: string
  timeoutMs?: number
}

function xmlField(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]
}

function send(proof: CheckedProof, target: StsTarget): Promise<{status: number; body: string}> {
  const base = target.endpoint ? new URL(target.endpoint) : new URL(`https://${proof.host}`)
  const request = base.protocol === 'http:' ? httpRequest : httpsRequest
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: 'GET',
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port || undefined,
        path: `${proof.url.pathname}${proof.url.search}`,
        headers: {...proof.headers, host: proof.host},
        timeout: target.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8')}),
        )
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error('STS did not answer in time')))
    req.on('error', reject)
    req.end()
  })
}

/** Ask STS who signed the proof. A refusal by STS (bad or expired signature) refuses the proof. */
export async function callerOf(proof: CheckedProof, target: StsTarget = {}): Promise<CallerIdentity> {
  let answer: {status: number; body: string}
  try {
    answer = await send(proof, target)
  } catch (err) {
    throw new ProofRefused(`could not reach STS to check the proof: ${(err as Error).message}`, 503)
  }
  if (answer.status !== 200) {
    const code = xmlField(answer.body, 'Code') ?? `HTTP ${answer.status}`
    throw new ProofRefused(`STS refused the proof (${code})`)
  }
  const arn = xmlField(answer.body, 'Arn') ?? ''
  const m = ASSUMED_ROLE_ARN.exec(arn)
  if (!m)
    throw new ProofRefused(`the proof was signed by ${arn || 'an unknown caller'}, not an EC2 instance role`)
  return {account: m[1]!, arn, roleName: m[2]!, instanceId: m[3]!}
}
