/**
 * One simulated cluster: the store (etcd), the API server instances serving it over HTTPS, and
 * the controllers of kube-controller-manager and kube-scheduler. Controllers run only while some
 * controller-manager (scheduler) instance is up — a pod run by a simulated kubelet, or the
 * always-on instance of a standalone double — so pivoting those components is observable.
 */
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {syncBootstrapSigner, syncTokenCleaner} from './controllers/bootstrap-signer.js'
import {syncCsrs} from './controllers/csr.js'
import {syncDaemonSets, syncScheduler} from './controllers/daemonset.js'
import {syncDisruptionBudgets} from './controllers/disruption.js'
import {EtcdCluster} from './etcd.js'
import {type AuditEntry, createHandler} from './handler.js'
import type {Signer} from './pki.js'
import {seedBootstrapPolicy} from './rbac.js'
import {Store} from './store.js'

export interface ApiServerOptions {
  host: string
  /** 0 picks a free port */
  port: number
  certPem: string | Buffer
  keyPem: string | Buffer
  /** --client-ca-file: client certificates verified against this bundle */
  clientCaPem: string | Buffer
  /**
   * --permit-port-sharing: SO_REUSEPORT, so a second API server may bind a port the first holds
   * when both set it (the kernel spreads connections over both; here the first keeps serving).
   */
  permitPortSharing?: boolean
}

export interface ApiServerInstance {
  readonly url: string
  readonly host: string
  readonly port: number
  /** Swap the serving certificate for new connections (kube-apiserver reloads --tls-cert-file). */
  reloadServingCert(certPem: string | Buffer, keyPem: string | Buffer, clientCaPem: string | Buffer): void
  close(): Promise<void>
}

export interface ClusterOptions {
  /** Default: v1.37.2 (kforge's default Kubernetes version) */
  version?: string
  /** Controller loop period for time-based work (token expiry). Default: 100 ms */
  tickMs?: number
}

export class SimCluster {
  readonly store = new Store()
  /** etcd's membership, shared by the etcd pods of every node */
  readonly etcd = new EtcdCluster()
  /** false: etcd has lost its quorum; the API servers' etcd health checks fail. */
  etcdQuorum = true
  readonly audit: AuditEntry[] = []
  readonly version: {major: string; minor: string; gitVersion: string}
  private readonly servers = new Map<string, ApiServerInstance>()
  /** Every listening host:port, with how many API servers hold it (more than one: port sharing). */
  private readonly shared = new Map<
    string,
    {holders: number; sharing: boolean; close: () => Promise<void>; instance: ApiServerInstance}
  >()
  private readonly controllerManagers = new Map<string, Signer | undefined>()
  private readonly schedulers = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private syncing = false
  private dirty = false
  private closed = false
  /** Errors from controllers, kept for tests to inspect instead of crashing the loop. */
  readonly controllerErrors: string[] = []

  constructor(options: ClusterOptions = {}) {
    const v = /^v(\d+)\.(\d+)/.exec(options.version ?? 'v1.37.2')!
    this.version = {major: v[1]!, minor: v[2]!, gitVersion: options.version ?? 'v1.37.2'}
    seedBootstrapPolicy(this.store)
    this.store.on('change', () => this.kick())
    this.timer = setInterval(() => this.kick(), options.tickMs ?? 100)
    this.timer.unref()
  }

  async startApiServer(options: ApiServerOptions): Promise<ApiServerInstance> {
    const held = this.shared.get(`${options.host}:${options.port}`)
    if (options.port !== 0 && held) {
      if (!options.permitPortSharing || !held.sharing) {
        throw new Error(`listen EADDRINUSE: address already in use ${options.host}:${options.port}`)
      }
      held.holders++
      let closed = false
      return {
        ...held.instance,
        close: async () => {
          if (closed) return
          closed = true
          if (--held.holders === 0) await held.close()
        },
      }
    }
    const handler = createHandler({
      store: this.store,
      audit: this.audit,
      version: this.version,
      ready: () => true,
      etcdHealthy: () => this.etcdQuorum,
    })
    const server: Server = createServer(
      {
        cert: options.certPem,
        key: options.keyPem,
        ca: options.clientCaPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      handler,
    )
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const port = (server.address() as AddressInfo).port
    const host = options.host
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`
    const key = `${host}:${port}`
    const closeServer = () =>
      new Promise<void>((resolve) => {
        this.servers.delete(key)
        this.shared.delete(key)
        server.close(() => resolve())
        server.closeAllConnections()
      })
    const entry = {
      holders: 1,
      sharing: options.permitPortSharing === true,
      close: closeServer,
      instance: undefined as unknown as ApiServerInstance,
    }
    let closed = false
    const instance: ApiServerInstance = {
      url,
      host,
      port,
      reloadServingCert: (cert, key, ca) => server.setSecureContext({cert, key, ca}),
      close: async () => {
        if (closed) return
        closed = true
        if (--entry.holders === 0) await closeServer()
      },
    }
    entry.instance = instance
    this.shared.set(key, entry)
    this.servers.set(key, instance)
    return instance
  }

  /** An API server is listening at this URL's host:port. */
  reachable(url: string): boolean {
    const u = new URL(url)
    return this.servers.has(`${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || '443'}`)
  }

  get apiServers(): ApiServerInstance[] {
    return [...this.servers.values()]
  }

  addControllerManager(id: string, signingCa: Signer | undefined): void {
    this.controllerManagers.set(id, signingCa)
    this.kick()
  }
  removeControllerManager(id: string): void {
    this.controllerManagers.delete(id)
  }
  addScheduler(id: string): void {
    this.schedulers.add(id)
    this.kick()
  }
  removeScheduler(id: string): void {
    this.schedulers.delete(id)
  }

  get controllersRunning(): boolean {
    return this.controllerManagers.size > 0
  }

  /** Run the controllers soon; coalesces bursts of store events into one pass. */
  kick(): void {
    if (this.closed) return
    if (this.syncing) {
      this.dirty = true
      return
    }
    this.syncing = true
    setImmediate(() => {
      this.syncOnce()
        .catch((err) => {
          if (this.controllerErrors.length < 100) this.controllerErrors.push(String(err))
        })
        .finally(() => {
          this.syncing = false
          if (this.dirty) {
            this.dirty = false
            this.kick()
          }
        })
    })
  }

  private async syncOnce(): Promise<void> {
    if (this.controllerManagers.size > 0) {
      const leader = [...this.controllerManagers.values()][0]
      syncTokenCleaner(this.store)
      syncBootstrapSigner(this.store)
      syncDaemonSets(this.store)
      syncDisruptionBudgets(this.store)
      await syncCsrs(this.store, leader)
    }
    if (this.schedulers.size > 0) syncScheduler(this.store)
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await Promise.all([...this.servers.values()].map((s) => s.close()))
  }
}
