/**
 * A moto server of its own with IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT): the first `free` AWS
 * requests are let through unchecked (enough to make an administrator), every later one must be
 * allowed by the caller's IAM policies. Separate from the suite's shared emulator, which stays
 * unenforced. Loopback only.
 */
import {type MotoServer, startMoto} from './moto.js'

export type EnforcedMoto = MotoServer

export function startEnforcedMoto(free: number): Promise<EnforcedMoto> {
  return startMoto({env: {INITIAL_NO_AUTH_ACTION_COUNT: String(free)}})
}
