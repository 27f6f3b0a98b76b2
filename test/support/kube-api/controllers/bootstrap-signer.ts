/**
 * kube-controller-manager's `bootstrapsigner` and `tokencleaner` controllers
 * (pkg/controller/bootstrap): keep one `jws-kubeconfig-<id>` key in kube-public/cluster-info per
 * valid, unexpired token Secret with usage-bootstrap-signing, drop the keys of tokens that are
 * gone or invalid, and delete expired token Secrets.
 */
import {signDetached} from '../../../../src/bootstrap/jws.js'
import {
  isTokenSecretExpired,
  type SecretObject,
  signingTokenOfSecret,
  TOKEN_SECRET_TYPE,
} from '../../../../src/bootstrap/secret.js'
import {resourceByKind} from '../registry.js'
import type {Store} from '../store.js'

const JWS_PREFIX = 'jws-kubeconfig-'

export function syncBootstrapSigner(store: Store, now = new Date()): void {
  const cmRes = resourceByKind('ConfigMap')
  const cm = store.get(cmRes, 'kube-public', 'cluster-info')
  if (!cm) return
  const content = cm.data?.kubeconfig as string | undefined
  const data: Record<string, string> = {...(cm.data ?? {})}
  for (const k of Object.keys(data)) if (k.startsWith(JWS_PREFIX)) delete data[k]
  if (content !== undefined) {
    for (const s of store.list(resourceByKind('Secret'), 'kube-system')) {
      const token = signingTokenOfSecret(s as SecretObject, now)
      if (token) data[`${JWS_PREFIX}${token.id}`] = signDetached(content, token.id, token.secret)
    }
  }
  if (JSON.stringify(sorted(data)) !== JSON.stringify(sorted(cm.data ?? {}))) {
    store.update(cmRes, 'kube-public', 'cluster-info', {...cm, data})
  }
}

export function syncTokenCleaner(store: Store, now = new Date()): void {
  const secrets = resourceByKind('Secret')
  for (const s of store.list(secrets, 'kube-system')) {
    if (s.type === TOKEN_SECRET_TYPE && isTokenSecretExpired(s as SecretObject, now)) {
      store.delete(secrets, 'kube-system', s.metadata.name!, {propagation: 'Background'})
    }
  }
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b))
}
