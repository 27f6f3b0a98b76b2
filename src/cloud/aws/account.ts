/**
 * The AWS account kforge is working in: the account of the credentials it creates the cluster's
 * IAM roles with, so the account in those roles' ARNs. kforge has no other source of it (a KMS
 * key the spec names may live in another account). sts:GetCallerIdentity needs no permission:
 * STS answers it for any valid credentials, even under an explicit deny.
 */
import {KforgeError} from '../../util/errors.js'
import type {AwsClients} from './clients.js'

export async function callerAccount(aws: AwsClients): Promise<string> {
  const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  const {Account} = await (await aws.sts()).send(new GetCallerIdentityCommand({}))
  if (!Account || !/^\d{12}$/.test(Account)) {
    throw new KforgeError(`sts:GetCallerIdentity answered no account id (${JSON.stringify(Account)})`)
  }
  return Account
}
