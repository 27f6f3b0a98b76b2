/**
 * The bootstrap tokens the node-identity service issues. Each is kubeadm's Secret layout (so token
 * discovery and the kubelet's TLS bootstrap work as for any token), plus what binds it to one
 * instance: the node name and instance id in annotations, and the group
 * `system:bootstrappers:kforge:node-identity`, which RBAC lets create certificate requests but
 * which kube-controller-manager does not auto-approve. The service's approver (approver.ts) approves
 * a request from such a token only for `system:node:<the annotated name>`.
 *
 * The token id is derived from the proof's signature: every control-plane node derives the same id
 * from the same proof, so a replay sent to another control-plane node collides with the first
 * Secret in the API server (AlreadyExists) and is refused there too.
 */
import {createHash} from 'node:crypto'
import {
  isTokenSecretExpired,
  readTokenSecret,
  type SecretObject,
  TOKEN_SECRET_NAMESPACE,
  TOKEN_SECRET_TYPE,
  tokenSecretName,
  tokenToSecret,
} from '../bootstrap/secret.js'
import {
  type BootstrapToken,
  NODE_IDENTITY_GROUP,
  randomTokenString,
  TOKEN_ALPHABET,
} from '../bootstrap/token.js'
import type {KubeClient} from '../kube/client.js'
import {isAlreadyExists, isNotFound} from '../kube/errors.js'
import {Nodes, Secrets} from '../kube/resources.js'
import type {Secret} from '../kube/types.js'
import type {ClusterMember} from './instance.js'
import {type CheckedProof, ProofRefused} from './proof.js'

export {NODE_IDENTITY_GROUP}
export const NODE_NAME_ANNOTATION = 'kforge.dev/node-name'
export const INSTANCE_ID_ANNOTATION = 'kforge.dev/instance-id'
/** Label on every token this service issued: what its sweep lists. */
export const ISSUED_LABEL = 'kforge.dev/node-identity'
/** Default lifetime: enough for a slow boot to reach the TLS bootstrap, short enough not to matter once leaked. */
export const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000

/** Six token-id characters from the proof's signature (36^6 ids: collisions are not a concern here). */
export function tokenIdFor(proof: Pick<CheckedProof, 'signature'>): string {
  const digest = createHash('sha256').update(`kforge node-identity ${proof.signature}`).digest()
  let id = ''
  for (let i = 0; i < 6; i++) id += TOKEN_ALPHABET[digest[i]! % TOKEN_ALPHABET.length]
  return id
}

export interface IssuedToken {
  token: BootstrapToken
  nodeName: string
  expires: Date
}

/** Create the instance's token; refuses when its node has joined already or the proof was used. */
export async function issueToken(
  kube: KubeClient,
  member: ClusterMember,
  proof: CheckedProof,
  o: {ttlMs?: number; now?: Date} = {},
): Promise<IssuedToken> {
  const now = o.now ?? new Date()
  if (await kube.find(Nodes, member.nodeName)) {
    throw new ProofRefused(
      `node ${member.nodeName} (instance ${member.instanceId}) has joined already; delete its Node to join it again`,
      409,
    )
  }
  const token: BootstrapToken = {id: tokenIdFor(proof), secret: randomTokenString(16)}
  const expires = new Date(now.getTime() + (o.ttlMs ?? DEFAULT_TOKEN_TTL_MS))
  const secret = tokenToSecret(
    {
      token,
      expires,
      description: `kforge node-identity: instance ${member.instanceId} joins as ${member.nodeName}`,
      usages: ['signing', 'authentication'],
      groups: [NODE_IDENTITY_GROUP],
    },
    now,
  )
  secret.metadata.labels = {[ISSUED_LABEL]: 'true'}
  secret.metadata.annotations = {
    [NODE_NAME_ANNOTATION]: member.nodeName,
    [INSTANCE_ID_ANNOTATION]: member.instanceId,
  }
  try {
    await kube.create(Secrets, secret as Secret)
  } catch (err) {
    if (isAlreadyExists(err)) throw new ProofRefused('this proof was used already (replay)')
    throw err
  }
  return {token, nodeName: member.nodeName, expires}
}

/** The node name a token issued by this service is bound to, or undefined if it is not one of them. */
export function boundNodeName(secret: Secret | SecretObject): string | undefined {
  const meta = secret.metadata as {labels?: Record<string, string>; annotations?: Record<string, string>}
  if (meta.labels?.[ISSUED_LABEL] !== 'true') return undefined
  if (!readTokenSecret(secret as SecretObject).groups.includes(NODE_IDENTITY_GROUP)) return undefined
  return meta.annotations?.[NODE_NAME_ANNOTATION]
}

/**
 * Delete the issued tokens that are of no more use: expired ones (kube-controller-manager's
 * tokencleaner does it too, if enabled), and those whose node has registered (its kubelet holds
 * its own certificate now). Returns the ids deleted.
 */
export async function sweepTokens(kube: KubeClient, now = new Date()): Promise<string[]> {
  const list = await kube.list(Secrets, TOKEN_SECRET_NAMESPACE, {
    labelSelector: `${ISSUED_LABEL}=true`,
    fieldSelector: `type=${TOKEN_SECRET_TYPE}`,
  })
  const deleted: string[] = []
  for (const secret of list.items) {
    const name = secret.metadata.name
    const nodeName = boundNodeName(secret)
    if (!name || nodeName === undefined) continue
    const expired = isTokenSecretExpired(secret as SecretObject, now)
    if (!expired && (await kube.find(Nodes, nodeName)) === undefined) continue
    try {
      await kube.delete(Secrets, name, TOKEN_SECRET_NAMESPACE)
      deleted.push(name.slice(tokenSecretName('').length))
    } catch (err) {
      if (!isNotFound(err)) throw err // another control-plane node swept it first
    }
  }
  return deleted
}
