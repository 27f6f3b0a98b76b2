/**
 * `preflight`: the checks kubeadm runs before touching anything, the ones that need no API server.
 * Names follow kubeadm (`FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml`, `Port-6443`)
 * so `ignorePreflightErrors` / `--ignore-preflight-errors` lists carry over; `all` ignores all.
 * Host-wide checks (privileges, ports) only run on a real node, i.e. with root dir `/`.
 */
import {constants} from 'node:fs'
import {access, readdir} from 'node:fs/promises'
import {createServer} from 'node:net'
import {posix} from 'node:path'
import {KforgeError} from '../../util/errors.js'
import type {Phase} from '../workflow.js'
import {hostPath, type InitData, MANIFESTS_DIR} from './data.js'

interface Check {
  name: string
  /** The problem, or undefined when the check passes. */
  run: () => Promise<string | undefined>
}

const exists = (file: string) =>
  access(file, constants.F_OK).then(
    () => true,
    () => false,
  )

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, () => server.close(() => resolve(true)))
  })
}

export function preflightChecks(d: InitData): Check[] {
  const checks: Check[] = []
  const manifests = [
    'kube-apiserver',
    'kube-controller-manager',
    'kube-scheduler',
    ...(d.cluster.etcd.local ? ['etcd'] : []),
  ]
  for (const m of manifests) {
    const path = posix.join(MANIFESTS_DIR, `${m}.yaml`)
    checks.push({
      name: `FileAvailable-${path.replaceAll('/', '-')}`,
      run: async () =>
        (await exists(hostPath(d, path))) ? `${hostPath(d, path)} already exists` : undefined,
    })
  }
  const dataDir = d.cluster.etcd.local?.dataDir
  if (dataDir) {
    checks.push({
      name: `DirAvailable-${dataDir.replaceAll('/', '-')}`,
      run: async () => {
        const entries = await readdir(hostPath(d, dataDir)).catch(() => [])
        return entries.length > 0 ? `${hostPath(d, dataDir)} is not empty` : undefined
      },
    })
  }
  if (d.rootDir === '/') {
    checks.push({
      name: 'IsPrivilegedUser',
      run: async () => (process.getuid?.() === 0 ? undefined : 'user is not running as root'),
    })
    const ports = [
      d.init.localAPIEndpoint.bindPort,
      10259,
      10257,
      10250,
      ...(d.cluster.etcd.local ? [2379, 2380] : []),
    ]
    for (const port of ports) {
      checks.push({
        name: `Port-${port}`,
        run: async () => ((await portFree(port)) ? undefined : `Port ${port} is in use`),
      })
    }
  }
  return checks
}

export const preflightPhase: Phase<InitData> = {
  name: 'preflight',
  short: 'Run pre-flight checks',
  run: async (d, ctx) => {
    const ignored = new Set(d.init.nodeRegistration.ignorePreflightErrors.map((e) => e.toLowerCase()))
    const errors: string[] = []
    for (const check of preflightChecks(d)) {
      const problem = await check.run()
      if (!problem) continue
      if (ignored.has('all') || ignored.has(check.name.toLowerCase())) {
        ctx.logger.warn(`[preflight] [WARNING ${check.name}]: ${problem}`)
      } else {
        errors.push(`\t[ERROR ${check.name}]: ${problem}`)
      }
    }
    if (errors.length > 0) {
      throw new KforgeError(
        `[preflight] Some fatal errors occurred:\n${errors.join('\n')}\nTo ignore these, use --ignore-preflight-errors=... (or all)`,
      )
    }
  },
}
