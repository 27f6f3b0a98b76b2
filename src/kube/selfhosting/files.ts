/**
 * Where the pivot keeps things on the node (all under the root dir): the static manifests the
 * kubelet runs, the backups of the static manifests it replaced, and the checkpoints of the
 * self-hosted pods that bring the plane back after a reboot.
 */
import {mkdir, readFile, rename, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {parse, stringify} from 'yaml'
import {writeFileAtomic} from '../../pki/files.js'
import {KforgeError} from '../../util/errors.js'
import type {Pod} from '../types.js'
import type {Component} from './mutate.js'

export const MANIFESTS_DIR = '/etc/kubernetes/manifests'
export const BACKUP_DIR = '/etc/kubernetes/self-hosting/static-backup'
export const CHECKPOINT_DIR = '/etc/kubernetes/self-hosting/checkpoints'

export const manifestPath = (root: string, c: Component) => join(root, MANIFESTS_DIR, `${c}.yaml`)
export const backupPath = (root: string, c: Component) => join(root, BACKUP_DIR, `${c}.yaml`)
export const checkpointPath = (root: string, c: Component) => join(root, CHECKPOINT_DIR, `${c}.yaml`)

export async function readPod(file: string): Promise<Pod | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  const pod = parse(text) as Pod
  if (!pod?.spec?.containers) throw new KforgeError(`${file}: not a Pod manifest`)
  return pod
}

export async function writePod(file: string, pod: Pod): Promise<void> {
  await mkdir(dirname(file), {recursive: true, mode: 0o700})
  await writeFileAtomic(file, stringify(pod, {lineWidth: 0}), 0o600)
}

/** Move a file (same filesystem: the root dir), creating the target's directory. */
export async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), {recursive: true, mode: 0o700})
  await rename(from, to)
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, {force: true})
}
