/** kubeadm's GetLocalAPIEndpoint: this node's own API server, `https://advertiseAddress:bindPort`. */
import type {APIEndpoint} from './types.js'

export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

export function localApiServerUrl(ep: APIEndpoint): string {
  return `https://${bracketHost(ep.advertiseAddress)}:${ep.bindPort}`
}
