/**
 * The etcd calls a joining control plane needs, over etcd's v3 JSON gateway (the same API
 * `etcdctl` speaks over gRPC): list members, add a member. Mutual TLS with the etcd CA and the
 * API server's etcd client certificate, as kubeadm does (etcdutil.NewFromCluster). Endpoints are
 * tried in order; the first that answers wins.
 */
import {request as httpRequest} from 'node:http'
import {request as httpsRequest} from 'node:https'
import {KforgeError} from '../util/errors.js'

export interface EtcdMember {
  ID: string
  name?: string
  peerURLs?: string[]
  clientURLs?: string[]
}

export interface EtcdTls {
  ca: Buffer
  cert: Buffer
  key: Buffer
}

export class EtcdClient {
  constructor(
    readonly endpoints: readonly string[],
    private readonly tls: EtcdTls,
    private readonly timeoutMs = 10_000,
  ) {
    if (endpoints.length === 0)
      throw new KforgeError('etcd: no client endpoints known for the existing cluster')
  }

  private post<T>(endpoint: string, path: string, body: unknown, method = 'POST'): Promise<T> {
    const payload = Buffer.from(method === 'POST' ? JSON.stringify(body) : '')
    const url = new URL(path, endpoint)
    // http: a loopback test member; every kforge member speaks https with client certificates.
    const request = url.protocol === 'http:' ? httpRequest : httpsRequest
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          ...(url.protocol === 'https:' ? this.tls : {}),
          headers: {'Content-Type': 'application/json', 'Content-Length': payload.length},
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            if (res.statusCode !== 200) {
              let msg = text
              try {
                msg = (JSON.parse(text) as {message?: string; error?: string}).message ?? msg
              } catch {}
              reject(new KforgeError(`etcd ${endpoint}${path}: HTTP ${res.statusCode}: ${msg}`))
              return
            }
            resolve(JSON.parse(text) as T)
          })
        },
      )
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)))
      req.on('error', (err) => reject(new KforgeError(`etcd ${endpoint}: ${err.message}`)))
      req.end(payload)
    })
  }

  private async any<T>(path: string, body: unknown): Promise<T> {
    const errors: string[] = []
    for (const e of this.endpoints) {
      try {
        return await this.post<T>(e, path, body)
      } catch (err) {
        errors.push((err as Error).message)
        if (
          !/ECONNREFUSED|EHOSTUNREACH|ETIMEDOUT|no answer|socket hang up|ECONNRESET/.test(
            (err as Error).message,
          )
        )
          break
      }
    }
    throw new KforgeError(errors.join('; '))
  }

  async memberList(): Promise<EtcdMember[]> {
    return (await this.any<{members?: EtcdMember[]}>('/v3/cluster/member/list', {})).members ?? []
  }

  /** The cluster's id (decimal), from the header of a member list. */
  async clusterId(): Promise<string> {
    const r = await this.any<{header?: {cluster_id?: string}}>('/v3/cluster/member/list', {})
    const id = r.header?.cluster_id
    if (!id) throw new KforgeError('etcd: the member list carries no cluster id')
    return id
  }

  /** Adds a voting member; returns the member list etcd reports after the change. */
  async memberAdd(peerURL: string): Promise<{member: EtcdMember; members: EtcdMember[]}> {
    const r = await this.any<{member: EtcdMember; members?: EtcdMember[]}>('/v3/cluster/member/add', {
      peerURLs: [peerURL],
    })
    return {member: r.member, members: r.members ?? []}
  }

  async memberRemove(id: string): Promise<EtcdMember[]> {
    return (await this.any<{members?: EtcdMember[]}>('/v3/cluster/member/remove', {ID: id})).members ?? []
  }

  /** Moves a member to new peer URLs (a member resuming from its data on another address). */
  async memberUpdate(id: string, peerURLs: string[]): Promise<EtcdMember[]> {
    return (
      (await this.any<{members?: EtcdMember[]}>('/v3/cluster/member/update', {ID: id, peerURLs})).members ??
      []
    )
  }

  /**
   * Whether the member at `clientURL` answers `GET /health` at all (healthy or not): a member
   * whose instance is gone does not; one that answers is alive and must not be removed.
   */
  async answers(clientURL: string): Promise<boolean> {
    try {
      await this.post<unknown>(clientURL, '/health', undefined, 'GET')
      return true
    } catch (err) {
      // An HTTP error status is an answer; a refused or timed-out connection is not.
      return /HTTP \d+/.test((err as Error).message)
    }
  }
}
