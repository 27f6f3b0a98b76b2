/**
 * The bucket under an S3 state store holds every cluster's CA keys and tokens, so `create` checks
 * it the way a vault should be: no public access (all four public-access-block settings on),
 * default encryption on (SSE-KMS preferred; SSE-S3 is reported as weaker), and versioning on (a
 * spec or CA overwritten or deleted by mistake can be restored). On request it sets all three.
 * Bucket policies and ACLs are not read: the public-access block is what overrides them.
 */
import type {S3Client} from '@aws-sdk/client-s3'

export interface BucketPosture {
  /** All four public-access-block settings on. */
  publicAccessBlocked: boolean
  /** The default encryption algorithm (`aws:kms`, `AES256`, …), or undefined when none. */
  defaultEncryption: string | undefined
  versioning: boolean
}

const statusOf = (err: unknown) => (err as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode

export async function bucketPosture(s3: S3Client, bucket: string): Promise<BucketPosture> {
  const {GetBucketEncryptionCommand, GetBucketVersioningCommand, GetPublicAccessBlockCommand} = await import(
    '@aws-sdk/client-s3'
  )
  const missing = <T>(err: unknown, none: T): T => {
    // 404: the bucket has no such configuration at all.
    if (statusOf(err) === 404 && (err as {name?: string}).name !== 'NoSuchBucket') return none
    throw err
  }
  const block = await s3
    .send(new GetPublicAccessBlockCommand({Bucket: bucket}))
    .then((r) => r.PublicAccessBlockConfiguration)
    .catch((err: unknown) => missing(err, undefined))
  const encryption = await s3
    .send(new GetBucketEncryptionCommand({Bucket: bucket}))
    .then(
      (r) =>
        r.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    )
    .catch((err: unknown) => missing(err, undefined))
  const versioning = await s3.send(new GetBucketVersioningCommand({Bucket: bucket}))
  return {
    publicAccessBlocked: Boolean(
      block?.BlockPublicAcls &&
        block.IgnorePublicAcls &&
        block.BlockPublicPolicy &&
        block.RestrictPublicBuckets,
    ),
    defaultEncryption: encryption,
    versioning: versioning.Status === 'Enabled',
  }
}

/** What is wrong, one line each, in words an operator acts on. */
export function postureProblems(p: BucketPosture): string[] {
  const out: string[] = []
  if (!p.publicAccessBlocked) {
    out.push('public access is not blocked (a bucket policy or ACL could expose CA keys and tokens)')
  }
  if (p.defaultEncryption === undefined) out.push('default encryption is off')
  else if (p.defaultEncryption === 'AES256') {
    out.push(
      'default encryption is SSE-S3 (AES256), not SSE-KMS: objects kforge writes without a key rely on it',
    )
  }
  if (!p.versioning) out.push('versioning is off (an overwritten or deleted spec or CA cannot be restored)')
  return out
}

/** Turn on what is off; returns what it changed. */
export async function secureBucket(s3: S3Client, bucket: string, p: BucketPosture): Promise<string[]> {
  const {PutBucketEncryptionCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand} = await import(
    '@aws-sdk/client-s3'
  )
  const changed: string[] = []
  if (!p.publicAccessBlocked) {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    )
    changed.push('blocked public access')
  }
  if (p.defaultEncryption !== 'aws:kms') {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          // The bucket key cuts KMS requests (and cost) for objects under the default key.
          Rules: [{ApplyServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms'}, BucketKeyEnabled: true}],
        },
      }),
    )
    changed.push('set default encryption to SSE-KMS')
  }
  if (!p.versioning) {
    await s3.send(
      new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Enabled'}}),
    )
    changed.push('enabled versioning')
  }
  return changed
}
