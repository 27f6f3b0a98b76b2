/**
 * Read a kubeadm config file: `---`-separated InitConfiguration, ClusterConfiguration,
 * JoinConfiguration, ResetConfiguration, UpgradeConfiguration (kubeadm.k8s.io/v1beta4, or the
 * experimental v1 when allowed), plus the component configs kubeadm accepts beside them. Every
 * problem is collected and reported at once with its document, field path and line: unknown
 * fields (with the nearest known name), wrong types, unknown kinds. Removed API versions
 * (v1beta3 and older, gone in kubeadm v1.37) are refused with the kubeadm release that migrates
 * them, as kubeadm itself does.
 */
import {readFile} from 'node:fs/promises'
import {parseDocuments, type SourceDocument} from '../api/parse.js'
import {formatPath, type Path, Problems, type Subject, subjectLabel} from '../api/problems.js'
import {checkShape, dropNulls, isPlainObject} from '../api/shape.js'
import {KforgeError} from '../util/errors.js'
import {clusterShape, initShape, joinShape, type ShapeVersion} from './shapes.js'
import {
  EXPERIMENTAL_KUBEADM_API_VERSIONS,
  KUBEADM_API_VERSIONS,
  type KubeadmApiVersion,
  type KubeadmDocuments,
  REMOVED_KUBEADM_API_VERSIONS,
} from './types.js'

type Slot = keyof KubeadmDocuments

const COMPONENT_KINDS: Record<string, {apiVersion: string; slot: Slot}> = {
  KubeletConfiguration: {apiVersion: 'kubelet.config.k8s.io/v1beta1', slot: 'kubelet'},
  KubeProxyConfiguration: {apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', slot: 'kubeProxy'},
}

/** Every kind exists in both v1beta4 and v1. */
const KUBEADM_KINDS: Record<string, Slot> = {
  InitConfiguration: 'init',
  ClusterConfiguration: 'cluster',
  JoinConfiguration: 'join',
  ResetConfiguration: 'reset',
  UpgradeConfiguration: 'upgrade',
}

/** The flag that lets a command read experimental API versions (kubeadm's name for it). */
const ALLOW_EXPERIMENTAL_API_FLAG = 'allow-experimental-api'

export interface KubeadmLoadOptions {
  /**
   * Accept kubeadm.k8s.io/v1, which kubeadm v1.37 registers but calls experimental: off for
   * user files unless --allow-experimental-api is given; on for what kforge itself wrote.
   */
  allowExperimental?: boolean
}

export async function readKubeadmConfig(
  file: string,
  options: KubeadmLoadOptions = {},
): Promise<KubeadmDocuments> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new KforgeError(`--config ${file}: cannot read the file (${(err as Error).message})`)
  }
  return parseKubeadmConfig(text, file, options)
}
/**
 * Problems labelled by kind (`ClusterConfiguration (document 2)`) with the line of the field at
 * fault, which is what a user looks for in a kubeadm file.
 */
class KubeadmProblems extends Problems {
  docs: SourceDocument[] = []

  private label(subject: Subject): string {
    if (!('document' in subject)) return subjectLabel(subject)
    const value = this.docs[subject.document - 1]?.value
    const kind = isPlainObject(value) && typeof value.kind === 'string' ? value.kind : undefined
    return kind ? `${kind} (document ${subject.document})` : `document ${subject.document}`
  }

  private lineOfField(subject: Subject, path: Path): string {
    const line = 'document' in subject ? this.docs[subject.document - 1]?.lineOf(path) : undefined
    return line === undefined ? '' : ` (line ${line})`
  }

  override about(subject: Subject, text: string): void {
    this.general(`${this.label(subject)}: ${text}`)
  }

  override field(subject: Subject, path: Path, text: string): void {
    this.about(subject, `${formatPath(path)} ${text}${this.lineOfField(subject, path)}`)
  }

  override fieldError(subject: Subject, path: Path, text: string): void {
    this.about(subject, `${formatPath(path)}: ${text}${this.lineOfField(subject, path)}`)
  }
}

export function parseKubeadmConfig(
  text: string,
  file: string,
  options: KubeadmLoadOptions = {},
): KubeadmDocuments {
  const problems = new KubeadmProblems(file)
  const docs = parseDocuments(text, problems)
  problems.docs = docs
  problems.throwIfAny()
  const out: KubeadmDocuments = {}
  const reader: Reader = {file, out, problems, options, refused: new Set()}
  for (const doc of docs) readDocument(doc, reader)
  if (docs.length === 0)
    problems.general(
      'no documents found (expected InitConfiguration, ClusterConfiguration or JoinConfiguration)',
    )
  problems.throwIfAny()
  return out
}

interface Reader {
  file: string
  out: KubeadmDocuments
  problems: Problems
  options: KubeadmLoadOptions
  /** Removed API versions already reported: one explanation per version, not per document. */
  refused: Set<string>
}

