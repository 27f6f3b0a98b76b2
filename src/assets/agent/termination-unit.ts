/**
 * The termination watcher's systemd unit, written by the node agent itself at boot (`kforge
 * termination install`, the boot script's step after the join). Not in the user-data: the first
 * control-plane group's cloud-config has no room left under EC2's 16 KB. The unit is the same on
 * every instance: the watcher finds its cluster and region in the assets manifest already on the
 * node, and its group from its own Node's `kforge.dev/instancegroup` label (termination-target.ts).
 */
import {execFile} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'

export const WATCHER_UNIT = 'kforge-termination-watcher.service'
export const WATCHER_UNIT_PATH = `/etc/systemd/system/${WATCHER_UNIT}`

export const WATCHER_UNIT_TEXT = [
  '# kforge: cordon and drain this node before its instance goes (a spot interruption, or its',
  "# auto-scaling group terminating it), then complete the group's lifecycle action.",
  '[Unit]',
  'Description=kforge termination watcher',
  'Wants=network-online.target',
  'After=network-online.target kubelet.service',
  '',
  '[Service]',
  'ExecStart=/usr/local/bin/kforge termination watch',
  '# Exits 0 once it has completed the action (the instance is going); a failure is retried.',
  'Restart=on-failure',
  'RestartSec=5',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
  '',
].join('\n')

/** Writes the unit under `rootDir`; on the instance itself (`/`) also enables and starts it. */
export async function installWatcher(rootDir: string): Promise<string> {
  const path = join(rootDir, WATCHER_UNIT_PATH)
  await mkdir(dirname(path), {recursive: true})
  await writeFile(path, WATCHER_UNIT_TEXT, {mode: 0o644})
  if (rootDir === '/') {
    const run = promisify(execFile)
    await run('systemctl', ['daemon-reload'])
    await run('systemctl', ['enable', '--now', WATCHER_UNIT])
  }
  return path
}
