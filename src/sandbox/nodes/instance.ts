/**
 * An emulated EC2 instance: a local node that boots the way an instance does, from its own
 * user-data, with Debian's cloud-init, on a root disk of its own.
 *
 * - **Root disk.** An overlay whose lower layer is this machine's root (the "AMI": Debian with
 *   cloud-init, curl, the host tools) and whose upper layer is the instance's own directory, so
 *   it survives a reboot and goes when the instance is terminated. Nothing the boot writes reaches
 *   the host.
 * - **Network.** A namespace on the local nodes' bridge with the private address the emulator gave
 *   the instance, in its subnet; the host holds the subnet's router address. 169.254.169.254:80 is
 *   DNATed to the instance's IMDSv2 stand-in; the AWS endpoints resolve (the image's /etc/hosts)
 *   to the bridge, where a TLS front forwards to the emulator.
 * - **Init.** The node supervisor (./supervisor.ts), chrooted in the root, stands in for systemd:
 *   it runs cloud-init at boot and the units `systemctl enable` linked, and answers `systemctl`.
 * - **Devices.** /dev is the instance's own (a tmpfs with the character devices a boot needs), so
 *   volumes attached to it (./ebs.ts) appear as its own NVMe devices.
 *
 * What the image adds to Debian is the local profile (./profile.ts) and nothing of kforge's: a
 * containerd drop-in (cgroupfs, images imported from the kube assets, as a pre-baked AMI carries
 * them), a kubelet configuration drop-in (cgroupfs, the node's cgroup root, no cgroup v1 refusal),
 * and shims for what a namespace lacks (systemctl, hostnamectl, modprobe). The user-data is
 * executed byte for byte.
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {stringify} from 'yaml'
import {distFile} from '../dist-path.js'
import type {NodeConfig} from './config.js'
import {BRIDGE_ADDRESS, createNodeNetwork, netnsName, removeNodeNetwork} from './network.js'
import {type LocalNode, spawnNodeInit, stopNode} from './node.js'
import {containerdConfig, LOCAL_KUBELET_CONFIGURATION, RESOLV_CONF, SYSTEMCTL_SHIM} from './profile.js'

/** The supervisor's directory on the host; the instance sees it at SUPERVISOR_DIR. */
const SUPERVISOR_HOST_DIR = dirname(distFile('sandbox/nodes/supervisor.js'))

export interface InstanceOptions {
  /** Short name: the network namespace is `kforge-<name>`. */
  name: string
  /** Host directory of the instance: its root disk (`upper`) and boot files. */
  dir: string
  instanceId: string
  /** The private address the emulator gave it, and its subnet's prefix length and router. */
  address: string
  prefix: number
  gateway: string
  /** The user-data bytes as EC2 holds them. */
  userData: Buffer
  /** The port on the bridge address the instance's IMDS stand-in listens on. */
  imdsPort: number
  /** Names the instance resolves to the bridge address (AWS endpoints, the API load balancer). */
  bridgeHosts: string[]
  /** `443` on the bridge address is DNATed here (the TLS front to the emulator). */
  awsPort: number
  /** PEM of the CA of the front's certificate: added to the image's trust store. */
  caPem: string
  /** The images every node of this image carries (kube assets' images.tar). */
  imagesTar: string
  /** cgroup parent of everything the instance runs. */
  cgroupParent: string
}

export interface Instance extends LocalNode {
  instanceId: string
  dir: string
}

const CLOUD_CFG = `# kforge emulated instance: NoCloud, and the modules kforge's user-data uses
datasource_list: [NoCloud]
# the instance's network is the namespace's, set up before it boots
network: {config: disabled}
cloud_init_modules: [write_files]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts_user]
`

const HOSTNAMECTL = `#!/bin/sh
# kforge emulated instance: no systemd-hostnamed; set-hostname as it does (the name and /etc/hostname)
echo "hostnamectl $*" >>/var/log/kforge-shims.log
[ "$1" = set-hostname ] || exit 0
hostname "$2" && echo "$2" >/etc/hostname
`

const MODPROBE = `#!/bin/sh
# kforge emulated instance: the host kernel has what kforge loads built in; this image has no kmod
echo "modprobe $*" >>/var/log/kforge-shims.log
exit 0
`

const SYSTEMCTL = SYSTEMCTL_SHIM.replace(
  '#!/bin/sh\n',
  '#!/bin/sh\necho "systemctl $*" >>/var/log/kforge-shims.log\n',
)

