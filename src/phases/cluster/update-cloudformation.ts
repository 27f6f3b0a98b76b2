/**
 * The CloudFormation target of `update cluster --target cloudformation` and `export
 * cloudformation`: render the cluster's model as one template and write it to a directory, or
 * deploy it as the cluster's stack (cloud/aws/cfn/deploy.ts). Templates over CloudFormation's
 * inline limit are written all the same, with a note that they must be uploaded (S3) and deployed
 * by TemplateURL; a deploy puts them in an S3 state store itself.
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
import type {PlanData} from '../../cloud/aws/direct/print.js'
import {loggerProgress} from '../../cloud/aws/direct/progress.js'
import type {Model} from '../../cloud/aws/model/types.js'
import type {StateStore} from '../../state/store.js'
import type {Logger} from '../../util/logger.js'
import {clusterModel, type ModelOptions} from './plan.js'

export interface ExportResult {
  file: string
  bytes: number
  resources: number
  /** Over 51,200 bytes: deploy with TemplateURL after uploading to S3. */
  needsUpload: boolean
}

export function templateFileName(cluster: string, format: TemplateFormat): string {
  return `${cluster}.cloudformation.${format}`
}

/** The one way both the export and the deploy turn a cluster into its stack template. */
async function clusterTemplate(
  cluster: Cluster,
  aws: AwsClients,
  options: ModelOptions,
): Promise<{model: Model; template: CfnTemplate}> {
  const model = await clusterModel(cluster, aws, options)
  return {model, template: renderTemplate(model)}
}

export async function renderClusterTemplate(
  cluster: Cluster,
  aws: AwsClients,
  format: TemplateFormat,
  options: ModelOptions = {},
): Promise<{text: string; resources: number}> {
  const {template} = await clusterTemplate(cluster, aws, options)
  return {text: serializeTemplate(template, format), resources: Object.keys(template.Resources).length}
}

export interface StackUpdateOptions extends ModelOptions {
  aws: AwsClients
  /** Create or update the stack; without it only the plan is worked out. */
  yes: boolean
  /** Holds a template too large to pass inline (S3 stores only). */
  store?: StateStore
  logger: Logger
  onPlan?: (text: string, data: PlanData) => void
}

/** `update cluster --target cloudformation`: plan, and with `yes` deploy, the cluster's stack. */
export async function updateClusterStack(
  cluster: Cluster,
  options: StackUpdateOptions,
): Promise<StackDeployResult> {
  const {model, template} = await clusterTemplate(cluster, options.aws, options)
  return deployStack(cluster.name, {
    aws: options.aws,
    model,
    template,
    text: serializeTemplate(template, 'json'),
    yes: options.yes,
    progress: loggerProgress(options.logger),
    ...(options.store ? {store: options.store} : {}),
    ...(options.onPlan ? {onPlan: options.onPlan} : {}),
  })
}

export async function exportCloudFormation(
  cluster: Cluster,
  options: ModelOptions & {aws: AwsClients; out: string; format?: TemplateFormat},
): Promise<ExportResult> {
  const format = options.format ?? 'json'
  const {text, resources} = await renderClusterTemplate(cluster, options.aws, format, options)
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
