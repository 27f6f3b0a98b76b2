/**
 * The files instances receive from the provisioner: the shared control-plane PKI (kubeadm's
 * "manual certificate distribution" set, so joining control-plane nodes need no certificate key).
 * No bootstrap token exists on the provisioner's side: the first control plane's `kforge init`
 * makes its own (short-lived), and every joining instance obtains one from the node-identity
 * service (src/identity). Nodes receive nothing. The control plane's files live in the state store
 * (src/assets/secrets-bundle.ts), secrets KMS-sealed for its role; user-data only names them.
 */
import type {AssetRole} from '../render/types.js'

export const PKI_DIR = '/etc/kubernetes/pki'
/**
 * The join token the provisioner once kept in the state store (`<cluster>/secrets/bootstrap-token`),
 * before node identity: nothing reads it; the prerequisites delete it where it is left over.
 */
export const RETIRED_BOOTSTRAP_TOKEN = 'secrets/bootstrap-token'

export interface AssetSpec {
  /** Name in the material map and in the bundle: the path under /etc/kubernetes/pki. */
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
