/**
 * kubelet-finalize/enable-client-cert-rotation: point kubelet.conf at the rotatable
 * /var/lib/kubelet/pki/kubelet-client-current.pem instead of embedded data, so the kubelet's
 * certificate manager can renew it (kubeadm does this after TLS bootstrap). Without a running
 * kubelet to have written that file, kforge writes it from the embedded credentials, as the
 * kubelet's certificate store would.
 */
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {parse, stringify} from 'yaml'
import {KforgeError} from '../../../util/errors.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'

export const KUBELET_CLIENT_CURRENT = '/var/lib/kubelet/pki/kubelet-client-current.pem'

interface RawConf {
  users?: {name: string; user?: Record<string, unknown>}[]
}

/** Rewrite kubelet.conf's user to the PEM file; returns false when already done. */
export async function enableClientCertRotation(rootDir: string): Promise<boolean> {
  const confPath = join(rootDir, 'etc/kubernetes/kubelet.conf')
  let text: string
  try {
    text = await readFile(confPath, 'utf8')
  } catch {
    throw new KforgeError(
      `kubelet-finalize: ${confPath} does not exist; run kubelet-start (or the kubeconfig phase) first`,
    )
  }
  const conf = parse(text) as RawConf
  const user = conf.users?.[0]?.user
  if (!user) throw new KforgeError(`kubelet-finalize: ${confPath} has no user`)
  if (user['client-certificate'] === KUBELET_CLIENT_CURRENT) return false
  const cert = user['client-certificate-data']
  const key = user['client-key-data']
  if (typeof cert !== 'string' || typeof key !== 'string') {
    throw new KforgeError(
      `kubelet-finalize: ${confPath} does not embed a client certificate and key to move to ${KUBELET_CLIENT_CURRENT}`,
    )
  }
  const pem = join(rootDir, KUBELET_CLIENT_CURRENT)
  await mkdir(dirname(pem), {recursive: true, mode: 0o700})
  await writeFile(pem, Buffer.concat([Buffer.from(cert, 'base64'), Buffer.from(key, 'base64')]), {
    mode: 0o600,
  })
  delete user['client-certificate-data']
  delete user['client-key-data']
  user['client-certificate'] = KUBELET_CLIENT_CURRENT
  user['client-key'] = KUBELET_CLIENT_CURRENT
  const tmp = `${confPath}.tmp`
  await writeFile(tmp, stringify(conf, {lineWidth: 0}), {mode: 0o600})
  await rename(tmp, confPath)
  return true
}

export const kubeletFinalizePhase: Phase<InitData> = {
  name: 'kubelet-finalize',
  short: 'Updates settings relevant to the kubelet after TLS bootstrap',
  phases: [
    {
      name: 'enable-client-cert-rotation',
      short: 'Enable kubelet client certificate rotation',
      run: async (d, ctx) => {
        if (ctx.dryRun) {
          ctx.logger.info(`[kubelet-finalize] dry run: would point kubelet.conf at ${KUBELET_CLIENT_CURRENT}`)
          return
        }
        if (await enableClientCertRotation(d.rootDir)) {
          ctx.logger.info(
            `[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key`,
          )
        }
      },
    },
  ],
}
