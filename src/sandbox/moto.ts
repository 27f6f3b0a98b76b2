/**
 * Starts the real AWS API emulator, moto server (`python3 -m moto.server`), on a free loopback
 * port and waits until it answers. Used by the test suite's globalSetup and by `npm run demo`
 * (so it lives in src/, where the compiled demo can load it). Loopback only, always.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer} from 'node:net'
import {MOTO_CFN_FIXES} from './moto-cfn.js'

export interface MotoServer {
  endpoint: string
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Its dashboard is not an AWS action, so asking it spends none of an enforcing moto's free requests. */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, {signal: AbortSignal.timeout(1000)})
    return res.status < 500
  } catch {
    return false
  }
}

/**
 * `python3 -m moto.server`, with one fix: moto 5.2 keeps the UserData of CreateLaunchTemplateVersion
 * unparsed and then fails an assertion (HTTP 500) whenever an auto-scaling group launches from such
 * a version — TerminateInstanceInAutoScalingGroup, DetachInstances, SetDesiredCapacity — so no
 * rolling update could ever get a replacement. CreateLaunchTemplate parses it; this parses it the
 * same way on first use. And, with IAM enforced, moto recomputes a request's SigV4 signature over
 * a query string it has already decoded, so every S3 list with a `prefix=kforge%2F...` failed
 * SignatureDoesNotMatch; the fix encodes the query canonically (SigV4's rule) before signing.
 * Each is skipped if moto's internals move.
 */
const MOTO_MAIN = `
import sys
try:
    from moto.core.types import Base64EncodedString
    from moto.ec2.models.launch_templates import LaunchTemplateVersion
    _user_data = LaunchTemplateVersion.user_data
    def _parsed_user_data(self):
        value = self.data.get("UserData")
        if isinstance(value, str):
            self.data["UserData"] = Base64EncodedString(value)
        return _user_data.fget(self)
    LaunchTemplateVersion.user_data = property(_parsed_user_data)
except Exception as err:
    print("moto launch template user-data fix not applied:", err, file=sys.stderr)
try:
    from urllib.parse import quote, unquote, urlsplit, urlunsplit
    from moto.iam.access_control import IAMRequestBase
    _aws_request = IAMRequestBase._create_aws_request
    def _canonical_query_request(self):
        request = _aws_request(self)
        parts = urlsplit(request.url)
        if parts.query:
            enc = lambda x: quote(unquote(x), safe="-_.~")
            pairs = [p.partition("=") for p in parts.query.split("&")]
            request.url = urlunsplit(parts._replace(query="&".join(enc(k) + "=" + enc(v) for k, _, v in pairs)))
        return request
    IAMRequestBase._create_aws_request = _canonical_query_request
except Exception as err:
    print("moto signature query fix not applied:", err, file=sys.stderr)
${MOTO_CFN_FIXES}
from moto.server import main
main(sys.argv[1:])
`

export interface MotoOptions {
  timeoutMs?: number
  /** Extra environment for moto (INITIAL_NO_AUTH_ACTION_COUNT turns IAM enforcement on). */
  env?: Record<string, string>
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn('python3', ['-c', MOTO_MAIN, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false', ...options.env},
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000)
  })
  let exited = false
  child.on('exit', () => {
    exited = true
  })

  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  while (!(await answers(endpoint))) {
    if (exited) throw new Error(`moto server exited before answering on ${endpoint}:\n${stderr}`)
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`moto server did not answer on ${endpoint} in time:\n${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 150))
  }

  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => {
          if (!exited) child.kill('SIGKILL')
        }, 5000).unref()
      }),
  }
}

/** Reset every service's state in the emulator (between test files that need a clean account). */
export async function resetMoto(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/moto-api/reset`, {method: 'POST'})
}
