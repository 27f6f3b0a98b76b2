/**
 * The local profile: every difference between a node on this machine and an EC2 instance, in one
 * place. What kforge renders for AWS is taken as it is and only these changes are applied:
 *
 * | what                 | EC2 (rendered)                         | local node                                   |
 * | -------------------- | -------------------------------------- | -------------------------------------------- |
 * | cgroups              | v2, systemd driver, systemd is PID 1   | host's v1 hierarchies, cgroupfs driver, a     |
 * |                      |                                        | cgroupRoot per node, `failCgroupV1: false`   |
 * | cloud provider       | kubelet `--cloud-provider=external`    | none (no cloud-controller-manager to remove  |
 * |                      | (the AWS CCM initialises the node)     | the uninitialized taint)                     |
 * | API endpoint         | NLB by DNS name                        | the same name in /etc/hosts, pointing at the |
 * |                      |                                        | TCP proxy on the bridge                      |
 * | container runtime    | containerd from the mirror, systemd    | Debian's containerd, cgroupfs, images        |
 * |                      | cgroups                                | imported, never pulled                       |
 * | DNS upstream         | the VPC resolver                       | none reachable (an address nobody serves)    |
 * | OOM score of pods    | kubelet's (-997/-998 for critical pods)| capped at containerd's (no CAP_SYS_RESOURCE) |
 */
import {parseAllDocuments, stringify} from 'yaml'
import {PAUSE_VERSION} from '../../api/versions.js'
import {BRIDGE_ADDRESS} from './network.js'

type Doc = Record<string, unknown>

function withoutCloudProvider(args: unknown): unknown {
  return Array.isArray(args) ? args.filter((a) => (a as {name?: string}).name !== 'cloud-provider') : args
}

export interface LocalNodeFacts {
  name: string
  cgroupRoot: string
}

/**
 * kforge's rendered kubeadm config for a group, adapted to a local node. The cgroup root is the
 * node's own (a kubelet flag, since the KubeletConfiguration is cluster-wide: init uploads it and
 * every join downloads it, kforge's and upstream kubeadm's alike).
 */
export function localKubeadmConfig(rendered: string, node: LocalNodeFacts): string {
  const docs = parseAllDocuments(rendered).map((d) => d.toJSON() as Doc)
  for (const doc of docs) {
    const registration = doc.nodeRegistration as Doc | undefined
    if (registration) {
      registration.name = node.name
      registration.kubeletExtraArgs = [
        ...(withoutCloudProvider(registration.kubeletExtraArgs) as unknown[]),
        ...localKubeletArgs(node),
      ]
    }
  }
  if (docs.some((d) => d.kind === 'InitConfiguration')) docs.push(LOCAL_KUBELET_CONFIGURATION)
  return docs.map((d) => stringify(d, {lineWidth: 0})).join('---\n')
}

export function localKubeletArgs(node: LocalNodeFacts): {name: string; value: string}[] {
  return [{name: 'cgroup-root', value: node.cgroupRoot}]
}

/** The cluster-wide kubelet settings every local node needs. */
export const LOCAL_KUBELET_CONFIGURATION: Doc = {
  apiVersion: 'kubelet.config.k8s.io/v1beta1',
  kind: 'KubeletConfiguration',
  cgroupDriver: 'cgroupfs',
  // these hosts are cgroup v1 (hybrid); kubelets since 1.35 refuse v1 unless told otherwise
  failCgroupV1: false,
  // the host's disks are shared by every node: pressure on one is not this node's to act on
  evictionHard: {'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%'},
  imageGCHighThresholdPercent: 100,
}

export function containerdConfig(): string {
  return `# containerd for a local kforge node: cgroupfs (no systemd as PID 1), images imported, never pulled
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:${PAUSE_VERSION}"
  # this host withholds CAP_SYS_RESOURCE: a critical pod's negative oom_score_adj (-997/-998) would
  # fail runc's init ("can't get final child's PID from pipe"); cap it at containerd's own
  restrict_oom_score_adj = true

[plugins."io.containerd.grpc.v1.cri".containerd]
  snapshotter = "overlayfs"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = false

[plugins."io.containerd.grpc.v1.cri".cni]
  bin_dir = "/opt/cni/bin"
  conf_dir = "/etc/cni/net.d"
`
}

export const CONTAINERD_UNIT = `[Service]
ExecStart=/usr/bin/containerd --config /etc/containerd/config.toml
Restart=always
RestartSec=2
`

export function hostsFile(node: string, address: string, apiName: string): string {
  return `127.0.0.1 localhost\n${address} ${node}\n${BRIDGE_ADDRESS} ${apiName}\n`
}

/** An upstream that never answers: pods resolve cluster names only, as nothing else is reachable. */
export const RESOLV_CONF = `nameserver ${BRIDGE_ADDRESS}\noptions timeout:1 attempts:1\n`

/**
 * `systemctl` on a local node (there is no systemd as PID 1): its arguments go to the node's
 * supervisor through /run/kforge/systemctl, which answers with systemctl's exit code and output
 * (start, stop, restart, enable, disable, daemon-reload, is-active, is-enabled; anything else fails,
 * as an unknown verb would). A oneshot unit's start waits for the unit to run, as systemctl does.
 */
export const SYSTEMCTL_SHIM = `#!/bin/sh
# kforge local node: systemctl, answered by the node's supervisor
dir=/run/kforge/systemctl
mkdir -p "$dir"
printf '%s\\n' "$@" >"$dir/$$.tmp" && mv "$dir/$$.tmp" "$dir/$$.req"
i=0
while [ ! -e "$dir/$$.rc" ] && [ $i -lt 1800 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -e "$dir/$$.rc" ]; then rm -f "$dir/$$.req"; echo "systemctl: the node supervisor did not answer" >&2; exit 1; fi
cat "$dir/$$.out" 2>/dev/null
rc=$(cat "$dir/$$.rc")
rm -f "$dir/$$.rc" "$dir/$$.out"
exit "$rc"
`

/**
 * The `net.*` settings of kforge's rendered sysctl.conf, which belong to the node's own network
 * namespace; the others are the host's, and a local node never changes them.
 */
export function namespacedSysctls(rendered: string): [string, string][] {
  const out: [string, string][] = []
  for (const line of rendered.split('\n')) {
    const m = /^\s*(net\.[\w.-]+)\s*=\s*(\S+)\s*$/.exec(line)
    if (m) out.push([m[1]!, m[2]!])
  }
  return out
}
