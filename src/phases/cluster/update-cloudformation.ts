/**
 * The CloudFormation target of `update cluster --target cloudformation` and `export
 * cloudformation`: render the cluster's model as one template and write it to a directory.
 *
 * The stack's launch templates carry the user-data the prerequisites phase renders, which needs
 * the cluster key and the state store's objects to exist: they are made directly (`update cluster
 * NAME --phase prerequisites --yes`, or `--target cloudformation --yes`), never by the stack, and
 * the template takes what they made as literal values. An export before they exist is refused,
 * naming what is missing and the command that makes it: a stack whose instances cannot boot is
 * worse than no stack.
 *
 * Templates over CloudFormation's inline limit are written all the same, with a note that they
 * must be uploaded (S3) and deployed by TemplateURL.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Cluster} from '../../api/v1alpha1/types.js'
import {
  INLINE_TEMPLATE_LIMIT,
  renderTemplate,
  serializeTemplate,
  type TemplateFormat,
} from '../../cloud/aws/cfn/template.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {newApplyState} from '../../cloud/aws/direct/apply.js'
import {directContext} from '../../cloud/aws/direct/context.js'
import {planModel} from '../../cloud/aws/direct/plan.js'
import {showValue} from '../../cloud/aws/model/refs.js'
import type {Model} from '../../cloud/aws/model/types.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'
import {type Logger, silentLogger} from '../../util/logger.js'
import {clusterModel} from './plan.js'
import {clusterStoreObjects, storeRefusal} from './prerequisites.js'

export interface ExportResult {
  file: string
  bytes: number
  resources: number
  /** Over 51,200 bytes: deploy with TemplateURL after uploading to S3. */
  needsUpload: boolean
}

export interface CloudFormationOptions {
  aws: AwsClients
  /** Where the prerequisites keep the cluster's objects (and the instance roles read them). */
  store: StateStore
  logger?: Logger
}

export function templateFileName(cluster: string, format: TemplateFormat): string {
  return `${cluster}.cloudformation.${format}`
}

/** The command that makes a cluster's prerequisites directly. */
export function prerequisitesCommand(cluster: string): string {
  return `kforge update cluster ${cluster} --phase prerequisites --yes`
}

/**
 * The model and the literal values the stack takes from the prerequisites; refused, naming each
 * missing or out-of-date prerequisite, when they are not all in place. Reads only.
 */
export async function stackInputs(
  cluster: Cluster,
  options: CloudFormationOptions,
): Promise<{model: Model; literals: ReadonlyMap<string, Record<string, string>>}> {
  const {aws, store} = options
  const logger = options.logger ?? silentLogger
  const refusal = storeRefusal(store.location)
  if (refusal) throw new KforgeError(`cannot export cluster ${cluster.name} as CloudFormation: ${refusal}`)
  const model = await clusterModel(cluster, aws, {stateStore: store.location})
  const ctx = directContext(aws, cluster.name, {
    spec: cluster,
    logger,
    storeObjects: clusterStoreObjects(cluster, {store, aws, logger}),
  })
  const plan = await planModel(model, ctx, {phases: ['prerequisites']})
  const todo = plan.items.filter((i) => i.action !== 'none')
  if (todo.length > 0) {
    const lines = todo.flatMap((i) => {
      const head = `  ${i.action === 'create' ? '+' : '~'} ${i.desired.kind} ${i.desired.name}${i.label ? `: ${i.label}` : ''}`
      const changes = i.changes
        .slice(0, 5)
        .map((c) => `      ${c.field}: ${showValue(c.old)} -> ${showValue(c.new)}`)
      const more = i.changes.length > 5 ? [`      ... and ${i.changes.length - 5} more`] : []
      return [head, ...changes, ...more]
    })
    throw new KforgeError(
      [
        `cannot export cluster ${cluster.name} as CloudFormation: its launch templates' user-data is rendered from ` +
          'prerequisites kforge makes directly, outside the stack, and these are missing or out of date:',
        ...lines,
        `Make them with: ${prerequisitesCommand(cluster.name)}`,
        `(or: kforge update cluster ${cluster.name} --target cloudformation --out DIR --yes, which makes them first)`,
      ].join('\n'),
    )
  }
  return {model, literals: newApplyState(plan).attrs}
}

export async function renderClusterTemplate(
  cluster: Cluster,
  format: TemplateFormat,
  options: CloudFormationOptions,
): Promise<{text: string; resources: number}> {
  const {model, literals} = await stackInputs(cluster, options)
  const template = renderTemplate(model, {literals})
  return {text: serializeTemplate(template, format), resources: Object.keys(template.Resources).length}
}

export async function exportCloudFormation(
  cluster: Cluster,
  options: CloudFormationOptions & {out: string; format?: TemplateFormat},
): Promise<ExportResult> {
  const format = options.format ?? 'json'
  const {text, resources} = await renderClusterTemplate(cluster, format, options)
  await mkdir(options.out, {recursive: true})
  const file = join(options.out, templateFileName(cluster.name, format))
  await writeFile(file, text)
  const bytes = Buffer.byteLength(text)
  return {file, bytes, resources, needsUpload: bytes > INLINE_TEMPLATE_LIMIT}
}

export function exportedText(r: ExportResult): string {
  const lines = [`Wrote ${r.file} (${r.resources} resources, ${r.bytes} bytes).`]
  if (r.needsUpload) {
    lines.push(
      `It is over CloudFormation's ${INLINE_TEMPLATE_LIMIT}-byte limit for an inline template: upload it to S3 and`,
      'deploy it by URL, e.g. aws cloudformation create-stack --template-url https://BUCKET.s3.amazonaws.com/KEY ...',
    )
  }
  return `${lines.join('\n')}\n`
}
