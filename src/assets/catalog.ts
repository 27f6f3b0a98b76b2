/**
 * The files instances receive from the provisioner: the shared control-plane PKI (kubeadm's
 * "manual certificate distribution" set, so joining control-plane nodes need no certificate key)
 * No bootstrap token travels: the first control plane's `kforge init` makes its own (short-lived),
 * and every joining instance obtains one from the node-identity service (src/identity). Nodes
 * receive no secret at all. Secrets travel KMS-encrypted; certificates and the service-account
 * public key travel as they are.
 */
import type {AssetRole} from '../render/types.js'

export const PKI_DIR = '/etc/kubernetes/pki'
/** Where the provisioner's bootstrap token once went (kept for the state store's key name). */
export const BOOTSTRAP_TOKEN_PATH = '/etc/kforge/secrets/bootstrap-token'
export const BOOTSTRAP_TOKEN = 'bootstrap-token'

export interface AssetSpec {
  /** Name in the material map and in the manifest: the path under /etc/kubernetes/pki for PKI files. */
  name: string
  path: string
  mode: string
  secret: boolean
  roles: readonly AssetRole[]
}

const CP: readonly AssetRole[] = ['control-plane']

function pki(name: string, secret: boolean): AssetSpec {
  return {name, path: `${PKI_DIR}/${name}`, mode: secret ? '0600' : '0644', secret, roles: CP}
}

export const ASSET_CATALOG: readonly AssetSpec[] = [
  pki('ca.crt', false),
  pki('ca.key', true),
  pki('front-proxy-ca.crt', false),
  pki('front-proxy-ca.key', true),
  pki('etcd/ca.crt', false),
  pki('etcd/ca.key', true),
  pki('sa.key', true),
  pki('sa.pub', false),
]
