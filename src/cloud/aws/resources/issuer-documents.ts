/**
 * The service-account issuer's OIDC documents — `.well-known/openid-configuration` and the JWKS
 * (`openid/v1/jwks`) — published in the discovery store the spec names
 * (`serviceAccountIssuerDiscovery.discoveryStore`), where AWS STS fetches them to verify the
 * cluster's tokens. The keys are the prerequisites' (the service-account public key, through the
 * state-store objects' attribute), so this resource is in that phase and applied directly by
 * both targets, never in a stack.
 *
 * The bucket is the user's and must be readable anonymously; kforge writes only these two
 * objects, each naming the cluster in its metadata, and deletes only objects that name it.
 */

import {issuerObjectKeys, publishedIssuer} from '../../../api/v1alpha1/identity.js'
import {discoveryDocument, jwksAlgorithms} from '../../../pki/oidc.js'
import {KforgeError} from '../../../util/errors.js'
import {idempotentDelete} from '../model/adopt.js'
import {changes} from '../model/diff.js'
import {isNotFound} from '../model/errors.js'
import type {Actual, FindContext, ResourceKind, Tags, Val} from '../model/types.js'
import {clusterTagKey, isOwned} from '../tags.js'

export interface IssuerDocumentsProps {
  bucket: string
  prefix: string
  issuer: string
  jwksUri: string
  /** The JWKS text (a Ref to the prerequisites' attribute until sa.pub exists). */
  jwks: Val
}

export interface IssuerDocumentsActual extends Actual {
  bucket: string
  prefix: string
  discovery?: string
  jwks?: string
}

/** The discovery document for these props: its algorithms are the keys'. */
export function desiredDiscovery(p: {issuer: string; jwksUri: string; jwks: string}): string {
  return discoveryDocument(p.issuer, p.jwksUri, jwksAlgorithms(p.jwks))
}

/** What list reports for documents this cluster wrote: its ownership tags. */
function ownerTags(cluster: string): Tags {
  return {[clusterTagKey(cluster)]: 'owned', KubernetesCluster: cluster}
}

async function s3Module(): Promise<typeof import('@aws-sdk/client-s3')> {
  return import('@aws-sdk/client-s3')
}

/**
 * The object metadata naming the cluster that wrote it: ownership without object tags (whose
 * reads and writes would need two more S3 permissions of the provisioner).
 */
const OWNER_METADATA = 'kforge-cluster'

/** One object's text and owner, or undefined when it is absent. */
async function readObject(
  ctx: FindContext,
  bucket: string,
  key: string,
): Promise<{body: string; tags: Tags} | undefined> {
  const {GetObjectCommand} = await s3Module()
  const client = await ctx.aws.s3()
  try {
    const out = await client.send(new GetObjectCommand({Bucket: bucket, Key: key}))
    const body = (await out.Body?.transformToString()) ?? ''
    return {body, tags: out.Metadata?.[OWNER_METADATA] === ctx.cluster ? ownerTags(ctx.cluster) : {}}
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

export const issuerDocumentsKind: ResourceKind<IssuerDocumentsProps, IssuerDocumentsActual> = {
  kind: 'IssuerDocuments',
  phase: 'prerequisites',
  deleteAfter: ['IamRole', 'OidcProvider'],
  ownership: 'tags',
  immutable: [],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    // Found through the spec: without one (a delete given only the name) there is no bucket to look in.
    const issuer = ctx.spec && publishedIssuer(ctx.spec.spec)
    if (!issuer) return []
    const keys = issuerObjectKeys(issuer.store)
    const [discovery, jwks] = await Promise.all([
      readObject(ctx, issuer.store.bucket, keys.discovery),
      readObject(ctx, issuer.store.bucket, keys.jwks),
    ])
    const found = [discovery, jwks].filter((o) => o !== undefined)
    if (found.length === 0) return []
    // Another cluster's documents at the same place are not this cluster's to adopt or delete.
    const tags = found.every((o) => isOwned(ctx.cluster, o.tags)) ? found[0]!.tags : {}
    const id = `s3://${issuer.store.bucket}/${issuer.store.prefix}`
    return [
      {
        id,
        attrs: {id},
        tags,
        bucket: issuer.store.bucket,
        prefix: issuer.store.prefix,
        ...(discovery ? {discovery: discovery.body} : {}),
        ...(jwks ? {jwks: jwks.body} : {}),
      },
    ]
  },

  match: (_d, p, candidates) => candidates.find((c) => c.bucket === p.bucket && c.prefix === p.prefix),

  diff: (p, a) => {
    // list() leaves the tags empty on documents another cluster (or nobody) owns.
    const owned = Object.keys(a.tags).length > 0
    const out = changes(['jwks', p.jwks, a.jwks])
    if (typeof p.jwks === 'string' && a.discovery !== desiredDiscovery({...p, jwks: p.jwks}))
      out.push({field: 'discovery', old: a.discovery, new: 'written'})
    if (!owned) out.push({field: 'owner', old: undefined, new: 'this cluster'})
    return out
  },

  async create(ctx, _d, p) {
    const existing = (await issuerDocumentsKind.list(ctx, [])).find(
      (a) => a.bucket === p.bucket && a.prefix === p.prefix,
    )
    if (existing && Object.keys(existing.tags).length === 0) {
      throw new KforgeError(
        `s3://${p.bucket}/${p.prefix} already holds issuer documents that are not this cluster's; choose another discoveryStore`,
      )
    }
    const {PutObjectCommand} = await s3Module()
    const client = await ctx.aws.s3()
    const keys = issuerObjectKeys({bucket: p.bucket, prefix: p.prefix})
    const discovery = desiredDiscovery(p)
    for (const [key, body] of [
      [keys.jwks, p.jwks],
      [keys.discovery, discovery],
    ] as const) {
      await client.send(
        new PutObjectCommand({
          Bucket: p.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          // STS caches the keys itself; a short cache keeps a key rotation visible soon.
          CacheControl: 'max-age=300',
          Metadata: {[OWNER_METADATA]: ctx.cluster},
        }),
      )
    }
    const id = `s3://${p.bucket}/${p.prefix}`
    return {
      id,
      attrs: {id},
      tags: ownerTags(ctx.cluster),
      bucket: p.bucket,
      prefix: p.prefix,
      discovery,
      jwks: p.jwks,
    }
  },

  async update(ctx, d, p) {
    return issuerDocumentsKind.create(ctx, d, p)
  },

  async delete(ctx, a) {
    if (!isOwned(ctx.cluster, a.tags)) return
    const {DeleteObjectCommand} = await s3Module()
    const client = await ctx.aws.s3()
    const keys = issuerObjectKeys({bucket: a.bucket, prefix: a.prefix})
    for (const key of [keys.discovery, keys.jwks]) {
      await idempotentDelete(() => client.send(new DeleteObjectCommand({Bucket: a.bucket, Key: key})))
    }
  },

  describe: (p) => `OIDC discovery document and JWKS of ${p.issuer} in s3://${p.bucket}/${p.prefix}`,
}
