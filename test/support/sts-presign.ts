/**
 * What moto's STS lacks for presigned requests, on loopback in front of it. moto server (5.2)
 * routes a request with no Authorization header by its path, so a presigned
 * `GET /?Action=GetCallerIdentity&X-Amz-...` reaches its S3 backend; and even sent to STS it reads
 * the caller from the Authorization header only (never X-Amz-Credential) and checks no signature
 * or expiry. This front does those two things as STS does: it recomputes the SigV4 query
 * signature over the request it received (Host and the signed headers as they arrived) with the
 * secret of the credentials a test registered, refuses a mismatch (SignatureDoesNotMatch) or an
 * expired request, and then asks moto's own STS, header-signed with the same credentials, who
 * they are. The identity always comes from moto; only the signature check is done here.
 */
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {SignatureV4} from '@smithy/signature-v4'
import {type AwsCredentials, NodeSha256} from '../../src/identity/proof.js'

export interface StsFront {
  endpoint: string
  register(credentials: AwsCredentials): void
  /** Requests answered, by outcome: what the tests assert STS was (or was not) asked. */
  calls: {ok: number; refused: number}
  close(): Promise<void>
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error></ErrorResponse>`
}

function amzDate(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return new Date(Number.NaN)
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!))
}

async function expectedSignature(
  req: IncomingMessage,
  query: URLSearchParams,
  creds: AwsCredentials,
): Promise<string> {
  const [, , region] = (query.get('X-Amz-Credential') ?? '').split('/')
  const headers: Record<string, string> = {}
  for (const name of (query.get('X-Amz-SignedHeaders') ?? '').split(';')) {
    const value = req.headers[name]
    if (typeof value === 'string') headers[name] = value
  }
  const signer = new SignatureV4({
    service: 'sts',
    region: region ?? '',
    credentials: creds,
    sha256: NodeSha256,
  })
  const unsigned: Record<string, string> = {}
  for (const [k, v] of query) if (k !== 'X-Amz-Signature' && !k.startsWith('X-Amz-')) unsigned[k] = v
  const presigned = await signer.presign(
    {
      method: req.method ?? 'GET',
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: '/',
      query: unsigned,
      headers,
    },
    {signingDate: amzDate(query.get('X-Amz-Date') ?? ''), expiresIn: Number(query.get('X-Amz-Expires'))},
  )
  return String(presigned.query?.['X-Amz-Signature'] ?? '')
}

export async function startStsFront(motoEndpoint: string): Promise<StsFront> {
  const known = new Map<string, AwsCredentials>()
  const calls = {ok: 0, refused: 0}
  const server: Server = createServer((req, res) => {
    void (async () => {
      const reply = (status: number, body: string) => {
        if (status === 200) calls.ok++
        else calls.refused++
        res.writeHead(status, {'content-type': 'text/xml'})
        res.end(body)
      }
      const query = new URL(req.url ?? '/', 'http://front').searchParams
      const accessKeyId = (query.get('X-Amz-Credential') ?? '').split('/')[0] ?? ''
      const creds = known.get(accessKeyId)
      if (!creds)
        return reply(
          403,
          errorXml('InvalidClientTokenId', 'The security token included in the request is invalid.'),
        )
      const date = amzDate(query.get('X-Amz-Date') ?? '')
      const expires = Number(query.get('X-Amz-Expires'))
      if (Number.isNaN(date.getTime()) || Date.now() > date.getTime() + expires * 1000) {
        return reply(403, errorXml('ExpiredToken', 'Signature expired.'))
      }
      if ((await expectedSignature(req, query, creds)) !== query.get('X-Amz-Signature')) {
        return reply(
          403,
          errorXml('SignatureDoesNotMatch', 'The request signature we calculated does not match.'),
        )
      }
      const region = (query.get('X-Amz-Credential') ?? '').split('/')[2] ?? 'us-east-1'
      const sts = new STSClient({region, endpoint: motoEndpoint, credentials: creds})
      try {
        const who = await sts.send(new GetCallerIdentityCommand({}))
        reply(
          200,
          `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${who.Arn}</Arn><UserId>${who.UserId}</UserId><Account>${who.Account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
        )
      } finally {
        sts.destroy()
      }
    })().catch((err: Error) => {
      calls.refused++
      res.writeHead(500)
      res.end(err.message)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    register: (c) => known.set(c.accessKeyId, c),
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
