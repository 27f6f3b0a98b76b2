/**
 * Authentication as kube-apiserver does it with `--client-ca-file` and the bootstrap token
 * authenticator: a client certificate verified by the cluster CA is user CN, groups O; a bearer
 * token of bootstrap shape is looked up in its kube-system Secret (cluster-bootstrap rules);
 * presented but invalid credentials are 401; no credentials at all is system:anonymous.
 */
import type {IncomingMessage} from 'node:http'
import type {TLSSocket} from 'node:tls'
import {authenticateToken} from '../../../src/bootstrap/secret.js'
import {TOKEN_PATTERN} from '../../../src/bootstrap/token.js'
import {resourceByKind} from './registry.js'
import {errors} from './status.js'
import type {Store} from './store.js'

export interface UserInfo {
  name: string
  groups: string[]
  uid?: string
}

export const ANONYMOUS: UserInfo = {name: 'system:anonymous', groups: ['system:unauthenticated']}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}

export function authenticate(req: IncomingMessage, store: Store): UserInfo {
  const header = req.headers.authorization
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header)
    if (!m) throw errors.unauthorized()
    const t = TOKEN_PATTERN.exec(m[1]!)
    if (!t) throw errors.unauthorized() // no other token authenticators are configured
    const secret = store.get(resourceByKind('Secret'), 'kube-system', `bootstrap-token-${t[1]}`)
    const id =
      secret &&
      authenticateToken(secret as Parameters<typeof authenticateToken>[0], {id: t[1]!, secret: t[2]!})
    if (!id) throw errors.unauthorized()
    return {name: id.user, groups: [...id.groups, 'system:authenticated']}
  }
  const socket = req.socket as TLSSocket
  const peer = socket.getPeerCertificate?.()
  if (peer && Object.keys(peer).length > 0) {
    if (!socket.authorized) throw errors.unauthorized()
    const cn = asList(peer.subject?.CN)[0]
    if (!cn) throw errors.unauthorized()
    return {name: cn, groups: [...asList(peer.subject?.O), 'system:authenticated']}
  }
  return ANONYMOUS
}