const IMAGE_DIR = '/usr/lib/kforge-image'
/**
 * Where the instance sees what the image takes from the machine that built it (bind-mounted by the
 * boot script): the host's /tmp is not the instance's (it gets a tmpfs of its own), and a checkout
 * or an asset cache may live there.
 */
const SUPERVISOR_DIR = `${IMAGE_DIR}/supervisor`
const IMAGES_DIR = `${IMAGE_DIR}/images`

/** containerd with the local profile's config, and the image's pre-baked images imported once. */
function containerdStart(imagesTar: string): string {
  const inImage = `${IMAGES_DIR}/${basename(imagesTar)}`
  return `#!/bin/sh
/usr/local/bin/containerd --config ${IMAGE_DIR}/containerd.toml &
pid=$!
trap 'kill -TERM $pid' TERM INT
if [ ! -e /var/lib/containerd/.kforge-image-imported ]; then
  i=0
  until ctr --address /run/containerd/containerd.sock version >/dev/null 2>&1 || [ $i -ge 300 ]; do sleep 0.2; i=$((i + 1)); done
  ctr --address /run/containerd/containerd.sock -n k8s.io images import ${inImage} && : >/var/lib/containerd/.kforge-image-imported
fi
wait $pid
`
}

const CONTAINERD_DROPIN = `# kforge image: containerd with the local profile (cgroupfs), images imported from the image
[Service]
ExecStart=
ExecStart=/bin/sh ${IMAGE_DIR}/containerd-start.sh
`

function imageFiles(o: InstanceOptions): Record<string, string | Buffer> {
  const kubeletDropIn = {...LOCAL_KUBELET_CONFIGURATION, cgroupRoot: o.cgroupParent}
  return {
    '/etc/cloud/cloud.cfg.d/99-kforge-image.cfg': CLOUD_CFG,
    '/var/lib/cloud/seed/nocloud/user-data': o.userData,
    '/var/lib/cloud/seed/nocloud/meta-data': `instance-id: ${o.instanceId}\nlocal-hostname: ${o.instanceId}\n`,
    '/etc/hosts': `127.0.0.1 localhost\n${o.bridgeHosts.map((h) => `${BRIDGE_ADDRESS} ${h}`).join('\n')}\n`,
    '/etc/resolv.conf': RESOLV_CONF,
    '/etc/ssl/certs/ca-certificates.crt': `${readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')}${o.caPem}`,
    [`${IMAGE_DIR}/ca.crt`]: o.caPem,
    [`${IMAGE_DIR}/containerd.toml`]: containerdConfig(),
    [`${IMAGE_DIR}/containerd-start.sh`]: containerdStart(o.imagesTar),
    '/usr/lib/systemd/system/containerd.service.d/90-kforge-image.conf': CONTAINERD_DROPIN,
    // /etc/default/kubelet is the unit's place for local overrides
    '/etc/default/kubelet': `KUBELET_EXTRA_ARGS="--config-dir=${IMAGE_DIR}/kubelet.conf.d"\n`,
    [`${IMAGE_DIR}/kubelet.conf.d/50-local.conf`]: stringify(kubeletDropIn),
    '/usr/local/sbin/systemctl': SYSTEMCTL,
    '/usr/local/sbin/hostnamectl': HOSTNAMECTL,
    '/usr/local/sbin/modprobe': MODPROBE,
  }
}

const EXECUTABLE = /\/usr\/local\/sbin\/|\.sh$/

/** Runs in the instance's network namespace with mounts of its own: its root, then its init. */
const BOOT_SCRIPT = `set -eu
D=$1
U=$D/upper W=$D/work M=$D/root
mkdir -p "$U" "$W" "$M"
mount -t overlay overlay -o lowerdir=/,upperdir="$U",workdir="$W" "$M"
# containerd's overlay snapshots cannot live on the overlay root: its part of the disk is a plain directory
mkdir -p "$D/containerd" "$M/var/lib/containerd"
mount --bind "$D/containerd" "$M/var/lib/containerd"
mount -t proc proc "$M/proc"
mount -t sysfs sysfs "$M/sys"
mount --rbind /sys/fs/cgroup "$M/sys/fs/cgroup"
mount -t tmpfs -o mode=0755 tmpfs "$M/dev"
for d in null zero full random urandom tty kmsg; do
  [ -e "/dev/$d" ] || continue
  : >"$M/dev/$d"
  mount --bind "/dev/$d" "$M/dev/$d"
done
mkdir -p "$M/dev/pts" "$M/dev/shm" "$M/dev/disk/by-id"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$M/dev/pts"
ln -s pts/ptmx "$M/dev/ptmx"
mount -t tmpfs tmpfs "$M/dev/shm"
ln -s /proc/self/fd "$M/dev/fd"
ln -s /proc/self/fd/0 "$M/dev/stdin"; ln -s /proc/self/fd/1 "$M/dev/stdout"; ln -s /proc/self/fd/2 "$M/dev/stderr"
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs tmpfs "$M/tmp"
mkdir -p "$M${SUPERVISOR_DIR}" "$M${IMAGES_DIR}"
mount --bind "$3" "$M${SUPERVISOR_DIR}"
mount --bind "$4" "$M${IMAGES_DIR}"
exec chroot "$M" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \\
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
  NODE_EXTRA_CA_CERTS=${IMAGE_DIR}/ca.crt \\
  "$2" ${SUPERVISOR_DIR}/supervisor.js /etc/kforge-image/node.json
`

