/**
 * A control-plane node for CLI tests: a root dir, a free API port on a loopback address, a
 * simulated kubelet watching the root dir, and a kubeadm config pointing `kforge init` at them.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {type CliResult, runKforge, tempDir} from '../cli.js'
import type {SimCluster} from './cluster.js'
import {SimNode} from './kubelet.js'
import {getFreePort} from './ports.js'

export const TEST_TOKEN = 'abcdef.0123456789abcdef'
/** Fast polls for the CLI under test (KFORGE_POLL_INTERVAL_MS). */
export const FAST = {KFORGE_POLL_INTERVAL_MS: '100'}

export interface NodeFixture {
  root: string
  port: number
  ip: string
  node: SimNode
  config: string
  server: string
  run(args: string[], input?: string): Promise<CliResult>
}

export interface NodeFixtureOptions {
  name: string
  ip?: string
  /** Extra InitConfiguration YAML lines (indented as top-level fields). */
  initExtra?: string
  /** /etc/kforge/node.yaml content (NodeBootstrap) */
  nodeBootstrap?: string
  /** Extra ClusterConfiguration lines; `{{ip}}` and `{{port}}` are replaced. */
  clusterExtra?: string
}

export async function controlPlaneNode(cluster: SimCluster, o: NodeFixtureOptions): Promise<NodeFixture> {
  const ip = o.ip ?? '127.0.0.1'
  const root = tempDir(`kforge-${o.name}-`)
  const port = await getFreePort(ip)
  const node = new SimNode(cluster, {rootDir: root, nodeName: o.name, nodeIP: ip})
  node.start()
  const config = join(root, 'kubeadm.yaml')
  writeFileSync(
    config,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: ${ip}, bindPort: ${port}}
nodeRegistration: {name: ${o.name}, ignorePreflightErrors: [all]}
bootstrapTokens: [{token: ${TEST_TOKEN}}]
${o.initExtra ?? ''}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.37.2
encryptionAlgorithm: ECDSA-P256
networking: {podSubnet: 192.168.0.0/16}
${(o.clusterExtra ?? '').replaceAll('{{ip}}', ip).replaceAll('{{port}}', String(port))}
`,
  )
  if (o.nodeBootstrap) {
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(join(root, 'etc/kforge/node.yaml'), o.nodeBootstrap)
  }
  return {
    root,
    port,
    ip,
    node,
    config,
    server: `https://${ip}:${port}`,
    run: (args, input) =>
      runKforge([...args, '--root-dir', root], {env: FAST, ...(input === undefined ? {} : {input})}),
  }
}

export async function waitUntil<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await Promise.resolve(check()).catch(() => undefined)
    if (v !== undefined && v !== false) return v as T
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
