/**
 * The first process of a local node. It runs in the node's own network, mount and UTS namespaces
 * (the harness starts it through nsenter/unshare) and does what an instance's init system does for
 * kforge: mounts the node's own /etc/kubernetes, /var/lib/kubelet, ... over the host's, remounts
 * /sys for the node's network namespace, moves itself into the node's cgroup, and keeps the
 * services running (containerd, the kubelet from kforge's rendered unit), restarting them as
 * `Restart=always` would. SIGTERM stops the kubelet first, then the runtime.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import type {NodeConfig, NodeService} from './config.js'
import {commandLine, parseUnits, resolveEnvironment} from './unit.js'

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as NodeConfig
const logDir = join(config.root, 'var', 'log', 'kforge-node')
mkdirSync(logDir, {recursive: true})

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, {stdio: ['ignore', 'ignore', 'inherit']})
}

function mountNodeFilesystems(): void {
  // Private first, so nothing below leaks to the host; then shared inside the node, so mounts the
  // kubelet makes propagate into containers as they do on an instance.
  sh('mount', ['--make-rprivate', '/'])
  const cgroupCopy = join(config.root, '.cgroup')
  mkdirSync(cgroupCopy, {recursive: true})
  sh('mount', ['--rbind', '/sys/fs/cgroup', cgroupCopy])
  sh('mount', ['-t', 'sysfs', 'sysfs', '/sys'])
  sh('mount', ['--rbind', cgroupCopy, '/sys/fs/cgroup'])
  sh('umount', ['-l', cgroupCopy])
  for (const target of config.binds) {
    const source = join(config.root, target)
    if (!existsSync(target)) {
      if (statSync(source).isDirectory()) mkdirSync(target, {recursive: true})
      else writeFileSync(target, '')
    }
    sh('mount', ['--bind', source, target])
  }
  for (const [source, target] of config.readOnly) {
    mkdirSync(target, {recursive: true})
    sh('mount', ['--bind', source, target])
    sh('mount', ['-o', 'remount,bind,ro', target])
  }
  sh('mount', ['--make-rshared', '/'])
  sh('hostname', [config.name])
}

/** The node's daemons live in <parent>/system of every v1 hierarchy; the kubelet puts pods beside. */
function enterCgroup(): void {
  for (const controller of readdirSync('/sys/fs/cgroup')) {
    const base = join('/sys/fs/cgroup', controller)
    if (!existsSync(join(base, 'cgroup.procs')) || controller === 'unified') continue
    const dir = join(base, config.cgroupParent, 'system')
    mkdirSync(dir, {recursive: true})
    if (controller === 'cpuset') {
      // a new cpuset cgroup starts empty: each level takes its parent's cpus and memory nodes
      let d = base
      for (const part of `${config.cgroupParent}/system`.split('/').filter(Boolean)) {
        d = join(d, part)
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          if (readFileSync(join(d, f), 'utf8').trim() === '')
            writeFileSync(join(d, f), readFileSync(join(d, '..', f)))
        }
      }
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(process.pid))
  }
}

const running = new Map<string, ChildProcess>()
/** Units stopped through `systemctl stop`: not restarted until `systemctl start|restart`. */
const stopped = new Set<string>()
let stopping = false

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`)
}

function start(service: NodeService): void {
  if (stopping || stopped.has(service.name) || running.has(service.name)) return
  const unit = parseUnits(service.units)
  const retry = () => setTimeout(() => start(service), Math.max(unit.restartSec, 1) * 1000)
  if (service.waitFor && !existsSync(service.waitFor)) {
    retry()
    return
  }
  const env = resolveEnvironment(unit)
  if (!unit.execStart || !env) {
    log(`${service.name}: cannot start (no ExecStart or a required EnvironmentFile is missing)`)
    retry()
    return
  }
  const [cmd, ...args] = commandLine(unit.execStart, env)
  const out = openSync(join(logDir, `${service.name}.log`), 'a')
  const child = spawn(cmd!, args, {stdio: ['ignore', out, out], env: {...process.env, ...env}})
  running.set(service.name, child)
  log(`${service.name}: started (pid ${child.pid})`)
  child.on('exit', (code, signal) => {
    running.delete(service.name)
    log(`${service.name}: exited (${signal ?? code})`)
    if (!stopping && unit.restart !== 'no') retry()
  })
  child.on('error', (err) => log(`${service.name}: ${err.message}`))
}

function stopService(name: string): Promise<void> {
  const child = running.get(name)
  if (!child) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/**
 * The node's `systemctl` (a shim in its /usr/local/bin) drops `<unit>.<action>.<pid>` into
 * /run/kforge/systemctl and waits for it to disappear: kforge init restarts the kubelet and
 * kforge reset stops it through the same command as on an instance.
 */
const SYSTEMCTL_DIR = '/run/kforge/systemctl'

async function serveSystemctl(): Promise<void> {
  let requests: string[] = []
  try {
    requests = readdirSync(SYSTEMCTL_DIR)
  } catch {
    return
  }
  for (const request of requests) {
    const [unit = '', action = ''] = request.split('.')
    const service = config.services.find((s) => s.name === unit)
    if (service && (action === 'stop' || action === 'restart')) {
      stopped.add(unit)
      await stopService(unit)
    }
    if (service && (action === 'start' || action === 'restart')) {
      stopped.delete(unit)
      start(service)
    }
    log(`systemctl ${action} ${unit}${service ? '' : ' (no such unit)'}`)
    rmSync(join(SYSTEMCTL_DIR, request), {force: true})
  }
}

async function stopAll(): Promise<void> {
  stopping = true
  // reverse order: the kubelet before the runtime it talks to
  for (const service of [...config.services].reverse()) await stopService(service.name)
  process.exit(0)
}

mountNodeFilesystems()
enterCgroup()
process.on('SIGTERM', () => void stopAll())
process.on('SIGINT', () => void stopAll())
writeFileSync(join(config.root, 'supervisor.pid'), String(process.pid))
for (const service of config.services) start(service)
mkdirSync(SYSTEMCTL_DIR, {recursive: true})
let serving = false
setInterval(() => {
  if (serving) return
  serving = true
  void serveSystemctl().finally(() => {
    serving = false
  })
}, 200)
log(`node ${config.name}: up`)
