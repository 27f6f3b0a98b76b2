import {BaseCommand} from '../../cli/base.js'

export default class IamProvisionerPolicy extends BaseCommand<typeof IamProvisionerPolicy> {
  static override description = `Print the IAM policy a user needs to run every kforge command.

The same document as docs/iam/provisioner-policy.json. With an s3:// --state, the S3 statements are narrowed to that state store; otherwise they name any bucket. The instance roles' own permissions are listed in docs/iam/README.md.`

  static override examples = [
    '<%= config.bin %> iam provisioner-policy',
    '<%= config.bin %> iam provisioner-policy --state s3://my-kforge-state/team > kforge-policy.json',
  ]

  async run(): Promise<void> {
    const {provisionerPolicy} = await import('../../cloud/aws/provisioner-policy.js')
    const policy = provisionerPolicy({
      ...(this.flags.state ? {stateStore: this.flags.state} : {}),
      ...(this.flags.region ? {region: this.flags.region} : {}),
    })
    this.print(policy, () => `${JSON.stringify(policy, null, 2)}\n`)
  }
}