/** The instance's cloud-init run at every boot, as cloud-init's systemd units run its stages. */
const CLOUD_INIT_UNIT = `[Service]
Type=oneshot
ExecStart=/bin/sh -c "cloud-init init && cloud-init modules --mode config && cloud-init modules --mode final"
`

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    let err = ''
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString()
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`)),
    )
  })
}

/** A path of the running instance's root, seen from the host. */
export function instancePath(node: Instance, path: string): string {
  return join(node.dir, 'upper', path)
}

/**
 * Powers the instance on: a first boot writes the image's files to its fresh root disk; a later
 * one (a reboot) boots the same disk. Resolves once its init runs; the boot goes on in it.
 */
export async function powerOnInstance(o: InstanceOptions): Promise<Instance> {
  const node: Instance = {
    name: o.name,
    address: o.address,
    root: join(o.dir, 'upper'),
    cgroupParent: o.cgroupParent,
    instanceId: o.instanceId,
    dir: o.dir,
  }
  const upper = join(o.dir, 'upper')
  if (!existsSync(upper)) {
    for (const [path, content] of Object.entries(imageFiles(o))) {
      const target = join(upper, path)
      mkdirSync(dirname(target), {recursive: true})
      writeFileSync(target, content, {mode: EXECUTABLE.test(path) ? 0o755 : 0o644})
    }
    const config: NodeConfig = {
      name: o.instanceId,
      root: '/',
      binds: [],
      readOnly: [],
      cgroupParent: o.cgroupParent,
      services: [{name: 'cloud-init', units: [CLOUD_INIT_UNIT]}],
      instance: true,
    }
    mkdirSync(join(upper, 'etc', 'kforge-image'), {recursive: true})
    writeFileSync(join(upper, 'etc', 'kforge-image', 'node.json'), JSON.stringify(config, null, 2))
  }
  rmSync(join(upper, 'supervisor.pid'), {force: true})
  writeFileSync(join(o.dir, 'boot.sh'), BOOT_SCRIPT)

  if (!existsSync(`/run/netns/${netnsName(o.name)}`)) {
    createNodeNetwork(o.name, o.address, {prefix: o.prefix, gateway: o.gateway})
    const nat = (rule: string[]) =>
      run('ip', ['netns', 'exec', netnsName(o.name), 'iptables', '-t', 'nat', '-A', 'OUTPUT', ...rule])
    await nat([
      '-d',
      '169.254.169.254',
      '-p',
      'tcp',
      '--dport',
      '80',
      '-j',
      'DNAT',
      '--to-destination',
      `${BRIDGE_ADDRESS}:${o.imdsPort}`,
    ])
    await nat([
      '-d',
      BRIDGE_ADDRESS,
      '-p',
      'tcp',
      '--dport',
      '443',
      '-j',
      'DNAT',
      '--to-destination',
      `${BRIDGE_ADDRESS}:${o.awsPort}`,
    ])
  }
  const boot = [
    'bash',
    join(o.dir, 'boot.sh'),
    o.dir,
    process.execPath,
    SUPERVISOR_HOST_DIR,
    dirname(o.imagesTar),
  ]
  await spawnNodeInit(o.name, boot, {
    log: join(o.dir, 'console.log'),
    pidFile: join(upper, 'supervisor.pid'),
    what: `instance ${o.instanceId}: its init`,
  })
  return node
}

/** Power off: every process the instance ran, found through its cgroups. Its root disk stays. */
export async function powerOffInstance(node: Instance): Promise<void> {
  await stopNode(node)
}

/** Terminate: powered off, its network and root disk gone. */
export async function terminateInstance(node: Instance): Promise<void> {
  await stopNode(node)
  removeNodeNetwork(node.name)
  rmSync(node.dir, {recursive: true, force: true})
}
