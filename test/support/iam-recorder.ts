/**
 * A loopback proxy in front of an IAM-enforcing moto that notes every request moto refused.
 * kforge's own call log (KFORGE_AWS_CALL_LOG) says which actions a command called; only the
 * server side knows which of them were denied — a command may read a refusal as "not there"
 * (a bucket setting, a tag) and still exit 0, so a clean exit alone proves nothing. Requests are
 * forwarded byte for byte with their Host header, so moto's SigV4 check still sees what the
 * client signed.
 */
import {createServer, request} from 'node:http'
import {serviceOf} from '../../src/sandbox/aws-dialect.js'

export interface Refusal {
  /** The signing name (`ec2`, `s3`, `iam`...). */
  service: string
  method: string
  path: string
  status: number
  /** The error code and message moto answered with. */
  body: string
}

export interface IamRecorder {
  endpoint: string
  /** Every refused request, in order. */
  refusals: Refusal[]
  /** Requests forwarded. */
  count(): number
  stop(): Promise<void>
}

/** moto's refusals: AccessDenied (KMS's AccessDeniedException), EC2's UnauthorizedOperation, and a signature it could not match. */
const REFUSED =
  /AccessDenied|UnauthorizedOperation|not authorized to perform|SignatureDoesNotMatch|signature we calculated/

export async function startIamRecorder(target: string): Promise<IamRecorder> {
  const to = new URL(target)
  const refusals: Refusal[] = []
  let forwarded = 0
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      forwarded++
      const body = Buffer.concat(chunks)
      const up = request(
        {
          host: to.hostname,
          port: to.port,
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
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refusals,
    count: () => forwarded,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
