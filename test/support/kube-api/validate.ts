/** Field validation the real server does on write, for the rules kforge could plausibly break (422 Invalid). */
import type {ResourceInfo} from './registry.js'
import {errors} from './status.js'
import type {Obj} from './store.js'

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/
// RBAC object names may contain ':' (path segment names), like `kubeadm:get-nodes`.
const RBAC_KINDS = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'])

export function validate(r: ResourceInfo, obj: Obj, live?: Obj): void {
  const causes: {field: string; message: string}[] = []
  const name = obj.metadata?.name ?? ''
  if (!name) {
    causes.push({field: 'metadata.name', message: 'Required value: name or generateName is required'})
  } else if (RBAC_KINDS.has(r.kind)) {
    if (name.includes('/') || name.includes('%') || name === '.' || name === '..') {
      causes.push({field: 'metadata.name', message: `Invalid value: "${name}": may not contain '/' or '%'`})
    }
  } else if (name.length > 253 || !SUBDOMAIN.test(name)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    })
  }
  switch (r.kind) {
    case 'Secret':
      for (const [k, v] of Object.entries((obj.data ?? {}) as Record<string, unknown>)) {
        if (!CONFIG_KEY.test(k))
          causes.push({
            field: `data[${k}]`,
            message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
          })
        if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))
          causes.push({field: `data[${k}]`, message: 'Invalid value: illegal base64 data'})
      }
      if (live && live.type !== obj.type)
        causes.push({field: 'type', message: `Invalid value: "${obj.type}": field is immutable`})
      break
    case 'ConfigMap':
      for (const k of Object.keys(obj.data ?? {})) {
        if (!CONFIG_KEY.test(k))
          causes.push({
            field: `data[${k}]`,
            message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
          })
      }
      break
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!obj.roleRef?.name || !obj.roleRef?.kind) causes.push({field: 'roleRef', message: 'Required value'})
      if (live && JSON.stringify(live.roleRef) !== JSON.stringify(obj.roleRef)) {
        causes.push({field: 'roleRef', message: 'Invalid value: cannot change roleRef'})
      }
      break
    case 'CertificateSigningRequest':
      if (!obj.spec?.signerName) causes.push({field: 'spec.signerName', message: 'Required value'})
      if (!live && !isCsrPem(obj.spec?.request)) {
        causes.push({
          field: 'spec.request',
          message: 'Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST',
        })
      }
      break
    case 'Pod':
      if (!Array.isArray(obj.spec?.containers) || obj.spec.containers.length === 0) {
        causes.push({field: 'spec.containers', message: 'Required value'})
      }
      break
    case 'DaemonSet':
    case 'Deployment': {
      const sel = obj.spec?.selector?.matchLabels as Record<string, string> | undefined
      const labels = (obj.spec?.template?.metadata?.labels ?? {}) as Record<string, string>
      if (!sel || Object.keys(sel).length === 0)
        causes.push({field: 'spec.selector', message: 'Required value'})
      else if (Object.entries(sel).some(([k, v]) => labels[k] !== v)) {
        causes.push({
          field: 'spec.template.metadata.labels',
          message: 'Invalid value: `selector` does not match template `labels`',
        })
      }
      if (live && JSON.stringify(live.spec?.selector) !== JSON.stringify(obj.spec?.selector)) {
        causes.push({field: 'spec.selector', message: 'Invalid value: field is immutable'})
      }
      break
    }
    case 'Node':
      for (const [i, t] of ((obj.spec?.taints ?? []) as {effect?: string}[]).entries()) {
        if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect ?? '')) {
          // upstream's validation names the path metadata.taints, though the field is spec.taints
          causes.push({
            field: `metadata.taints[${i}].effect`,
            message: `Unsupported value: "${t.effect}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
          })
        }
      }
      break
  }
  if (causes.length > 0) throw errors.invalid(r.group, r.kind, name, causes)
}

function isCsrPem(value: unknown): boolean {
  if (typeof value !== 'string') return false
  const pem = Buffer.from(value, 'base64').toString('utf8')
  return /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----/.test(pem)
}
