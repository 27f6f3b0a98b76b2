/**
 * The one entry point for user-data: `renderUserData` turns an instance group, its cluster and the
 * cluster's assets into the bytes EC2 receives. The launch templates, the CloudFormation export and
 * `kforge export userdata` all call it, so they can never disagree.
 *
 * Delivery: the cloud-config as is when it fits EC2's 16 KB; else gzip-compressed (cloud-init
 * unpacks gzip user-data itself); else a stub that fetches the full cloud-config from the state
 * store and checks its sha256, which is embedded so a config change still changes the stub.
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {parse} from 'yaml'
import type {Cluster} from '../api/v1alpha1/types.js'
import {KforgeError} from '../util/errors.js'
import {modulesFor} from './cloud-config-schema.js'
import {instanceView} from './files.js'
import {renderTemplate} from './templates.js'
import {
  type ClusterAssets,
  type Delivery,
  type RenderedUserData,
  type RenderInput,
  type TemplateName,
  USER_DATA_LIMIT,
} from './types.js'
import {fetchTarget, parseS3Url, s3Join} from './urls.js'

/** A cloud-config that cannot reach its instances: over the limit, and no way to fetch it. */
export class UserDataTooLargeError extends KforgeError {
  constructor(
    message: string,
    readonly group: string,
    /** The full cloud-config that did not fit. */
    readonly cloudConfig: string,
  ) {
    super(message)
    this.name = 'UserDataTooLargeError'
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** The user's cloud-config fragment, without its own header, ending in one newline. */
function additionalFragment(text: string | undefined): string | null {
  if (!text || text.trim() === '') return null
  const body = text.replace(/^#cloud-config[^\n]*\n/, '').replace(/\s+$/, '')
  return body === '' ? null : body
}

/** The full cloud-config of one instance group. */
export function renderCloudConfig(input: RenderInput): {
  template: TemplateName
  description: string
  text: string
} {
  const {cluster, group, assets} = input
  const view = instanceView(cluster, group, assets)
  const text = renderTemplate('cloud-config.yaml', {
    description: view.description,
    cluster: cluster.name,
    group: group.name,
    files: view.files,
    additionalCloudConfig: additionalFragment(group.spec.additionalCloudConfig),
  })
  return {template: view.template, description: view.description, text}
}

/**
 * The cloud-init modules the group's additionalCloudConfig needs. The stub runs them itself after
 * applying the fetched config's files: cloud-init read its config before the fetch.
 */
function additionalModules(text: string | undefined): string[] {
  const fragment = additionalFragment(text)
  if (!fragment) return []
  let parsed: unknown
  try {
    parsed = parse(fragment)
  } catch {
    return [] // validation reports the YAML error with its line
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return []
  return modulesFor(Object.keys(parsed)).filter((m) => m !== 'write_files' && m !== 'runcmd')
}

/** Where the stub's full cloud-config lives, relative to the state store. */
export function publishedConfigKey(clusterName: string, groupName: string, configSha256: string): string {
  return `${clusterName}/userdata/${groupName}/${configSha256}.yaml`
}

/**
 * gzip with a fixed header (no name, mtime 0, OS "Unix"), so the bytes depend only on the text
 * and the compressor, not on the machine that ran kforge.
 */
export function gzipDeterministic(text: string): Buffer {
  const out = gzipSync(Buffer.from(text, 'utf8'), {level: 9})
  out[9] = 3
  return out
}

function renderStub(
  input: RenderInput,
  description: string,
  cloudConfig: string,
  configSha256: string,
): {stub: string; key: string} {
  const {cluster, group, assets} = input
  const key = publishedConfigKey(cluster.name, group.name, configSha256)
  const size = Buffer.byteLength(cloudConfig)
  if (!parseS3Url(assets.stateStore)) {
    throw new UserDataTooLargeError(
      `userdata/${group.name}: the cloud-config is ${size} bytes, over EC2's ${USER_DATA_LIMIT}-byte ` +
        `user-data limit even compressed, and the state store "${assets.stateStore}" is not in S3, so ` +
        'instances cannot fetch it: use an s3:// state store (--state), or make the group smaller ' +
        '(spec.additionalCloudConfig)',
      group.name,
      cloudConfig,
    )
  }
  const target = fetchTarget(
    s3Join(assets.stateStore, key),
    assets.stateStoreRegion ?? cluster.spec.cloud.aws.region,
    `userdata/${group.name}`,
  )
  const stub = renderTemplate('stub.yaml', {
    description,
    cluster: cluster.name,
    group: group.name,
    size,
    lib: renderTemplate('lib.sh', {kubernetes: null}),
    url: target.url,
    region: target.region,
    sha256: configSha256,
    modules: additionalModules(group.spec.additionalCloudConfig),
  })
  return {stub, key}
}

/** Render one instance group's user-data. Deterministic: identical input, identical bytes. */
export function renderUserData(input: RenderInput): RenderedUserData {
  const {template, description, text: cloudConfig} = renderCloudConfig(input)
  const cloudConfigSha256 = sha256(cloudConfig)
  let delivery: Delivery = 'plain'
  let userData: Buffer = Buffer.from(cloudConfig, 'utf8')
  let publish: RenderedUserData['publish']
  if (userData.length > USER_DATA_LIMIT) {
    delivery = 'gzip'
    userData = gzipDeterministic(cloudConfig)
  }
  if (userData.length > USER_DATA_LIMIT) {
    delivery = 'stub'
    const {stub, key} = renderStub(input, description, cloudConfig, cloudConfigSha256)
    userData = Buffer.from(stub, 'utf8')
    publish = {key, body: cloudConfig}
    if (userData.length > USER_DATA_LIMIT) {
      throw new UserDataTooLargeError(
        `userdata/${input.group.name}: even the fetch stub is ${userData.length} bytes, over EC2's ` +
          `${USER_DATA_LIMIT}-byte user-data limit`,
        input.group.name,
        cloudConfig,
      )
    }
  }
  return {
    group: input.group.name,
    template,
    cloudConfig,
    cloudConfigSha256,
    userData,
    userDataBase64: userData.toString('base64'),
    sha256: sha256(userData),
    delivery,
    ...(publish ? {publish} : {}),
  }
}

/** Every instance group's user-data, in spec order. */
export function renderClusterUserData(cluster: Cluster, assets: ClusterAssets): RenderedUserData[] {
  return cluster.instanceGroups.map((group) => renderUserData({cluster, group, assets}))
}
