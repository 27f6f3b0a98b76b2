/**
 * State store backend: an S3 bucket and prefix (`s3://bucket/prefix`). S3 PUTs are atomic per
 * object. Secret objects are written with server-side encryption (aws:kms) and never public.
 */
import type {S3Client} from '@aws-sdk/client-s3'
import {AwsClients, type AwsOptions} from '../cloud/aws/clients.js'
import {KforgeError} from '../util/errors.js'
import {type CreateResult, checkKey, type StateStore, type WriteOptions} from './types.js'

export class S3StateStore implements StateStore {
  private constructor(
    readonly location: string,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly clients: AwsClients,
  ) {}

  static fromUrl(url: string, aws: AwsOptions): S3StateStore {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url)
    if (!match)
      throw new KforgeError(`--state "${url}": expected s3://bucket[/prefix] with a valid bucket name`)
    const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '')
    return new S3StateStore(url, match[1]!, prefix === '' ? '' : `${prefix}/`, new AwsClients(aws))
  }

  private objectKey(key: string): string {
    return this.prefix + checkKey(key)
  }

  private s3(): Promise<S3Client> {
    return this.clients.s3()
  }

  async read(key: string): Promise<Buffer | undefined> {
    const {GetObjectCommand, NoSuchKey} = await import('@aws-sdk/client-s3')
    try {
      const res = await (await this.s3()).send(
        new GetObjectCommand({Bucket: this.bucket, Key: this.objectKey(key)}),
      )
      return Buffer.from(await res.Body!.transformToByteArray())
    } catch (err) {
      if (err instanceof NoSuchKey || (err as {name?: string}).name === 'NoSuchKey') return undefined
      throw this.explain(err, `reading ${key}`)
    }
  }

  private put(key: string, body: string | Uint8Array, options: WriteOptions) {
    return {
      Bucket: this.bucket,
      Key: this.objectKey(key),
      Body: body,
      ...(options.secret ? {ServerSideEncryption: 'aws:kms' as const} : {}),
      ...(options.secret && options.kmsKeyId ? {SSEKMSKeyId: options.kmsKeyId} : {}),
    }
  }

  async posture(secure: boolean): Promise<{problems: string[]; changed: string[]}> {
    const {bucketPosture, postureProblems, secureBucket} = await import('./s3-posture.js')
    const s3 = await this.s3()
    try {
      let p = await bucketPosture(s3, this.bucket)
      const changed = secure ? await secureBucket(s3, this.bucket, p) : []
      if (changed.length > 0) p = await bucketPosture(s3, this.bucket)
      return {problems: postureProblems(p), changed}
    } catch (err) {
      throw this.explain(err, 'checking the bucket settings')
    }
  }

  async encryptionKey(key: string): Promise<string | undefined> {
    const {HeadObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const head = await (await this.s3()).send(
        new HeadObjectCommand({Bucket: this.bucket, Key: this.objectKey(key)}),
      )
      return head.ServerSideEncryption === 'aws:kms' ? (head.SSEKMSKeyId ?? '') : ''
    } catch (err) {
      const e = err as {name?: string; $metadata?: {httpStatusCode?: number}}
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined
      throw this.explain(err, `reading the encryption of ${key}`)
    }
  }

  async write(key: string, body: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
    const {PutObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      await (await this.s3()).send(new PutObjectCommand(this.put(key, body, options)))
    } catch (err) {
      throw this.explain(err, `writing ${key}`)
    }
  }

  /**
   * PutObject with `If-None-Match: *`: S3 answers 412 when the key exists and 409 while another
   * conditional write to it is in flight (retry, AWS says). The SDK's own retry of a create whose
   * response was lost lands on the 412 and reads back the caller's own bytes.
   */
  async createIfAbsent(
    key: string,
    body: string | Uint8Array,
    options: WriteOptions = {},
  ): Promise<CreateResult> {
    const {PutObjectCommand} = await import('@aws-sdk/client-s3')
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await (await this.s3()).send(
          new PutObjectCommand({...this.put(key, body, options), IfNoneMatch: '*'}),
        )
        return {created: true}
      } catch (err) {
        const status = (err as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
        if (status === 409) {
          await new Promise((r) => setTimeout(r, 100 * attempt))
          continue
        }
        if (status !== 412) throw this.explain(err, `creating ${key}`)
      }
      const existing = await this.read(key)
      // Deleted between the refusal and the read: try the create again.
      if (existing !== undefined) return {created: false, existing}
    }
    throw new KforgeError(`state store ${this.location}: could not create ${key}: it kept changing under us`)
  }

  /** The object's bytes with the ETag S3 gave them, or undefined when it does not exist. */
  private async readTagged(key: string): Promise<{body: Buffer; etag: string} | undefined> {
    const {GetObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const res = await (await this.s3()).send(
        new GetObjectCommand({Bucket: this.bucket, Key: this.objectKey(key)}),
      )
      return {body: Buffer.from(await res.Body!.transformToByteArray()), etag: res.ETag ?? ''}
    } catch (err) {
      const e = err as {name?: string; $metadata?: {httpStatusCode?: number}}
      if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined
      throw this.explain(err, `reading ${key}`)
    }
  }

  /**
   * PutObject with If-Match on the ETag of the bytes we compared: S3 refuses (412) if anything
   * wrote the key since. 409 means another conditional write is in flight: read and compare again.
   */
  async replaceIf(
    key: string,
    expected: Uint8Array,
    body: string | Uint8Array,
    options: WriteOptions = {},
  ): Promise<boolean> {
    const {PutObjectCommand} = await import('@aws-sdk/client-s3')
    for (let attempt = 1; attempt <= 5; attempt++) {
      const current = await this.readTagged(key)
      if (!current?.body.equals(expected)) return false
      try {
        await (await this.s3()).send(
          new PutObjectCommand({...this.put(key, body, options), IfMatch: current.etag}),
        )
        return true
      } catch (err) {
        const status = (err as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
        if (status === 409) {
          await new Promise((r) => setTimeout(r, 100 * attempt))
          continue
        }
        if (status !== 412 && status !== 404) throw this.explain(err, `replacing ${key}`)
        // Refused: someone else wrote it, or the SDK resent our own write whose answer was lost.
        const after = await this.read(key)
        return after?.equals(Buffer.from(body)) === true
      }
    }
    throw new KforgeError(`state store ${this.location}: could not replace ${key}: it kept changing under us`)
  }

  /** DeleteObject with If-Match (S3 general purpose buckets honour it since September 2025). */
  async deleteIf(key: string, expected: Uint8Array): Promise<boolean> {
    const {DeleteObjectCommand} = await import('@aws-sdk/client-s3')
    const current = await this.readTagged(key)
    if (!current) return true
    if (!current.body.equals(expected)) return false
    try {
      await (await this.s3()).send(
        new DeleteObjectCommand({Bucket: this.bucket, Key: this.objectKey(key), IfMatch: current.etag}),
      )
      return true
    } catch (err) {
      const status = (err as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode
      // 404: gone already (our own resent delete); 412: replaced by someone else, theirs now.
      if (status === 404) return true
      if (status === 412) return false
      throw this.explain(err, `deleting ${key}`)
    }
  }

  async list(prefix: string): Promise<string[]> {
    const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
    const s3 = await this.s3()
    const keys: string[] = []
    let token: string | undefined
    do {
      const res = await s3
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
          }),
        )
        .catch((err: unknown) => {
          throw this.explain(err, `listing ${prefix || '/'}`)
        })
      for (const obj of res.Contents ?? []) if (obj.Key) keys.push(obj.Key.slice(this.prefix.length))
      token = res.IsTruncated ? res.NextContinuationToken : undefined
    } while (token)
    return keys.sort()
  }

  async delete(key: string): Promise<void> {
    const {DeleteObjectCommand} = await import('@aws-sdk/client-s3')
    await (await this.s3())
      .send(new DeleteObjectCommand({Bucket: this.bucket, Key: this.objectKey(key)}))
      .catch((err: unknown) => {
        throw this.explain(err, `deleting ${key}`)
      })
  }

  private explain(err: unknown, doing: string): unknown {
    const name = (err as {name?: string}).name
    if (name === 'NoSuchBucket') {
      return new KforgeError(`state store ${this.location}: bucket "${this.bucket}" does not exist`, {
        cause: err,
      })
    }
    if (name === 'AccessDenied') {
      return new KforgeError(`state store ${this.location}: access denied while ${doing}`, {cause: err})
    }
    return err
  }
}
