/**
 * The first process of a local node. It runs in the node's own network, mount and UTS namespaces
 * (the harness starts it through nsenter/unshare) and does what an instance's init system does for
 * kforge: mounts the node's own /etc/kubernetes, /var/lib/kubelet, ... over the host's, remounts
 * /sys for the node's network namespace, moves itself into the node's cgroup, and keeps the
 * services running (containerd, the kubelet from kforge's rendered unit), restarting them as
 * `Restart=always` would. SIGTERM stops the kubelet first, then the runtime.
 *
 * On an emulated instance (config.instance) it is chrooted in the instance's root and stands in
 * for systemd further: the units `systemctl enable` linked on the root's disk start at every boot,
 * and `systemctl` loads units from the root's unit directories (services, oneshot services and
 * mount units; timers are acknowledged and not run).
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import type {NodeConfig, NodeService} from './config.js'
import {commandLine, parseMountUnit, parseUnits, resolveEnvironment} from './unit.js'

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
  if (!config.instance) {
    // an instance's boot script mounted its /sys already, for its own network namespace
    const cgroupCopy = join(config.root, '.cgroup')
    mkdirSync(cgroupCopy, {recursive: true})
    sh('mount', ['--rbind', '/sys/fs/cgroup', cgroupCopy])
    sh('mount', ['-t', 'sysfs', 'sysfs', '/sys'])
    sh('mount', ['--rbind', cgroupCopy, '/sys/fs/cgroup'])
    sh('umount', ['-l', cgroupCopy])
  }
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
  // an instance keeps the name it was given (hostnamectl writes /etc/hostname), as systemd sets it at boot
  const saved =
    config.instance && existsSync('/etc/hostname') ? readFileSync('/etc/hostname', 'utf8').trim() : ''
  sh('hostname', [saved || config.name])
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

/** Starts a service; a oneshot one resolves when it has run (its exit code), a daemon at once (0). */
function start(service: NodeService): Promise<number> {
  if (stopping || stopped.has(service.name) || running.has(service.name)) return Promise.resolve(0)
  const unit = parseUnits(service.units)
  const retry = () => {
    setTimeout(() => void start(service), Math.max(unit.restartSec, 1) * 1000)
  }
  if (service.waitFor && !existsSync(service.waitFor)) {
    retry()
    return Promise.resolve(0)
  }
  const env = resolveEnvironment(unit)
  if (!unit.execStart || !env) {
    log(`${service.name}: cannot start (no ExecStart or a required EnvironmentFile is missing)`)
    if (unit.type === 'oneshot') return Promise.resolve(1)
    retry()
    return Promise.resolve(0)
  }
  // systemd's `-` prefix (failure ignored) and `@` (argv0) are not used by kforge's units
  const [cmd, ...args] = commandLine(unit.execStart.replace(/^-/, ''), env)
  const out = openSync(join(logDir, `${service.name}.log`), 'a')
  const child = spawn(cmd!, args, {stdio: ['ignore', out, out], env: {...process.env, ...env}})
  running.set(service.name, child)
  log(`${service.name}: started (pid ${child.pid})`)
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      running.delete(service.name)
      log(`${service.name}: exited (${signal ?? code})`)
      if (!stopping && unit.type !== 'oneshot' && unit.restart !== 'no') retry()
      resolve(code ?? 1)
    })
    child.on('error', (err) => {
      log(`${service.name}: ${err.message}`)
      running.delete(service.name)
      resolve(1)
    })
  })
  return unit.type === 'oneshot' ? exited : Promise.resolve(0)
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

// ---- units on an instance's disk, as systemd finds them ----

/** systemd's unit search path, most specific first. */
const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/usr/lib/systemd/system',
  '/lib/systemd/system',
]

/** The unit file and its drop-ins (by file name across the search path, the first directory winning). */
function unitTexts(name: string): string[] | undefined {
  // only units written on this instance (by its boot or kforge); the image's own are not run here
  const main = join('/etc/systemd/system', name)
  if (!existsSync(main)) return undefined
  const dropIns = new Map<string, string>()
  for (const d of UNIT_DIRS) {
    const dir = join(d, `${name}.d`)
    if (!existsSync(dir)) continue
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.conf'))) {
      if (!dropIns.has(f)) dropIns.set(f, join(dir, f))
    }
  }
  const ordered = [...dropIns.keys()].sort().map((f) => dropIns.get(f)!)
  return [main, ...ordered].map((f) => readFileSync(f, 'utf8'))
}

