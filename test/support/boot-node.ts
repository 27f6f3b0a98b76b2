/**
 * Boots one instance's user-data with Debian's cloud-init, the way EC2 would hand it over, inside a
 * node network namespace the project makes (src/sandbox/nodes/network.ts) and a root of its own:
 * an overlay whose lower layer is the host's root (the "image": Debian with cloud-init, curl and
 * Node.js) and whose upper layer is a tmpfs, so nothing the boot writes reaches the host. Inside:
 *
 * - 169.254.169.254:80 is DNATed to the node's IMDSv2 stand-in (test/support/imds.ts), which
 *   hands out the credentials of the group's instance role;
 * - `*.amazonaws.com` of the region resolves (the node's /etc/hosts) to the bridge, where an HTTPS
 *   front (test/support/iam-recorder.ts) forwards to the IAM-enforcing emulator; its CA is
 *   appended to the node's CA bundle (curl) and named by NODE_EXTRA_CA_CERTS (the node agent);
 * - cloud-init's NoCloud datasource is seeded with the user-data bytes and the instance id; its
 *   module lists are cut to what the user-data uses (write_files, runcmd, scripts_user), so the
 *   distribution's other modules (users, SSH host keys, apt) do not run against the host's files.
 *
 * Shims, because the namespace has no systemd as PID 1: `hostnamectl set-hostname` sets the UTS
 * namespace's name with `hostname`; `systemctl` logs what it was asked and succeeds (units are not
 * started); `modprobe` logs and succeeds (this image has no kmod, and its kernel has overlay and
 * br_netfilter built in). Everything else the boot runs is the real thing.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {
  BRIDGE_ADDRESS,
  createNodeNetwork,
  ensureBridge,
  netnsName,
  removeNodeNetwork,
} from '../../src/sandbox/nodes/network.js'

export interface BootNodeOptions {
  /** Short node name (namespace `kforge-<name>`). */
  name: string
  /** Its address on the bridge. */
  address: string
  /** Host directory for the seed, the shims and the logs copied out after the boot. */
  dir: string
  /** The user-data bytes as EC2 holds them (plain or gzip). */
  userData: Buffer
  instanceId: string
  /** The port on the bridge address the IMDS stand-in listens on. */
  imdsPort: number
  /** The port on the bridge address the HTTPS front to the emulator listens on. */
  awsPort: number
  /** Host names of the AWS endpoints the boot may use (resolved to the bridge). */
  awsHosts: string[]
  /** PEM of the CA that signed the front's certificate. */
  caPem: string
  /** The whole boot is stopped after this long. */
  timeoutMs: number
}

export interface BootResult {
  code: number
  /** /var/log/kforge-bootstrap.log of the node. */
  bootLog: string
  /** /var/log/cloud-init-output.log of the node. */
  cloudInitOutput: string
  /** /var/log/cloud-init.log of the node. */
  cloudInitLog: string
  /** Calls to the shims (`systemctl ...`, `hostnamectl ...`). */
  shimLog: string
}

const CLOUD_CFG = `# kforge boot test: NoCloud only, and only the modules kforge's user-data uses.
datasource_list: [NoCloud]
cloud_init_modules: [write_files]
cloud_config_modules: [runcmd]
cloud_final_modules: [scripts_user]
`

const HOSTNAMECTL = `#!/bin/sh
echo "hostnamectl $*" >>/var/log/kforge-shims.log
[ "$1" = set-hostname ] && exec hostname "$2"
exit 0
`

const MODPROBE = `#!/bin/sh
echo "modprobe $*" >>/var/log/kforge-shims.log
exit 0
`

const SYSTEMCTL = `#!/bin/sh
echo "systemctl $*" >>/var/log/kforge-shims.log
exit 0
`

