/**
 * The node-identity service's systemd unit. It ships inside the node agent, not in user-data:
 * the first control plane's user-data has no bytes to spare under EC2's 16 KB, and the unit
 * belongs with the code it runs. `kforge identity install` writes it and starts it, on
 * control-plane nodes once `kforge init` or `kforge join` has made admin.conf.
 */
import {execFile} from 'node:child_process'
import {mkdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {CERT_MODE, writeFileAtomic} from '../pki/files.js'
import type {Logger} from '../util/logger.js'

const exec = promisify(execFile)

export const NODE_IDENTITY_UNIT = 'kforge-node-identity.service'
export const NODE_IDENTITY_UNIT_PATH = `/etc/systemd/system/${NODE_IDENTITY_UNIT}`

/** The unit: restarted whenever it stops, so a control plane that is not ready yet is retried. */
export function nodeIdentityUnit(agent = '/usr/local/bin/kforge'): string {
  return `# kforge: joining instances prove their AWS identity here for a short-lived, node-bound token
[Unit]
Description=kforge node identity
After=kubelet.service

[Service]
ExecStart=${agent} identity serve
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
`
}

/** Write the unit under rootDir; on the real root, enable and start it. */
export async function installNodeIdentityUnit(rootDir: string, logger: Logger): Promise<void> {
  const file = join(rootDir, NODE_IDENTITY_UNIT_PATH)
  await mkdir(dirname(file), {recursive: true})
  await writeFileAtomic(file, nodeIdentityUnit(), CERT_MODE)
  logger.info(`[node-identity] wrote ${NODE_IDENTITY_UNIT_PATH}`)
  if (rootDir !== '/') return
  await exec('systemctl', ['daemon-reload'])
  await exec('systemctl', ['enable', '--now', NODE_IDENTITY_UNIT])
  logger.info(`[node-identity] enabled and started ${NODE_IDENTITY_UNIT}`)
}
