/**
 * How the template reaches CloudFormation. Inline (TemplateBody) up to 51,200 bytes; above that
 * CloudFormation only reads it from S3 (TemplateURL, up to 1 MB). kforge then puts it in the state
 * store, when that is an S3 bucket: the one bucket kforge already writes to for this cluster, under
 * the cluster's own prefix, so no second bucket has to be made, secured or cleaned up (deleting the
 * cluster's state removes it). A local state store cannot serve a URL, so a large template is
 * refused there with what to do instead.
 */
import type {StateStore} from '../../../state/store.js'
import {KforgeError} from '../../../util/errors.js'
import type {TemplateSource} from './changeset.js'
import {INLINE_TEMPLATE_LIMIT} from './template.js'

/** The state-store key of the template a cluster's stack is deployed from. */
export function templateKey(cluster: string): string {
  return `${cluster}/cloudformation/stack.template.json`
}

/**
 * `https://bucket.s3.amazonaws.com/key`, or path-style for a bucket with dots (a dotted bucket
 * name does not match the virtual-hosted certificate). S3 answers both for a bucket of any region.
 */
export function s3ObjectUrl(location: string, key: string): string {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(location)
  if (!m) throw new KforgeError(`state store ${location} is not an s3:// location`)
  const bucket = m[1]!
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '')
  const path = (prefix ? `${prefix}/${key}` : key).split('/').map(encodeURIComponent).join('/')
  return bucket.includes('.')
    ? `https://s3.amazonaws.com/${bucket}/${path}`
    : `https://${bucket}.s3.amazonaws.com/${path}`
}

export interface Placed {
  source: TemplateSource
  /** Set when the template went by URL. */
  url?: string
}

/** Inline when it fits; otherwise written to the state store and passed by URL. */
export async function placeTemplate(text: string, cluster: string, store?: StateStore): Promise<Placed> {
  const bytes = Buffer.byteLength(text)
  if (bytes <= INLINE_TEMPLATE_LIMIT) return {source: {TemplateBody: text}}
  if (!store?.location.startsWith('s3://')) {
    throw new KforgeError(
      `the stack template is ${bytes} bytes, over CloudFormation's ${INLINE_TEMPLATE_LIMIT}-byte limit for an ` +
        `inline template: CloudFormation must read it from S3, and kforge puts it in the state store when that ` +
        `is a bucket. Use --state s3://BUCKET/PREFIX, or export it (--out DIR), upload it and deploy it by URL.`,
    )
  }
  const key = templateKey(cluster)
  await store.write(key, text)
  const url = s3ObjectUrl(store.location, key)
  return {source: {TemplateURL: url}, url}
}
