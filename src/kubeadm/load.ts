/**
 * Read a kubeadm config file: `---`-separated InitConfiguration, ClusterConfiguration,
 * JoinConfiguration (kubeadm.k8s.io/v1beta3 or v1beta4), plus the component configs kubeadm
 * accepts beside them. Every problem is collected and reported at once with its document, field
 * path and line: unknown fields (with the nearest known name), wrong types, unknown kinds.
 * v1beta3 documents are converted to v1beta4's form: extraArgs maps become name/value lists sorted
 * by name then value (kubeadm's own conversion), and its scattered timeouts move into `timeouts`.
 */
import {readFile} from 'node:fs/promises'
import {parseDocuments, type SourceDocument} from '../api/parse.js'
import {formatPath, type Path, Problems, type Subject, subjectLabel} from '../api/problems.js'
import {checkShape, dropNulls, isPlainObject} from '../api/shape.js'
import {KforgeError} from '../util/errors.js'
import {clusterShape, initShape, joinShape, type ShapeVersion} from './shapes.js'
import {type Arg, KUBEADM_API_VERSIONS, type KubeadmApiVersion, type KubeadmDocuments} from './types.js'

type Slot = keyof Omit<KubeadmDocuments, 'apiVersion'>

const COMPONENT_KINDS: Record<string, {apiVersion: string; slot: Slot}> = {
  KubeletConfiguration: {apiVersion: 'kubelet.config.k8s.io/v1beta1', slot: 'kubelet'},
  KubeProxyConfiguration: {apiVersion: 'kubeproxy.config.k8s.io/v1alpha1', slot: 'kubeProxy'},
}

const KUBEADM_KINDS: Record<string, {slot: Slot; versions: readonly ShapeVersion[]}> = {
  InitConfiguration: {slot: 'init', versions: ['v1beta3', 'v1beta4']},
  ClusterConfiguration: {slot: 'cluster', versions: ['v1beta3', 'v1beta4']},
  JoinConfiguration: {slot: 'join', versions: ['v1beta3', 'v1beta4']},
  ResetConfiguration: {slot: 'reset', versions: ['v1beta4']},
  UpgradeConfiguration: {slot: 'upgrade', versions: ['v1beta4']},
}

export async function readKubeadmConfig(file: string): Promise<KubeadmDocuments> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new KforgeError(`--config ${file}: cannot read the file (${(err as Error).message})`)
  }
  return parseKubeadmConfig(text, file)
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

export function parseKubeadmConfig(text: string, file: string): KubeadmDocuments {
  const problems = new KubeadmProblems(file)
  const docs = parseDocuments(text, problems)
  problems.docs = docs
  problems.throwIfAny()
  const out: KubeadmDocuments = {}
  for (const doc of docs) readDocument(doc, out, problems)
  if (docs.length === 0)
    problems.general(
      'no documents found (expected InitConfiguration, ClusterConfiguration or JoinConfiguration)',
    )
  problems.throwIfAny()
  if (out.apiVersion === 'kubeadm.k8s.io/v1beta3') moveV1beta3Timeouts(out)
  return out
}

function readDocument(doc: SourceDocument, out: KubeadmDocuments, problems: Problems): void {
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
  const known = KUBEADM_KINDS[kind]
  if (!known) {
    const kinds = [...Object.keys(KUBEADM_KINDS), ...Object.keys(COMPONENT_KINDS)].join(', ')
    problems.fieldError(subject, ['kind'], `unknown kind "${kind}" (expected one of ${kinds})`)
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
  const version = apiVersion.split('/')[1] as ShapeVersion
  if (!known.versions.includes(version)) {
    problems.fieldError(subject, ['kind'], `${kind} does not exist in ${apiVersion}`)
    return
  }
  if (out.apiVersion && out.apiVersion !== apiVersion) {
    problems.fieldError(
      subject,
      ['apiVersion'],
      `mixes ${apiVersion} with ${out.apiVersion} from an earlier document`,
    )
    return
  }
  out.apiVersion = apiVersion as KubeadmApiVersion
  const shape =
    kind === 'InitConfiguration'
      ? initShape(version)
      : kind === 'ClusterConfiguration'
        ? clusterShape(version)
        : kind === 'JoinConfiguration'
          ? joinShape(version)
          : undefined
  if (shape) checkShape(value, shape, [], subject, problems)
  const converted = version === 'v1beta3' ? convertV1beta3(kind, value) : value
  store(out, known.slot, converted, kind, subject, problems)
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

/** v1beta3 map → v1beta4 list, sorted by name then value as kubeadm's conversion does. */
export function argsFromMap(map: unknown): Arg[] {
  if (!isPlainObject(map)) return []
  return Object.entries(map)
    .map(([name, value]) => ({name, value: String(value)}))
    .sort((a, b) => (a.name === b.name ? cmp(a.value, b.value) : cmp(a.name, b.name)))
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function convertArgsAt(value: Record<string, unknown>, path: Path): void {
  let node: unknown = value
  for (const seg of path.slice(0, -1)) node = isPlainObject(node) ? node[seg as string] : undefined
  const key = path.at(-1) as string
  if (isPlainObject(node) && node[key] !== undefined) node[key] = argsFromMap(node[key])
}

function convertV1beta3(kind: string, value: Record<string, unknown>): Record<string, unknown> {
  const v = structuredClone(value)
  if (kind === 'ClusterConfiguration') {
    for (const c of ['apiServer', 'controllerManager', 'scheduler']) convertArgsAt(v, [c, 'extraArgs'])
    convertArgsAt(v, ['etcd', 'local', 'extraArgs'])
  }
  if (kind === 'InitConfiguration' || kind === 'JoinConfiguration')
    convertArgsAt(v, ['nodeRegistration', 'kubeletExtraArgs'])
  if (kind === 'JoinConfiguration') {
    const discovery = v.discovery as Record<string, unknown> | undefined
    if (discovery?.timeout !== undefined) {
      v.timeouts = {discovery: discovery.timeout}
      delete discovery.timeout
    }
  }
  return v
}

/** v1beta3's apiServer.timeoutForControlPlane becomes v1beta4's init timeouts.controlPlaneComponentHealthCheck. */
function moveV1beta3Timeouts(out: KubeadmDocuments): void {
  const apiServer = out.cluster?.apiServer as Record<string, unknown> | undefined
  const timeout = apiServer?.timeoutForControlPlane
  if (timeout === undefined || !apiServer) return
  delete apiServer.timeoutForControlPlane
  out.init ??= {}
  out.init.timeouts = {controlPlaneComponentHealthCheck: timeout}
}
