import {Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'
import {KforgeError} from '../../util/errors.js'

export default class IamProvisionerPolicy extends BaseCommand<typeof IamProvisionerPolicy> {
  static override description = `Print the IAM policy a user needs to run every kforge command.

The same document as docs/iam/provisioner-policy.json. With an s3:// --state, the S3 statements are narrowed to that state store; otherwise they name any bucket. A cluster with workload identity publishes its issuer's documents to another bucket: name it with --discovery-store (the spec's serviceAccountIssuerDiscovery.discoveryStore) so the narrowed policy may write them there. The instance roles' own permissions are listed in docs/iam/README.md.`

  static override examples = [
    '<%= config.bin %> iam provisioner-policy',
    '<%= config.bin %> iam provisioner-policy --state s3://my-kforge-state/team > kforge-policy.json',
    '<%= config.bin %> iam provisioner-policy --state s3://my-kforge-state/team --discovery-store s3://my-oidc/team',
  ]

  static override flags = {
    'discovery-store': Flags.string({
      description:
        's3://bucket/prefix where workload identity publishes the issuer documents (needs an s3:// --state)',
    }),
  }

  async run(): Promise<void> {
    const {provisionerPolicy} = await import('../../cloud/aws/provisioner-policy.js')
    const {parseS3Url} = await import('../../render/urls.js')
    const discovery = this.flags['discovery-store']
    if (discovery !== undefined) {
      if (!parseS3Url(discovery))
        throw new KforgeError(`--discovery-store: "${discovery}" is not an s3://bucket/prefix location`)
      if (!this.flags.state || !parseS3Url(this.flags.state))
        throw new KforgeError(
          '--discovery-store needs an s3:// --state: without one the policy already names any bucket',
        )
    }
    const policy = provisionerPolicy({
      ...(this.flags.state ? {stateStore: this.flags.state} : {}),
      ...(this.flags.region ? {region: this.flags.region} : {}),
      ...(discovery ? {discoveryStore: discovery} : {}),
    })
    this.print(policy, () => `${JSON.stringify(policy, null, 2)}\n`)
  }
}
