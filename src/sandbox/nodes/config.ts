/**
 * What a local node is made of, written by the harness as JSON next to the node's root and read
 * by the supervisor inside the node's namespaces.
 */

export interface NodeService {
  name: string
  /** systemd unit texts in order (unit, then drop-ins) — kforge's rendered units where they exist. */
  units: string[]
  /** Waits for this file before each start, as a crash-looping unit would until it appears. */
  waitFor?: string
}

export interface NodeConfig {
  name: string
  /** The node's own directory on the host; each path in `binds` is mounted from `root + path`. */
  root: string
  /** Host paths replaced inside the node by the node's own copy (directories or files). */
  binds: string[]
  /** Read-only binds from another host path: [source, target]. */
  readOnly: [string, string][]
  /** Every v1 controller gets `<cgroupParent>/system` for the node's own daemons. */
  cgroupParent: string
  /** Started at every boot, in order. */
  services: NodeService[]
  /**
   * An emulated instance (./instance.ts): the supervisor runs chrooted in the instance's own root,
   * which its boot script has mounted; it also runs the units enabled on that root's disk, and
   * `systemctl` loads units from the root's unit directories, as systemd does.
   */
  instance?: boolean
}
