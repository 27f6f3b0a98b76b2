/**
 * A loopback proxy in front of an IAM-enforcing moto that notes every request moto refused.
 * kforge's own call log (KFORGE_AWS_CALL_LOG) says which actions a command called; only the
 * server side knows which of them were denied — a command may read a refusal as "not there"
 * (a bucket setting, a tag) and still exit 0, so a clean exit alone proves nothing. Requests are
 * forwarded byte for byte with their Host header, so moto's SigV4 check still sees what the
 * client signed.
 */
import {createServer as createHttpServer, type IncomingMessage, request, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {parseCall, serviceOf} from '../../src/sandbox/aws-dialect.js'

export interface Refusal {
  /** The signing name (`ec2`, `s3`, `iam`...). */
  service: string
  method: string
  path: string
  status: number
  /** The error code and message moto answered with. */
  body: string
}

export interface RecordedCall {
  service: string
  /** The operation for the query and JSON protocols; for S3, the method and the path. */
  action: string
  status: number
  /** The access key that signed it (header or query signature): whose call it was. */
  accessKeyId: string
}

/** A query-signed request's service (its credential scope) and action (`Action=`). */
function presignedCall(req: IncomingMessage): {service: string; action: string} {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '')
  return {
    service: query.get('X-Amz-Credential')?.split('/')[3] ?? 'unknown',
    action: query.get('Action') ?? '',
  }
}

/** The access key id of a SigV4 request, signed in its Authorization header or its query. */
function signer(req: IncomingMessage): string {
  const header = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')
  if (header) return header[1]!
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('X-Amz-Credential')
  return query?.split('/')[0] ?? ''
}

export interface IamRecorderOptions {
  /** Where to listen. Default: 127.0.0.1 on a free port. */
  host?: string
  /** Serve HTTPS with this key and certificate (an instance's view of `*.amazonaws.com`). */
  tls?: {key: string; cert: string}
  /**
   * Where query-signed (presigned) requests go instead: moto neither authenticates nor identifies
   * them (test/support/sts-presign.ts stands in for that part of STS).
   */
  presignedTo?: string
}

export interface IamRecorder {
  endpoint: string
  /** Every refused request, in order. */
  refusals: Refusal[]
  /** Every request, in order. */
  calls: RecordedCall[]
  /** Requests forwarded. */
  count(): number
  stop(): Promise<void>
}

/** moto's refusals: AccessDenied (KMS's AccessDeniedException), EC2's UnauthorizedOperation, and a signature it could not match. */
const REFUSED =
  /AccessDenied|UnauthorizedOperation|not authorized to perform|SignatureDoesNotMatch|signature we calculated/

export async function startIamRecorder(
  target: string,
  options: IamRecorderOptions = {},
): Promise<IamRecorder> {
  const to = new URL(target)
  const refusals: Refusal[] = []
  const calls: RecordedCall[] = []
  let forwarded = 0
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      forwarded++
      const body = Buffer.concat(chunks)
      const presigned = !req.headers.authorization && /[?&]X-Amz-Signature=/.test(req.url ?? '')
      const upstream = presigned && options.presignedTo ? new URL(options.presignedTo) : to
      const up = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = []
          answer.on('data', (c: Buffer) => parts.push(c))
          answer.on('end', () => {
            const reply = Buffer.concat(parts)
            const status = answer.statusCode ?? 0
            const text = reply.toString('utf8')
            const call = presigned ? presignedCall(req) : parseCall(req, body)
            calls.push({
              service: call.service,
              action: call.action || `${req.method} ${(req.url ?? '').split('?')[0]}`,
              status,
              accessKeyId: signer(req),
            })
            if (status >= 400 && REFUSED.test(text)) {
              refusals.push({
                service: serviceOf(req),
                method: req.method ?? '',
                path: req.url ?? '',
                status,
                body: text.slice(0, 600),
              })
            }
            res.writeHead(status, answer.headers)
            res.end(reply)
          })
        },
      )
      up.on('error', (err) => {
        res.writeHead(502)
        res.end(String(err))
      })
      up.end(body)
    })
  }
  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle)
  const host = options.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    refusals,
    calls,
    count: () => forwarded,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
