/**
 * kube-controller-manager's `csrapproving` and `csrsigning` controllers for the kubelet client
 * signer `kubernetes.io/kube-apiserver-client-kubelet`: a CSR whose content is a node client
 * certificate (O=system:nodes, CN=system:node:<name>, client auth, no SANs) is auto-approved when
 * a SubjectAccessReview for its requester allows `create certificatesigningrequests/nodeclient`
 * (or `/selfnodeclient` when renewing its own), then signed with the cluster signing CA.
 */
import type {CertificateSigningRequest} from '../../../../src/kube/types.js'
import {issue, type Signer, type X, x509} from '../pki.js'
import {authorize} from '../rbac.js'
import {resourceByKind} from '../registry.js'
import type {Obj, Store} from '../store.js'

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet'
const ALLOWED_USAGES = new Set(['digital signature', 'key encipherment', 'client auth'])
/** --cluster-signing-duration default */
const SIGNING_DURATION_MS = 365 * 86_400_000

type Csr = Obj & CertificateSigningRequest

function condition(csr: Csr, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True')
}

/** Why this CSR is not a valid kubelet client request, or undefined when it is. */
export function nodeClientProblem(
  req: X.Pkcs10CertificateRequest,
  usages: readonly string[],
): string | undefined {
  const orgs = req.subjectName.getField('O')
  const cn = req.subjectName.getField('CN')
  if (orgs.length !== 1 || orgs[0] !== 'system:nodes') return 'subject organization is not system:nodes'
  if (cn.length !== 1 || !cn[0]!.startsWith('system:node:') || cn[0] === 'system:node:') {
    return 'subject common name does not begin with system:node:'
  }
  if (req.getExtension('2.5.29.17')) return 'DNS, email, IP or URI subjectAltNames are not allowed'
  if (!usages.includes('client auth')) return 'usages did not include client auth'
  const bad = usages.filter((u) => !ALLOWED_USAGES.has(u))
  if (bad.length > 0) return `usages ${bad.join(', ')} are not allowed`
  return undefined
}

export async function syncCsrs(
  store: Store,
  ca: (Signer & {algorithm?: Algorithm}) | undefined,
): Promise<void> {
  const res = resourceByKind('CertificateSigningRequest')
  for (const csr of store.list(res) as Csr[]) {
    if (csr.spec.signerName !== KUBELET_CLIENT_SIGNER) continue
    if (condition(csr, 'Denied') || condition(csr, 'Failed') || csr.status?.certificate) continue
    const name = csr.metadata.name!
    let req: X.Pkcs10CertificateRequest
    try {
      req = new x509.Pkcs10CertificateRequest(Buffer.from(csr.spec.request, 'base64').toString('utf8'))
      if (!(await req.verify())) throw new Error('signature does not verify')
    } catch (err) {
      fail(store, csr, `cannot parse the request: ${(err as Error).message}`)
      continue
    }
    const problem = nodeClientProblem(req, csr.spec.usages ?? [])
    if (!condition(csr, 'Approved')) {
      if (problem) continue // not recognised: the approver leaves it for a human
      const self = req.subjectName.getField('CN')[0] === csr.spec.username
      const allowed = authorize(
        store,
        {name: csr.spec.username ?? '', groups: csr.spec.groups ?? []},
        {
          verb: 'create',
          apiGroup: 'certificates.k8s.io',
          resource: 'certificatesigningrequests',
          subresource: self ? 'selfnodeclient' : 'nodeclient',
        },
      )
      if (!allowed) continue
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const conditions = [
        ...(csr.status?.conditions ?? []),
        {
          type: 'Approved' as const,
          status: 'True' as const,
          reason: 'AutoApproved',
          message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ]
      store.update(res, undefined, name, {...csr, status: {...(csr.status ?? {}), conditions}}, 'approval')
      continue // signed on the next pass, as the two controllers are independent
    }
    if (!ca) continue // no signing CA configured: stays approved and unsigned
    if (problem) {
      fail(store, csr, problem)
      continue
    }
    const duration = Math.min(
      SIGNING_DURATION_MS,
      (csr.spec.expirationSeconds ?? Number.POSITIVE_INFINITY) * 1000,
    )
    const notBefore = new Date(Date.now() - 5 * 60_000)
    const cap = ca.cert.notAfter.getTime() - notBefore.getTime()
    const {certPem} = await issue(ca, {
      commonName: req.subjectName.getField('CN')[0]!,
      organizations: req.subjectName.getField('O'),
      usage: 'client',
      publicKey: req.publicKey,
      notBefore,
      validityMs: Math.min(duration + 5 * 60_000, cap),
    })
    const live = store.get(res, undefined, name)
    if (!live || live.status?.certificate) continue
    store.update(
      res,
      undefined,
      name,
      {...live, status: {...(live.status ?? {}), certificate: Buffer.from(certPem).toString('base64')}},
      'status',
    )
  }
}

function fail(store: Store, csr: Csr, message: string): void {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  const conditions = [
    ...(csr.status?.conditions ?? []),
    {
      type: 'Failed' as const,
      status: 'True' as const,
      reason: 'SignerValidationFailure',
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    },
  ]
  store.update(
    resourceByKind('CertificateSigningRequest'),
    undefined,
    csr.metadata.name!,
    {...csr, status: {...(csr.status ?? {}), conditions}},
    'status',
  )
}

type Algorithm = import('node:crypto').webcrypto.Algorithm
