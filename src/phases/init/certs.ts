/**
 * `certs`: kubeadm's PKI, one sub-phase per certificate (docs/kubeadm-compat.md, Certificates) plus `sa`.
 * The group phase starts every key its (non-skipped) sub-phases will need before they run, so
 * keys are generated in parallel while the CAs and leaves are signed one by one.
 */

import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {ensureCert, ensureServiceAccountKey, type PkiContext} from '../../pki/ensure.js'
import {pairPaths} from '../../pki/files.js'
import {CERTS, type CertSpec, SA_KEY_BASENAME} from '../../pki/kubeadm-certs.js'
import {loadX509} from '../../pki/x509.js'
import type {Phase, PhaseContext} from '../workflow.js'
import {type InitData, pkiConfig, pkiDir} from './data.js'

function context(d: InitData, ctx: PhaseContext): PkiContext {
  return {dir: pkiDir(d), cfg: pkiConfig(d), keys: d.keys, cas: d.cas, dryRun: ctx.dryRun, logger: ctx.logger}
}

const usesLocalEtcd = (d: InitData) => d.cluster.etcd.local !== undefined

function certPhase(spec: CertSpec): Phase<InitData> {
  return {
    name: spec.name,
    short: spec.short,
    ...(spec.etcd ? {runIf: usesLocalEtcd} : {}),
    run: async (d, ctx) => {
      await ensureCert(context(d, ctx), spec)
    },
  }
}

/** Keys for files that do not exist yet, for sub-phases that will run. */
function keysToPrefetch(d: InitData): string[] {
  const dir = pkiDir(d)
  const ids: string[] = []
  for (const spec of CERTS) {
    if (d.skipped.has(`certs/${spec.name}`) || (spec.etcd && !usesLocalEtcd(d))) continue
    const paths = pairPaths(dir, spec.baseName)
    if (!existsSync(paths.cert) && !existsSync(paths.key)) ids.push(spec.baseName)
  }
  if (!d.skipped.has('certs/sa') && !existsSync(join(dir, `${SA_KEY_BASENAME}.key`)))
    ids.push(SA_KEY_BASENAME)
  return ids
}

export const certsPhase: Phase<InitData> = {
  name: 'certs',
  short: 'Certificate generation',
  run: async (d, ctx) => {
    if (ctx.dryRun) return
    d.keys.prefetch(keysToPrefetch(d))
    await loadX509() // while the thread pool makes keys
  },
  phases: [
    ...CERTS.map(certPhase),
    {
      name: 'sa',
      short: 'Service account token signing key pair',
      run: async (d, ctx) => {
        await ensureServiceAccountKey(context(d, ctx))
      },
    },
  ],
}
