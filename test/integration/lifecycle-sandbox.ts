/**
 * One lifecycle test file's emulator sandbox: a temporary HOME and state store, the CLI's
 * environment for a region of the emulator (no kubeconfig of the user's leaks in), SDK clients
 * for the same region, and `kforge(...)` to run the built CLI in it.
 */
import {join} from 'node:path'
import {inject} from 'vitest'
import {AwsClients} from '../../src/cloud/aws/clients.js'
import {LocalStateStore} from '../../src/state/local.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

export function cloudSandbox(region: string, pollMs: number) {
  const dir = tempDir()
  const state = join(dir, 'state')
  const env = {
    ...emulatorEnv(region),
    KFORGE_STATE_STORE: state,
    HOME: dir,
    KUBECONFIG: '',
    KFORGE_POLL_MS: String(pollMs),
  }
  return {
    dir,
    state,
    store: new LocalStateStore(state),
    env,
    aws: new AwsClients({region, endpoint: inject('awsEndpoint')}),
    kforge: (...args: string[]) => runKforge(args, {env}),
  }
}