/**
 * Why a removed apiVersion is refused and how to move on: `kubeadm config migrate` of the last
 * kubeadm release that reads it, then of each later one up to v1.36 (which writes v1beta4).
 */
function removedVersionProblem(apiVersion: string, file: string): string | undefined {
  const at = REMOVED_KUBEADM_API_VERSIONS.findIndex(([v]) => v === apiVersion)
  if (at < 0) return undefined
  const releases = REMOVED_KUBEADM_API_VERSIONS.slice(at).map(([, release]) => `kubeadm ${release}`)
  const steps = releases.length === 1 ? releases[0] : `${releases.join(', then ')} (one migration each)`
  return (
    `${apiVersion} is no longer supported: kubeadm v1.37 removed it and reads only kubeadm.k8s.io/v1beta4 ` +
    `(and the experimental kubeadm.k8s.io/v1). Convert the file with ${steps}: ` +
    `kubeadm config migrate --old-config ${file} --new-config <new file>`
  )
}

function readDocument(doc: SourceDocument, reader: Reader): void {
  const {out, problems} = reader
  const subject: Subject = {document: doc.index}
  if (!isPlainObject(doc.value)) {
    problems.about(subject, 'expected a mapping with apiVersion and kind')
    return
  }
  const value = dropNulls(doc.value)
  const {apiVersion, kind} = value as {apiVersion?: unknown; kind?: unknown}
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    problems.about(subject, 'apiVersion and kind are required')
    return
  }
  const component = COMPONENT_KINDS[kind]
  if (component) {
    if (apiVersion !== component.apiVersion) {
      problems.fieldError(
        subject,
        ['apiVersion'],
        `${kind} must be ${component.apiVersion}, got "${apiVersion}"`,
      )
    }
    store(out, component.slot, value, kind, subject, problems)
    return
  }
  const slot = KUBEADM_KINDS[kind]
  if (!slot) {
    const kinds = [...Object.keys(KUBEADM_KINDS), ...Object.keys(COMPONENT_KINDS)].join(', ')
    problems.fieldError(subject, ['kind'], `unknown kind "${kind}" (expected one of ${kinds})`)
    return
  }
  const removed = removedVersionProblem(apiVersion, reader.file)
  if (removed) {
    if (!reader.refused.has(apiVersion)) problems.fieldError(subject, ['apiVersion'], removed)
    reader.refused.add(apiVersion)
    return
  }
  if (!(KUBEADM_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    problems.fieldError(
      subject,
      ['apiVersion'],
      `"${apiVersion}" is not supported (expected ${KUBEADM_API_VERSIONS.join(' or ')})`,
    )
    return
  }
  if (
    EXPERIMENTAL_KUBEADM_API_VERSIONS.includes(apiVersion as KubeadmApiVersion) &&
    !reader.options.allowExperimental
  ) {
    problems.fieldError(
      subject,
      ['apiVersion'],
      `${apiVersion} is experimental in kubeadm v1.37 and not allowed without --${ALLOW_EXPERIMENTAL_API_FLAG} ` +
        '(or write kubeadm.k8s.io/v1beta4: the same fields, without extraArgs mergeMethod)',
    )
    return
  }
  const version = apiVersion.split('/')[1] as ShapeVersion
  if (version === 'v1') dropEmptyMergeMethods(value)
  const shape =
    kind === 'InitConfiguration'
      ? initShape(version)
      : kind === 'ClusterConfiguration'
        ? clusterShape(version)
        : kind === 'JoinConfiguration'
          ? joinShape(version)
          : undefined
  if (shape) checkShape(value, shape, [], subject, problems)
  store(out, slot, value, kind, subject, problems)
}

function store(
  out: KubeadmDocuments,
  slot: Slot,
  value: Record<string, unknown>,
  kind: string,
  subject: Subject,
  problems: Problems,
): void {
  if (out[slot]) {
    problems.about(subject, `a second ${kind} document (only one is allowed)`)
    return
  }
  out[slot] = value
}

/**
 * `mergeMethod: ""` means replace, exactly as leaving it out (kubeadm's field is omitempty): drop
 * it from every extraArgs / kubeletExtraArgs entry so the rest of kforge sees one form.
 */
function dropEmptyMergeMethods(node: unknown, key = ''): void {
  if (Array.isArray(node)) {
    for (const item of node) {
      if (
        (key === 'extraArgs' || key === 'kubeletExtraArgs') &&
        isPlainObject(item) &&
        item.mergeMethod === ''
      )
        delete item.mergeMethod
      else dropEmptyMergeMethods(item)
    }
  } else if (isPlainObject(node)) {
    for (const [k, v] of Object.entries(node)) dropEmptyMergeMethods(v, k)
  }
}