/**
 * The units enabled since the image was made, kept on the instance's disk: what `systemctl enable`
 * records, and what starts at every boot. Not systemd's `.wants` links: the image's own units (the
 * host's, in the lower layer: ssh, cron, cloud-init's stages) are linked there too, and are not this
 * emulation's to run.
 */
const ENABLED = '/var/lib/kforge-image/enabled-units'

function enabledUnits(): string[] {
  const names = existsSync(ENABLED) ? readFileSync(ENABLED, 'utf8').split('\n').filter(Boolean) : []
  return [...new Set(names)].sort(
    (a, b) => Number(!a.endsWith('.mount')) - Number(!b.endsWith('.mount')) || a.localeCompare(b),
  )
}

function setEnabled(name: string, on: boolean): void {
  const names = new Set(enabledUnits())
  if (on) names.add(name)
  else names.delete(name)
  mkdirSync(dirname(ENABLED), {recursive: true})
  writeFileSync(ENABLED, [...names].map((n) => `${n}\n`).join(''))
}

/** systemctl's unit names: a bare name is a service. */
function unitName(name: string): string {
  return name.includes('.') ? name : `${name}.service`
}

/**
 * What udev does for kforge's mount units: `/dev/disk/by-uuid/<uuid>` for every block device the
 * instance has (the EBS stand-in adds them to /dev, as the kernel does when a volume attaches).
 */
function linkFilesystemUuids(): void {
  const byUuid = '/dev/disk/by-uuid'
  for (const dev of readdirSync('/dev')) {
    const path = join('/dev', dev)
    try {
      if (!lstatSync(path).isBlockDevice()) continue
      const uuid = execFileSync('blkid', ['-p', '-o', 'value', '-s', 'UUID', path], {encoding: 'utf8'}).trim()
      if (!uuid) continue
      mkdirSync(byUuid, {recursive: true})
      rmSync(join(byUuid, uuid), {force: true})
      symlinkSync(`../../${dev}`, join(byUuid, uuid))
    } catch {
      // no filesystem on it yet
    }
  }
}

const mounted = new Set<string>()

function startMount(name: string, texts: string[]): number {
  const m = parseMountUnit(texts)
  if (!m) return 1
  linkFilesystemUuids()
  try {
    mkdirSync(m.where, {recursive: true})
    sh('mount', [...(m.type ? ['-t', m.type] : []), ...(m.options ? ['-o', m.options] : []), m.what, m.where])
    mounted.add(name)
    log(`${name}: mounted ${m.what} at ${m.where}`)
    return 0
  } catch (err) {
    log(`${name}: ${(err as Error).message}`)
    return 1
  }
}

/** A unit by name: the configured services first, then (on an instance) the root's unit files. */
function loadService(name: string): NodeService | undefined {
  const configured = config.services.find((s) => s.name === name || `${s.name}.service` === name)
  if (configured) return configured
  if (!config.instance) return undefined
  const texts = unitTexts(unitName(name))
  return texts ? {name: name.replace(/\.service$/, ''), units: texts} : undefined
}

/** Starts a unit of any kind this node runs; its exit code as systemctl's. */
async function startUnit(name: string): Promise<number> {
  if (name.endsWith('.timer') || name.endsWith('.target')) {
    log(`${name}: acknowledged (timers and targets are not run on this node)`)
    return 0
  }
  if (name.endsWith('.mount')) {
    if (mounted.has(name)) return 0
    const texts = unitTexts(name)
    return texts ? startMount(name, texts) : 5
  }
  const service = loadService(name)
  if (!service) return 5 // systemd's "unit not found"
  stopped.delete(service.name)
  if (config.instance) linkFilesystemUuids()
  return start(service)
}

