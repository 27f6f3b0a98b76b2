/**
 * One lifecycle test file's emulator sandbox: a temporary HOME, a state store in the emulator's
 * S3 (applying a cluster makes its prerequisites there, which a local directory cannot hold for
 * instances), the CLI's environment for a region of the emulator (no kubeconfig of the user's
 * leaks in), SDK clients for the same region (`onCall` sees each of their calls), `kforge(...)` to
 * run the built CLI in it, and `deleteCluster(name)`, each file's last step: the cluster it applied
 * deleted from the emulator by its stored spec.
 */
import {randomBytes} from 'node:crypto'
import {inject} from 'vitest'
import {type AwsCall, AwsClients} from '../../src/cloud/aws/clients.js'
import {deleteCluster} from '../../src/phases/cluster/delete.js'
import {loadCluster} from '../../src/state/clusters.js'
import {S3StateStore} from '../../src/state/s3.js'
import type {StateStore} from '../../src/state/store.js'
import {emulatorStateStore} from '../fixtures/cloud/state.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge, tempDir} from '../support/cli.js'

// This file's own reads and writes of the state store (the emulator takes any credentials).
process.env.AWS_ACCESS_KEY_ID ??= 'testing'
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing'

/** `store`, each call waiting for the bucket to exist first. */
function afterReady(store: StateStore, ready: Promise<unknown>): StateStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return async (...args: unknown[]) => {
        await ready
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

export function cloudSandbox(region: string, pollMs: number, o: {onCall?: (call: AwsCall) => void} = {}) {
  const dir = tempDir()
  const bucket = `kforge-sandbox-${randomBytes(6).toString('hex')}`
  const state = `s3://${bucket}/kforge`
  const ready = emulatorStateStore(region, bucket)
  const env = {
    ...emulatorEnv(region),
    KFORGE_STATE_STORE: state,
    HOME: dir,
    KUBECONFIG: '',
    KFORGE_POLL_MS: String(pollMs),
  }
  const store = afterReady(S3StateStore.fromUrl(state, {region, endpoint: inject('awsEndpoint')}), ready)
  const aws = new AwsClients({
    region,
    endpoint: inject('awsEndpoint'),
    ...(o.onCall ? {onCall: o.onCall} : {}),
  })
  return {
    dir,
    state,
    store,
    env,
    aws,
    kforge: async (...args: string[]) => {
      await ready
      return runKforge(args, {env})
    },
    deleteCluster: async (name: string) =>
      deleteCluster(name, {aws, yes: true, spec: await loadCluster(store, name)}),
  }
}
