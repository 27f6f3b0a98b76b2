/** vitest globalSetup: one temporary directory for the whole run, removed when it ends (see temp-root.ts). */
import {enterTempRoot, removeTempRoot} from './temp-root.js'

export default function setup(): () => void {
  const dir = enterTempRoot('kforge-run-')
  return () => removeTempRoot(dir)
}