/** Runs inside the namespace (unshared mounts and UTS): builds the root, boots, copies the logs out. */
const BOOT_SCRIPT = `set -u
D=$1
LIMIT=$2
O=$D/overlay
mkdir -p "$O" && mount -t tmpfs tmpfs "$O" && mkdir -p "$O/u" "$O/w" "$O/m"
mount -t overlay overlay -o lowerdir=/,upperdir="$O/u",workdir="$O/w" "$O/m"
M=$O/m
mount -t proc proc "$M/proc"
mount --rbind /sys "$M/sys"
mount --rbind /dev "$M/dev"
mount -t tmpfs tmpfs "$M/run"
mount -t tmpfs tmpfs "$M/tmp"
rm -rf "$M/var/lib/cloud" "$M/var/log/cloud-init.log" "$M/var/log/cloud-init-output.log" "$M/var/log/kforge-bootstrap.log"
mkdir -p "$M/var/lib/cloud/seed/nocloud" "$M/etc/cloud/cloud.cfg.d" "$M/usr/local/sbin" "$M/etc/kforge-test"
cp "$D/seed/user-data" "$D/seed/meta-data" "$M/var/lib/cloud/seed/nocloud/"
cp "$D/cloud.cfg" "$M/etc/cloud/cloud.cfg.d/99-kforge-boot-test.cfg"
cp "$D/hosts" "$M/etc/hosts"
cp "$D/ca.crt" "$M/etc/kforge-test/ca.crt"
cat "$D/ca.crt" >>"$M/etc/ssl/certs/ca-certificates.crt"
install -m 0755 "$D/hostnamectl" "$M/usr/local/sbin/hostnamectl"
install -m 0755 "$D/systemctl" "$M/usr/local/sbin/systemctl"
install -m 0755 "$D/modprobe" "$M/usr/local/sbin/modprobe"
export NODE_EXTRA_CA_CERTS=/etc/kforge-test/ca.crt PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
timeout --kill-after=10 "$LIMIT" chroot "$M" /bin/sh -c 'cloud-init init && cloud-init modules --mode config && cloud-init modules --mode final'
rc=$?
for f in kforge-bootstrap.log cloud-init-output.log cloud-init.log kforge-shims.log; do
  cp "$M/var/log/$f" "$D/out/$f" 2>/dev/null || : >"$D/out/$f"
done
exit $rc
`

export async function bootNodeWithCloudInit(o: BootNodeOptions): Promise<BootResult> {
  for (const sub of ['seed', 'out']) mkdirSync(join(o.dir, sub), {recursive: true})
  writeFileSync(join(o.dir, 'seed', 'user-data'), o.userData)
  writeFileSync(
    join(o.dir, 'seed', 'meta-data'),
    `instance-id: ${o.instanceId}\nlocal-hostname: ${o.instanceId}\n`,
  )
  writeFileSync(join(o.dir, 'cloud.cfg'), CLOUD_CFG)
  writeFileSync(
    join(o.dir, 'hosts'),
    `127.0.0.1 localhost\n${o.awsHosts.map((h) => `${BRIDGE_ADDRESS} ${h}`).join('\n')}\n`,
  )
  writeFileSync(join(o.dir, 'ca.crt'), o.caPem)
  writeFileSync(join(o.dir, 'hostnamectl'), HOSTNAMECTL)
  writeFileSync(join(o.dir, 'systemctl'), SYSTEMCTL)
  writeFileSync(join(o.dir, 'modprobe'), MODPROBE)
  writeFileSync(join(o.dir, 'boot.sh'), BOOT_SCRIPT)

  ensureBridge()
  createNodeNetwork(o.name, o.address)
  const ns = netnsName(o.name)
  const nat = (rule: string[]) =>
    run('ip', ['netns', 'exec', ns, 'iptables', '-t', 'nat', '-A', 'OUTPUT', ...rule])
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
  try {
    const r = await run(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        '--',
        'bash',
        join(o.dir, 'boot.sh'),
        o.dir,
        String(Math.ceil(o.timeoutMs / 1000)),
      ],
      o.timeoutMs + 60_000,
    )
    const out = (f: string) => readFileSync(join(o.dir, 'out', f), 'utf8')
    return {
      code: r.code,
      bootLog: out('kforge-bootstrap.log'),
      cloudInitOutput: out('cloud-init-output.log'),
      cloudInitLog: out('cloud-init.log'),
      shimLog: out('kforge-shims.log'),
    }
  } finally {
    removeNodeNetwork(o.name)
  }
}

/** Runs a command; with a timeout, its process group is stopped (SIGTERM) when it runs out. */
function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<{code: number; output: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], detached: true})
    let output = ''
    child.stdout.on('data', (c: Buffer) => {
      output = (output + c.toString()).slice(-20_000)
    })
    child.stderr.on('data', (c: Buffer) => {
      output = (output + c.toString()).slice(-20_000)
    })
    const timer = setTimeout(() => {
      if (child.pid) process.kill(-child.pid, 'SIGTERM')
    }, timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code !== 0 && cmd === 'ip' && args[3] === 'iptables')
        reject(new Error(`${cmd} ${args.join(' ')}: ${output}`))
      else resolve({code: code ?? 1, output})
    })
  })
}
