/**
 * The approver for certificate requests made with node-identity tokens. kube-controller-manager's
 * csrapproving controller approves a kubelet client request for any node name the requester asks
 * for, as long as RBAC lets it (kubeadm binds its default token group to `nodeclient`); the
 * node-identity group is deliberately left out of that binding, and this approver takes its place
 * with one extra rule: the requested `system:node:<name>` must be the name the token was issued
 * for. So a token taken from instance A cannot obtain B's identity; such a request is denied.
 */
import {TOKEN_SECRET_NAMESPACE, tokenSecretName} from '../bootstrap/secret.js'
import type {KubeClient} from '../kube/client.js'
import {KUBELET_CLIENT_SIGNER} from '../kube/csr.js'
import {isConflict} from '../kube/errors.js'
import {CertificateSigningRequests, Secrets} from '../kube/resources.js'
import type {CertificateSigningRequest, CertificateSigningRequestCondition} from '../kube/types.js'
import {loadX509} from '../pki/x509.js'
import {boundNodeName, NODE_IDENTITY_GROUP} from './tokens.js'

const ALLOWED_USAGES = new Set(['digital signature', 'key encipherment', 'client auth'])
const BOOTSTRAP_USER = /^system:bootstrap:([a-z0-9]{6})$/

export type Decision = {approve: true; nodeName: string} | {approve: false; reason: string}

function decided(csr: CertificateSigningRequest): boolean {
  return (csr.status?.conditions ?? []).some(
    (c) => (c.type === 'Approved' || c.type === 'Denied' || c.type === 'Failed') && c.status === 'True',
  )
}

/** Is this request one this approver answers (made with a node-identity token, still pending)? */
export function isOurs(csr: CertificateSigningRequest): boolean {
  return (
    csr.spec.signerName === KUBELET_CLIENT_SIGNER &&
    (csr.spec.groups ?? []).includes(NODE_IDENTITY_GROUP) &&
    !decided(csr)
  )
}

/** The decision for one request, from its content and the token Secret of its requester. */
export async function decide(kube: KubeClient, csr: CertificateSigningRequest): Promise<Decision> {
  const id = BOOTSTRAP_USER.exec(csr.spec.username ?? '')?.[1]
  if (!id)
    return {approve: false, reason: `requester ${csr.spec.username ?? '(none)'} is not a bootstrap token`}
  const secret = await kube.find(Secrets, tokenSecretName(id), TOKEN_SECRET_NAMESPACE)
  const bound = secret ? boundNodeName(secret) : undefined
  if (!bound)
    return {approve: false, reason: `bootstrap token ${id} is gone or was not issued by node-identity`}
  const x509 = await loadX509()
  let req: InstanceType<typeof x509.Pkcs10CertificateRequest>
  try {
    req = new x509.Pkcs10CertificateRequest(Buffer.from(csr.spec.request, 'base64').toString('utf8'))
    if (!(await req.verify())) return {approve: false, reason: 'the request signature does not verify'}
  } catch (err) {
    return {approve: false, reason: `the request does not parse: ${(err as Error).message}`}
  }
  const orgs = req.subjectName.getField('O')
  const cns = req.subjectName.getField('CN')
  if (orgs.length !== 1 || orgs[0] !== 'system:nodes')
    return {approve: false, reason: 'organization is not system:nodes'}
  if (cns.length !== 1 || cns[0] !== `system:node:${bound}`) {
    return {
      approve: false,
      reason: `token ${id} was issued for node ${bound}; the request names ${cns.join(',') || 'no one'}`,
    }
  }
  if (req.getExtension('2.5.29.17')) return {approve: false, reason: 'subjectAltNames are not allowed'}
  const usages = csr.spec.usages ?? []
  if (!usages.includes('client auth') || usages.some((u) => !ALLOWED_USAGES.has(u))) {
    return {approve: false, reason: `usages ${usages.join(', ')} are not a kubelet client's`}
  }
  return {approve: true, nodeName: bound}
}

/** Answer every pending node-identity request once. Returns what was decided, by request name. */
export async function approvePending(kube: KubeClient): Promise<Map<string, Decision>> {
  const out = new Map<string, Decision>()
  const list = await kube.list(CertificateSigningRequests)
  for (const csr of list.items) {
    if (!isOurs(csr)) continue
    const decision = await decide(kube, csr)
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const condition: CertificateSigningRequestCondition = decision.approve
      ? {
          type: 'Approved',
          status: 'True',
          reason: 'KforgeNodeIdentity',
          message: `node-identity: the token was issued to ${decision.nodeName}`,
          lastUpdateTime: now,
        }
      : {
          type: 'Denied',
          status: 'True',
          reason: 'KforgeNodeIdentity',
          message: decision.reason,
          lastUpdateTime: now,
        }
    try {
      await kube.update(
        CertificateSigningRequests,
        {...csr, status: {...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), condition]}},
        'approval',
      )
      out.set(csr.metadata.name!, decision)
    } catch (err) {
      if (!isConflict(err)) throw err // another control-plane node answered first
    }
  }
  return out
}
