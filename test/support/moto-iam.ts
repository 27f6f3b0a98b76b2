/**
 * A moto server of its own with IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT): the first `free` AWS
 * requests are let through unchecked (enough to make an administrator), every later one must be
 * allowed by the caller's IAM policies. Separate from the suite's shared emulator, which stays
 * unenforced. Loopback only.
 */
import {CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand} from '@aws-sdk/client-iam'
import {type MotoServer, startMoto} from './moto.js'

export type EnforcedMoto = MotoServer

export interface Credentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export function startEnforcedMoto(free: number): Promise<EnforcedMoto> {
  return startMoto({env: {INITIAL_NO_AUTH_ACTION_COUNT: String(free)}})
}

/** The three requests an enforcing moto lets through: an administrator user, its policy, its key. */
export const ADMIN_REQUESTS = 3

/**
 * A user holding exactly `policy`, with an access key. `as` makes it (an administrator); without
 * it, this spends the server's {@link ADMIN_REQUESTS} free requests and so must come first.
 */
export async function createUserWithPolicy(
  endpoint: string,
  name: string,
  policy: unknown,
  as: Credentials = {accessKeyId: 'testing', secretAccessKey: 'testing'},
  region = 'us-east-1',
): Promise<Credentials & {arn: string}> {
  const iam = new IAMClient({region, endpoint, credentials: as})
  const user = await iam.send(new CreateUserCommand({UserName: name}))
  await iam.send(
    new PutUserPolicyCommand({UserName: name, PolicyName: name, PolicyDocument: JSON.stringify(policy)}),
  )
  const key = (await iam.send(new CreateAccessKeyCommand({UserName: name}))).AccessKey!
  return {accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!, arn: user.User!.Arn!}
}

export const ADMIN_POLICY = {
  Version: '2012-10-17',
  Statement: [{Effect: 'Allow', Action: '*', Resource: '*'}],
}

/**
 * An enforcing moto and its administrator (`kforge-test-admin`, allowed everything, made with the
 * free requests): the preamble of every enforced-IAM test. The server is stopped again if the
 * administrator cannot be made, since the caller never gets it to stop.
 */
export async function startEnforcedMotoWithAdmin(): Promise<{
  moto: EnforcedMoto
  admin: Credentials & {arn: string}
}> {
  const moto = await startEnforcedMoto(ADMIN_REQUESTS)
  try {
    return {moto, admin: await createUserWithPolicy(moto.endpoint, 'kforge-test-admin', ADMIN_POLICY)}
  } catch (err) {
    await moto.stop()
    throw err
  }
}
