/**
 * etcd as the simulated kubelet runs it: cluster membership (shared by every node of a
 * SimCluster, like the real raft state) and the v3 JSON gateway's member endpoints over mutual
 * TLS on the `--advertise-client-urls` address — what `kubeadm join --control-plane` (and kforge)
 * call to add a member. No key-value store: the API double keeps its objects itself.
 */
import {randomBytes} from 'node:crypto'
import {createServer} from 'node:https'

export interface EtcdMember {
  ID: string
  name: string
  peerURLs: string[]
  clientURLs: string[]
  isLearner?: boolean
}

export class EtcdCluster {
  readonly members: EtcdMember[] = []
  readonly clusterId = BigInt(`0x${randomBytes(8).toString('hex')}`).toString()

  /** A member process starting: `new` bootstraps an empty cluster; `existing` must have been added. */
  start(name: string, peerURL: string, clientURLs: string[], state: string): void {
    const known = this.members.find((m) => m.peerURLs.includes(peerURL))
    if (known) {
      known.name = name
      known.clientURLs = clientURLs
      return
    }
    if (state === 'existing')
      throw new Error(
        `error validating peerURLs: member ${peerURL} has not been added to the cluster (etcdctl member add first)`,
      )
    if (this.members.length > 0)
      throw new Error(
        'member count is unequal: this node would bootstrap a second, separate cluster (use --initial-cluster-state=existing)',
      )
    this.members.push({ID: newId(), name, peerURLs: [peerURL], clientURLs})
  }

  add(peerURLs: string[]): EtcdMember {
    if (this.members.some((m) => m.peerURLs.some((u) => peerURLs.includes(u))))
      throw new Error('etcdserver: Peer URLs already exists')
    const m: EtcdMember = {ID: newId(), name: '', peerURLs, clientURLs: []}
    this.members.push(m)
    return m
  }

  remove(id: string): void {
    const i = this.members.findIndex((m) => m.ID === id)
    if (i < 0) throw new Error('etcdserver: member not found')
    this.members.splice(i, 1)
  }
}

function newId(): string {
  return BigInt(`0x${randomBytes(8).toString('hex')}`).toString()
}

export async function serveEtcd(
  etcd: EtcdCluster,
  memberId: () => string,
  listen: {host: string; port: number},
  tls: {cert: Buffer; key: Buffer; ca: Buffer},
): Promise<{close(): Promise<void>}> {
  const server = createServer(
    {cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true},
    (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const header = {cluster_id: etcd.clusterId, member_id: memberId(), raft_term: '2'}
        const send = (code: number, body: unknown) => {
          res.writeHead(code, {'Content-Type': 'application/json'})
          res.end(JSON.stringify(body))
        }
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
            peerURLs?: string[]
            ID?: string
          }
          if (req.url === '/health') return send(200, {health: 'true', reason: ''})
          if (req.method !== 'POST') return send(405, {error: 'method not allowed', code: 12})
          switch (req.url) {
            case '/v3/cluster/member/list':
              return send(200, {header, members: etcd.members})
            case '/v3/cluster/member/add': {
              const member = etcd.add(body.peerURLs ?? [])
              return send(200, {header, member, members: etcd.members})
            }
            case '/v3/cluster/member/remove':
              etcd.remove(String(body.ID))
              return send(200, {header, members: etcd.members})
            default:
              return send(404, {error: 'Not Found', code: 5})
          }
        } catch (err) {
          send(400, {error: (err as Error).message, code: 9, message: (err as Error).message})
        }
      })
    },
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(listen.port, listen.host, () => resolve())
  })
  return {close: () => new Promise<void>((r) => server.close(() => r()))}
}
