/**
 * A real control plane without a kubelet, for contract tests: etcd, kube-apiserver and
 * kube-controller-manager from `npm run kube-assets`, run as plain processes on loopback with the
 * very flags, certificates and kubeconfigs kforge writes (`kforge init phase certs`, `kubeconfig`,
 * `control-plane`, `etcd`), only the node's paths moved under a temp root and the fixed ports
 * (2379/2380/2381, 10257) swapped for free ones so runs cannot collide. No scheduler and no kubelet:
 * nothing runs pods, which the API scenarios do not need. No root either.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'
import {findKubeAssets} from '../../src/sandbox/kube-assets/build.js'
import {MODULE_ROOT} from '../../src/sandbox/kube-assets/paths.js'
import {runKforge, tempDir} from './cli.js'
import {freePort} from './moto.js'

export interface RealApiServer {
  url: string
  /** The temp root: `<root>/etc/kubernetes/{super-admin.conf,pki/ca.crt,pki/ca.key,...}` */
  root: string
  caPem: string
  caKeyPem: string
  /** A cluster admin (system:masters) */
  adminKubeconfig: string
  /** How long etcd + apiserver + controller-manager took to serve /readyz. */
  startMs: number
  close(): Promise<void>
}

interface StaticPod {
  spec: {containers: {command: string[]}[]}
}

function command(root: string, component: string): string[] {
  const pod = parse(
    readFileSync(join(root, 'etc/kubernetes/manifests', `${component}.yaml`), 'utf8'),
  ) as StaticPod
  return pod.spec.containers[0]!.command
}

/** The node's absolute paths and fixed ports, moved into this run's root and ports. */
function relocate(args: string[], root: string, ports: Record<string, number>): string[] {
  return args.map((a) => {
    let out = a.replaceAll('/etc/kubernetes', join(root, 'etc/kubernetes'))
    out = out.replaceAll('/var/lib/etcd', join(root, 'var/lib/etcd'))
    for (const [from, to] of Object.entries(ports))
      out = out.replaceAll(`127.0.0.1:${from}`, `127.0.0.1:${to}`)
    return out
  })
}

/** `clusterConfiguration`: more ClusterConfiguration lines (YAML), e.g. the API server's extraArgs. */
export async function startRealApiServer(
  options: {clusterConfiguration?: string} = {},
): Promise<RealApiServer> {
  const t0 = Date.now()
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets) throw new Error('the Kubernetes assets are missing or out of date: run `npm run kube-assets`')
  const dir = tempDir('kforge-real-api-')
  const root = join(dir, 'root')
  const [apiPort, etcdClient, etcdPeer, etcdMetrics, kcmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  const config = join(dir, 'kubeadm.yaml')
  writeFileSync(
    config,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: 127.0.0.1, bindPort: ${apiPort}}
nodeRegistration: {name: contract, ignorePreflightErrors: [all]}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: ${assets.versions.kubernetes}
encryptionAlgorithm: ECDSA-P256
networking: {podSubnet: 192.168.0.0/16}
${options.clusterConfiguration ?? ''}`,
  )
  const phase = async (name: string) => {
    const r = await runKforge(['init', 'phase', name, '--config', config, '--root-dir', root])
    if (r.code !== 0) throw new Error(`kforge init phase ${name}: ${r.stderr}`)
  }
  await phase('certs')
  await Promise.all(['kubeconfig', 'control-plane', 'etcd'].map(phase))
  mkdirSync(join(root, 'var/lib/etcd'), {recursive: true, mode: 0o700})
  const ports = {'2379': etcdClient, '2380': etcdPeer, '2381': etcdMetrics}
  const procs: ChildProcess[] = []
  const logs = join(dir, 'logs')
  mkdirSync(logs)
  const run = (component: string, extra: string[] = []) => {
    const [binary, ...args] = relocate(command(root, component), root, ports)
    const out = openSync(join(logs, `${component}.log`), 'a')
    const child = spawn(join(assets.bin, binary!), [...args, ...extra], {stdio: ['ignore', out, out]})
    closeSync(out)
    procs.push(child)
  }
  run('etcd')
  // kube-apiserver refuses a loopback advertise address for the `kubernetes` Service's endpoints;
  // nothing here routes to that Service, so its reconciler is off
  run('kube-apiserver', ['--endpoint-reconciler-type=none'])
  // its health port is fixed at 10257 in the manifest (the flag's default): a free one here
  run('kube-controller-manager', [`--secure-port=${kcmPort}`])
  // super-admin.conf (O=system:masters): admin.conf's kubeadm:cluster-admins binding is made by
  // init's API phases, which this bare control plane never runs
  const adminKubeconfig = join(root, 'etc/kubernetes/super-admin.conf')
  const url = `https://127.0.0.1:${apiPort}`
  const caPem = readFileSync(join(root, 'etc/kubernetes/pki/ca.crt'), 'utf8')
  const stop = () =>
    Promise.all(
      [...procs].reverse().map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve()
            p.once('exit', () => resolve())
            p.kill('SIGTERM')
            setTimeout(() => p.kill('SIGKILL'), 5000).unref()
          }),
      ),
    )
  const server: RealApiServer = {
    url,
    root,
    caPem,
    caKeyPem: readFileSync(join(root, 'etc/kubernetes/pki/ca.key'), 'utf8'),
    adminKubeconfig,
    startMs: 0,
    // the root holds the cluster's CA key: nothing of it outlives the test
    close: async () => {
      await stop()
      rmSync(dir, {recursive: true, force: true})
    },
  }
  try {
    await waitReady(url, caPem, procs, logs)
  } catch (err) {
    await stop() // the logs stay for the error's reader
    throw err
  }
  server.startMs = Date.now() - t0
  return server
}

async function waitReady(url: string, caPem: string, procs: ChildProcess[], logs: string): Promise<void> {
  const {Agent, request} = await import('node:https')
  const agent = new Agent({ca: caPem})
  const deadline = Date.now() + 120_000
  for (;;) {
    const dead = procs.find((p) => p.exitCode !== null)
    if (dead) throw new Error(`${dead.spawnargs[0]} exited ${dead.exitCode}: see ${logs}`)
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(`${url}/readyz`, {agent, timeout: 2000}, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode === 200))
      })
      req.on('error', () => resolve(false))
      req.on('timeout', () => req.destroy())
      req.end()
    })
    if (ok) {
      agent.destroy()
      return
    }
    if (Date.now() > deadline) throw new Error(`kube-apiserver at ${url} not ready within 120 s: see ${logs}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
