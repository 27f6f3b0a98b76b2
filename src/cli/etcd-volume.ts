/**
 * How `kforge init` and `kforge join` reach the instance and EC2 for the etcd-volume phase: IMDS
 * at KFORGE_IMDS (default the link-local address), EC2 in the region IMDS names, through the
 * standard AWS variables (AWS_ENDPOINT_URL for an emulator). Nothing connects until the phase runs.
 */
import type {EtcdVolumeAccess} from '../lifecycle/etcd-volume.js'
import {awsClients} from './cluster.js'
import {timingsFromEnv} from './timings.js'

/**
 * Undefined (the phase is skipped) under a root dir other than / with no IMDS named: a test or an
 * image build runs there, and no instance stands behind 169.254.169.254 to attach a volume to.
 */
export async function etcdVolumeAccess(
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<EtcdVolumeAccess | undefined> {
  if (rootDir !== '/' && env.KFORGE_IMDS === undefined) return undefined
  const {Imds} = await import('../cloud/aws/imds.js')
  const {nodePollMs} = timingsFromEnv(env)
  return {
    imds: new Imds({base: env.KFORGE_IMDS ?? 'http://169.254.169.254'}),
    ec2: async (region) => (await awsClients({}, region)).ec2(),
    ...(nodePollMs ? {pollMs: nodePollMs} : {}),
  }
}
