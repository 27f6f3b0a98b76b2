/**
 * What instances boot from: spec.mirror (air-gapped installs) and spec.additionalCloudConfig (a
 * group's cloud-config fragment). Checked here so a bad URL, checksum or fragment is refused when the spec is read,
 * long before an instance fails to boot on it. The rendered cloud-config is checked later
 * (render/validate.ts, run by `kforge validate -f`).
 */
import {isMap, isSeq, LineCounter, parseDocument} from 'yaml'
import type {Path, Problems, Subject} from '../problems.js'
import {describeValue} from '../shape.js'
import {MIRROR_ARTIFACTS, type MirrorSpec} from './types.js'

/** `https://host[/path]`; S3 bucket names are 3-63 lowercase letters, digits, dots and hyphens. */
const HTTPS_URL = /^https:\/\/[^\s/'"?#]+(\/[^\s'"?#]*)?$/
const S3_URL = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s'"]*)?$/
export const SHA256_HEX = /^[0-9a-f]{64}$/

export function validateMirror(mirror: MirrorSpec, subject: Subject, problems: Problems): void {
  const at = ['spec', 'mirror'] as const
  if (!HTTPS_URL.test(mirror.baseUrl) && !S3_URL.test(mirror.baseUrl)) {
    problems.field(
      subject,
      [...at, 'baseUrl'],
      `("${mirror.baseUrl}") must be an https:// URL or an s3://bucket/prefix location`,
    )
  }
  for (const name of MIRROR_ARTIFACTS) {
    const {path, sha256} = mirror[name]
    if (path.replace(/^\/+/, '') === '' || /[\s'"]/.test(path) || path.includes('://')) {
      problems.field(
        subject,
        [...at, name, 'path'],
        `("${path}") must be a path under spec.mirror.baseUrl, without spaces or quotes (like kubernetes/v1.37.2/amd64/${name})`,
      )
    }
    if (!SHA256_HEX.test(sha256)) {
      problems.field(
        subject,
        [...at, name, 'sha256'],
        `("${sha256}") is not a SHA-256: 64 lowercase hex digits, as sha256sum prints them`,
      )
    }
  }
}

/**
 * A group's cloud-config fragment must be one YAML mapping (its keys join the rendered
 * cloud-config's). A leading `#cloud-config` line is a YAML comment, so it is allowed; a fragment
 * of only comments adds nothing and is allowed too.
 */
export function checkCloudConfigFragment(text: string, at: Path, subject: Subject, problems: Problems): void {
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, prettyErrors: false})
  const error = doc.errors[0]
  if (error) {
    const message =
      error.code === 'MULTIPLE_DOCS'
        ? 'holds more than one YAML document (a "---" line); write one mapping'
        : (error.message.split('\n')[0] ?? error.code)
    problems.field(
      subject,
      at,
      `is not valid YAML: line ${lines.linePos(error.pos[0]).line} of the fragment: ${message}`,
    )
    return
  }
  const root = doc.contents
  if (root === null || isMap(root)) return
  const got = isSeq(root) ? 'a list' : describeValue(doc.toJS())
  problems.field(
    subject,
    at,
    `must be a YAML mapping of cloud-config keys (like "packages: [jq]"), got ${got}`,
  )
}
