/**
 * The API load balancer's stand-in: a TCP proxy on the bridge address, forwarding to the control
 * plane nodes' API servers, as the NLB forwards to its targets on AWS. Targets come from a file
 * read on each connection (the harness adds a node when it joins the control plane); a target that
 * refuses a connection is skipped, as a failed NLB health check takes it out.
 *
 * Run as `node lb.js <listen-host> <listen-port> <targets-file>`; it writes `<targets-file>.pid`.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {connect, createServer, type Socket} from 'node:net'

const [host, port, targetsFile] = process.argv.slice(2) as [string, string, string]
let next = 0

function targets(): string[] {
  try {
    return JSON.parse(readFileSync(targetsFile, 'utf8')) as string[]
  } catch {
    return []
  }
}

function dial(candidates: string[], attempt: number, client: Socket): void {
  if (attempt >= candidates.length) {
    client.destroy()
    return
  }
  const target = candidates[(next + attempt) % candidates.length]!
  const [targetHost, targetPort] = target.split(':') as [string, string]
  const upstream = connect({host: targetHost, port: Number(targetPort)})
  let connected = false
  upstream.once('connect', () => {
    connected = true
    next = (next + attempt + 1) % candidates.length
    client.pipe(upstream).pipe(client)
    client.resume()
  })
  upstream.on('error', () => {
    if (!connected) dial(candidates, attempt + 1, client)
    else client.destroy()
  })
  upstream.on('close', () => {
    if (connected) client.destroy()
  })
  client.once('close', () => upstream.destroy())
}

const server = createServer({pauseOnConnect: true}, (client) => {
  client.on('error', () => client.destroy())
  dial(targets(), 0, client)
})
server.listen(Number(port), host, () => writeFileSync(`${targetsFile}.pid`, String(process.pid)))
process.on('SIGTERM', () => process.exit(0))