async function stopUnit(name: string): Promise<void> {
  const service = loadService(name)
  if (!service) return
  stopped.add(service.name)
  await stopService(service.name)
}

/** `systemctl [options] ACTION [UNIT...]`: the exit code, and what it prints. */
async function systemctl(argv: string[]): Promise<{code: number; out: string}> {
  const now = argv.includes('--now')
  const [action = '', ...units] = argv.filter((a) => !a.startsWith('-'))
  const each = async (f: (unit: string) => Promise<number>) => {
    let code = 0
    for (const unit of units) code = Math.max(code, await f(unit))
    return {code, out: ''}
  }
  switch (action) {
    case 'daemon-reload':
      return {code: 0, out: ''} // units are read at each start
    case 'start':
      return each(startUnit)
    case 'stop':
      return each(async (u) => {
        await stopUnit(u)
        return 0
      })
    case 'restart':
      return each(async (u) => {
        await stopUnit(u)
        return startUnit(u)
      })
    case 'enable':
      return each(async (u) => {
        if (config.instance) {
          if (!unitTexts(unitName(u))) return 5
          setEnabled(unitName(u), true)
        }
        return now ? startUnit(u) : 0
      })
    case 'disable':
      return each(async (u) => {
        if (config.instance) setEnabled(unitName(u), false)
        if (now) await stopUnit(u)
        return 0
      })
    case 'is-active': {
      const service = units[0] ? loadService(units[0]) : undefined
      const active = service ? running.has(service.name) : mounted.has(units[0] ?? '')
      return {code: active ? 0 : 3, out: active ? 'active\n' : 'inactive\n'}
    }
    case 'is-enabled':
      return {code: 0, out: 'enabled\n'}
    default:
      return {code: 1, out: `systemctl (kforge local node): ${action} is not supported\n`}
  }
}

/**
 * The node's `systemctl` (a shim, SYSTEMCTL_SHIM in ./profile.ts) writes its arguments to
 * /run/kforge/systemctl/<pid>.req and waits for <pid>.rc (and <pid>.out): kforge init restarts the
 * kubelet and kforge reset stops it through the same command as on an instance.
 */
const SYSTEMCTL_DIR = '/run/kforge/systemctl'

async function serveSystemctl(): Promise<void> {
  let requests: string[] = []
  try {
    requests = readdirSync(SYSTEMCTL_DIR).filter((f) => f.endsWith('.req'))
  } catch {
    return
  }
  for (const request of requests) {
    const id = basename(request, '.req')
    const path = join(SYSTEMCTL_DIR, request)
    const argv = readFileSync(path, 'utf8').split('\n').filter(Boolean)
    rmSync(path, {force: true})
    const {code, out} = await systemctl(argv).catch((err: Error) => ({code: 1, out: `${err.message}\n`}))
    log(`systemctl ${argv.join(' ')}: ${code}`)
    writeFileSync(join(SYSTEMCTL_DIR, `${id}.out`), out)
    writeFileSync(join(SYSTEMCTL_DIR, `${id}.rc.tmp`), String(code))
    renameSync(join(SYSTEMCTL_DIR, `${id}.rc.tmp`), join(SYSTEMCTL_DIR, `${id}.rc`))
  }
}

async function stopAll(): Promise<void> {
  stopping = true
  // reverse order: the kubelet before the runtime it talks to
  for (const name of [...running.keys()].reverse()) await stopService(name)
  process.exit(0)
}

async function boot(): Promise<void> {
  for (const service of config.services) void start(service)
  if (!config.instance) return
  for (const unit of enabledUnits()) {
    const code = await startUnit(unit)
    if (code !== 0) log(`${unit}: failed at boot (${code})`)
  }
}

mountNodeFilesystems()
enterCgroup()
process.on('SIGTERM', () => void stopAll())
process.on('SIGINT', () => void stopAll())
writeFileSync(join(config.root, 'supervisor.pid'), String(process.pid))
mkdirSync(SYSTEMCTL_DIR, {recursive: true})
let serving = false
setInterval(() => {
  if (serving) return
  serving = true
  void serveSystemctl().finally(() => {
    serving = false
  })
}, 200)
void boot()
log(`node ${config.name}: up`)
