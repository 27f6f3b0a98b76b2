/**
 * The CloudFormation target of `update cluster --target cloudformation` and `export
 * cloudformation`: render the cluster's model as one template and write it to a directory, or
 * deploy it as the cluster's stack (cloud/aws/cfn/deploy.ts). Templates over CloudFormation's
 * inline limit are written all the same, with a note that they must be uploaded (S3) and deployed
 * by TemplateURL; a deploy puts them in an S3 state store itself.
 *
 * The stack's launch templates carry the user-data the prerequisites phase renders, which needs
 * the cluster key and the state store's objects to exist: they are made directly (`update cluster
 * NAME --phase prerequisites --yes`, or `--target cloudformation --yes` first), never by the
 * stack, and the template takes what they made as literal values. A template asked for before
 * they exist is refused, naming what is missing and the command that makes it: a stack whose
 * instances cannot boot is worse than no stack.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Cluster} from '../../api/v1alpha1/types.js'
import {deployStack, type StackDeployResult} from '../../cloud/aws/cfn/deploy.js'
import {
  type CfnTemplate,
  INLINE_TEMPLATE_LIMIT,
  renderTemplate,
  serializeTemplate,
  type TemplateFormat,
} from '../../cloud/aws/cfn/template.js'
import type {AwsClients} from '../../cloud/aws/clients.js'
import {newApplyState} from '../../cloud/aws/direct/apply.js'
import {directContext} from '../../cloud/aws/direct/context.js'
import {planModel} from '../../cloud/aws/direct/plan.js'
import type {PlanData} from '../../cloud/aws/direct/print.js'
import {loggerProgress} from '../../cloud/aws/direct/progress.js'
import {showValue} from '../../cloud/aws/model/refs.js'
import type {Model} from '../../cloud/aws/model/types.js'
import type {StateStore} from '../../state/store.js'
import {KforgeError} from '../../util/errors.js'
import {type Logger, silentLogger} from '../../util/logger.js'
import {clusterModel} from './plan.js'
import {clusterStoreObjects, storeRefusal} from './prerequisites.js'
import {provisionCluster} from './provision.js'

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
        `(or: kforge update cluster ${cluster.name} --target cloudformation --yes, which makes them first)`,
      ].join('\n'),
    )
  }
  return {model, literals: newApplyState(plan).attrs}
}

/** The one way both the export and the deploy turn a cluster into its stack template. */
async function clusterTemplate(
  cluster: Cluster,
  options: CloudFormationOptions,
): Promise<{model: Model; template: CfnTemplate}> {
  const {model, literals} = await stackInputs(cluster, options)
  return {model, template: renderTemplate(model, {literals})}
}

export async function renderClusterTemplate(
  cluster: Cluster,
  format: TemplateFormat,
  options: CloudFormationOptions,
): Promise<{text: string; resources: number}> {
  const {template} = await clusterTemplate(cluster, options)
  return {text: serializeTemplate(template, format), resources: Object.keys(template.Resources).length}
}

export interface StackUpdateOptions extends CloudFormationOptions {
  /** Make the prerequisites, then create or update the stack; without it only plans are worked out. */
  yes: boolean
  logger: Logger
  onPlan?: (text: string, data: PlanData) => void
  /** Also write the template here (once the prerequisites exist, before the deploy). */
  out?: {dir: string; format: TemplateFormat}
}

/**
 * `update cluster --target cloudformation`: with `yes`, apply the prerequisites directly (the
 * direct target's own phase, its plan printed first), then plan and deploy the cluster's stack;
 * without it, plan the stack (refused while the prerequisites are missing).
 */
export async function updateClusterStack(
  cluster: Cluster,
  options: StackUpdateOptions,
): Promise<StackDeployResult & {template?: ExportResult}> {
  if (options.yes) {
    await provisionCluster(cluster, {
      store: options.store,
      aws: options.aws,
      yes: true,
      phase: 'prerequisites',
      logger: options.logger,
      ...(options.onPlan ? {onPlan: options.onPlan} : {}),
    })
  }
  const {model, template} = await clusterTemplate(cluster, options)
  const written = options.out
    ? await writeTemplate(cluster, template, options.out.dir, options.out.format)
    : undefined
  if (written) options.logger.info(exportedText(written).trimEnd())
  const stack = await deployStack(cluster.name, {
    aws: options.aws,
    model,
    template,
    text: serializeTemplate(template, 'json'),
    yes: options.yes,
    progress: loggerProgress(options.logger),
    store: options.store,
    ...(options.onPlan ? {onPlan: options.onPlan} : {}),
  })
  return {...(written ? {template: written} : {}), ...stack}
}

async function writeTemplate(
  cluster: Cluster,
  template: CfnTemplate,
  dir: string,
  format: TemplateFormat,
): Promise<ExportResult> {
  const text = serializeTemplate(template, format)
  await mkdir(dir, {recursive: true})
  const file = join(dir, templateFileName(cluster.name, format))
  await writeFile(file, text)
  const bytes = Buffer.byteLength(text)
  return {
    file,
    bytes,
    resources: Object.keys(template.Resources).length,
    needsUpload: bytes > INLINE_TEMPLATE_LIMIT,
  }
}

export async function exportCloudFormation(
  cluster: Cluster,
  options: CloudFormationOptions & {out: string; format?: TemplateFormat},
): Promise<ExportResult> {
  const {template} = await clusterTemplate(cluster, options)
  return writeTemplate(cluster, template, options.out, options.format ?? 'json')
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
