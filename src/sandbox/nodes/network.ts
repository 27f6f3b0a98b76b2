/**
 * The local nodes' network: one bridge on the host and, per node, a network namespace joined to it
 * by a veth pair with the node's own address. Everything lives in namespaces and addresses this
 * project makes; nothing is routed off the machine.
 */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

export const BRIDGE = 'kforge0'
/** The host's end of the bridge: the API load balancer's stand-in listens here. */
export const BRIDGE_ADDRESS = '10.250.0.1'
const PREFIX = 24

export function ip(args: string[]): string {
  return execFileSync('ip', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

function quietly(args: string[]): void {
  try {
    ip(args)
  } catch {
    // absent already: removal is idempotent
  }
}

export function nodeAddress(index: number): string {
  return `10.250.0.${10 + index}`
}

export function netnsName(node: string): string {
  return `kforge-${node}`
}

/** Linux interface names are at most 15 bytes. */
function vethName(node: string): string {
  return `kfv-${node}`.slice(0, 15)
}

export function ensureBridge(): void {
  if (!existsSync(`/sys/class/net/${BRIDGE}`)) {
    ip(['link', 'add', BRIDGE, 'type', 'bridge'])
    ip(['addr', 'add', `${BRIDGE_ADDRESS}/${PREFIX}`, 'dev', BRIDGE])
  }
  ip(['link', 'set', BRIDGE, 'up'])
}

/**
 * `on`: the node's own subnet on the bridge, when it is not the bridge's (an emulated EC2 instance
 * keeps the private address the emulator gave it; the host takes the subnet's first address, the
 * VPC router's, as the node's gateway: ensureGateway).
 */
export function createNodeNetwork(
  node: string,
  address: string,
  on: {prefix: number; gateway: string} = {prefix: PREFIX, gateway: BRIDGE_ADDRESS},
): void {
  const ns = netnsName(node)
  removeNodeNetwork(node)
  ip(['netns', 'add', ns])
  const host = vethName(node)
  ip(['link', 'add', host, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns])
  ip(['link', 'set', host, 'master', BRIDGE, 'up'])
  ip(['-n', ns, 'addr', 'add', `${address}/${on.prefix}`, 'dev', 'eth0'])
  ip(['-n', ns, 'link', 'set', 'eth0', 'up'])
  ip(['-n', ns, 'link', 'set', 'lo', 'up'])
  // The default route makes the node's address the one kubelet and kubeadm pick, as on EC2.
  ip(['-n', ns, 'route', 'add', 'default', 'via', on.gateway])
}

/** The host's address in a node subnet other than the bridge's (`10.0.1.1/24`), added once. */
export function ensureGateway(addressWithPrefix: string): void {
  const present = ip(['-br', 'addr', 'show', 'dev', BRIDGE])
  if (!present.split(/\s+/).includes(addressWithPrefix)) ip(['addr', 'add', addressWithPrefix, 'dev', BRIDGE])
}

export function removeGateway(addressWithPrefix: string): void {
  quietly(['addr', 'del', addressWithPrefix, 'dev', BRIDGE])
}

export function removeNodeNetwork(node: string): void {
  quietly(['netns', 'del', netnsName(node)])
  quietly(['link', 'del', vethName(node)])
}

export function removeBridgeIfUnused(): void {
  if (!existsSync(`/sys/class/net/${BRIDGE}/brif`)) return
  try {
    const ports = execFileSync('ls', [`/sys/class/net/${BRIDGE}/brif`], {encoding: 'utf8'}).trim()
    if (ports === '') quietly(['link', 'del', BRIDGE])
  } catch {
    // the bridge went away meanwhile
  }
}

/** Node namespaces left by an earlier run (killed tests, a crashed harness). */
export function staleNodeNamespaces(): string[] {
  try {
    return ip(['netns', 'list'])
      .split('\n')
      .map((l) => l.split(' ')[0]!)
      .filter((n) => n.startsWith('kforge-'))
  } catch {
    return []
  }
}
