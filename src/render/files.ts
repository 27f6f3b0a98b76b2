/**
 * What goes onto an instance: the files of its cloud-config and the values its boot script
 * needs. Every decision about an instance group's boot (template, package sources, which assets)
 * is made here in TypeScript; the templates only lay the results out.
 */

import {
  type Cluster,
  type InstanceGroup,
  MIRROR_ARTIFACTS,
  type MirrorArtifact,
  type MirrorSpec,
} from '../api/v1alpha1/types.js'
import {parseVersion} from '../api/versions.js'
import {hasDrainHook} from '../cloud/aws/build/drain-hook.js'
import {KforgeError} from '../util/errors.js'
import {kubeadmConfig} from './kubeadm.js'
import {nodeBootstrapFile, pivotRecoverUnits} from './node-bootstrap.js'
import {renderTemplate} from './templates.js'
import type {AssetRole, ClusterAssets, InstanceFile, TemplateName} from './types.js'
import {type FetchTarget, fetchTarget, mirrorUrl} from './urls.js'

/** Node.js major version instances run the node agent with (NodeSource's node_<major>.x). */
export const NODE_MAJOR = 22

export const DESCRIPTIONS: Readonly<Record<TemplateName, string>> = {
  'control-plane-init': 'first control-plane node (kforge init once)',
  'control-plane-join': 'control-plane node joining the cluster (kforge join, control plane)',
  node: 'worker node (kforge join)',
  bastion: 'bastion host',
}

/**
 * Which boot an instance group gets. The first control-plane group (in spec order) may create the
 * cluster, so it must hold exactly one instance; its boot still asks the state store's init
 * record (src/lifecycle/init-once.ts) and joins when the cluster exists. The others always join.
 */
export function templateFor(cluster: Cluster, group: InstanceGroup): TemplateName {
  const role = group.spec.role
  switch (role) {
    case 'bastion':
      return 'bastion'
    case 'node':
      return 'node'
    case 'control-plane': {
      const first = cluster.instanceGroups.find((g) => g.spec.role === 'control-plane')
      if (first?.name !== group.name) return 'control-plane-join'
      if (group.spec.minSize !== 1 || group.spec.maxSize !== 1) {
        throw new KforgeError(
          `InstanceGroup "${group.name}": the first control-plane group runs \`kforge init\` and must ` +
            `hold exactly one instance (spec.minSize and spec.maxSize 1, not ${group.spec.minSize}..${group.spec.maxSize}); ` +
            'spread further control-plane nodes over other groups',
        )
      }
      return 'control-plane-init'
    }
    default: {
      const never: never = role
      throw new KforgeError(`InstanceGroup "${group.name}": unknown role "${String(never)}"`)
    }
  }
}

const SHA256 = /^[0-9a-f]{64}$/

function checkSha256(sum: string, what: string): string {
  if (!SHA256.test(sum)) throw new KforgeError(`${what}: sha256 "${sum}" is not 64 lowercase hex digits`)
  return sum
}

export function kubernetesView(version: string): Record<string, string> {
  const v = parseVersion(version)
  if (!v) throw new KforgeError(`spec.kubernetesVersion "${version}" is not a vX.Y.Z version`)
  const minor = `v${v.major}.${v.minor}`
  const channel = v.pre ? 'prerelease' : 'stable'
  const repository = `https://pkgs.k8s.io/core:/${channel}:/${minor}/deb/`
  // Debian orders `~` before anything, so a pre-release sorts before its release.
  const debVersion = `${v.major}.${v.minor}.${v.patch}${v.pre ? `~${v.pre}` : ''}-*`
  return {
    version,
    minor,
    repository,
    keyUrl: `${repository}Release.key`,
    sourceLine: `${repository} /`,
    kubeletPackage: `kubelet=${debVersion}`,
    kubectlPackage: `kubectl=${debVersion}`,
  }
}

type MirrorView = Record<keyof Omit<MirrorSpec, 'baseUrl'>, {url: string; sha256: string}> & {
  baseUrl: string
  region: string
}

export function mirrorView(mirror: MirrorSpec, region: string): MirrorView {
  const view: Partial<MirrorView> = {baseUrl: mirror.baseUrl}
  let signing: string | undefined
  for (const name of MIRROR_ARTIFACTS) {
    const artifact: MirrorArtifact | undefined = mirror[name]
    const what = `spec.mirror.${name}`
    if (!artifact) throw new KforgeError(`${what}: missing (a mirror must provide every artifact)`)
    const target: FetchTarget = fetchTarget(mirrorUrl(mirror.baseUrl, artifact.path), region, `${what}.path`)
    signing = target.region
    view[name] = {url: target.url, sha256: checkSha256(artifact.sha256, `${what}.sha256`)}
  }
  view.region = signing!
  return view as MirrorView
}

/**
 * `/etc/kforge/assets.json`: the cluster and region every node command reads, and for a role that
 * receives files, where its bundle is (the node agent fetches it with the instance role, checks
 * the sha256, and opens the sealed files with KMS). A reference only: no secret, sealed or not.
 */
function assetsManifest(cluster: Cluster, assets: ClusterAssets, role: AssetRole, region: string): string {
  const ref = assets.bundles[role]
  const secrets = ref
    ? {
        secrets: {
          url: ref.url,
          region: assets.stateStoreRegion ?? region,
          role,
          sha256: checkSha256(ref.sha256, `${role} secrets bundle`),
        },
      }
    : {}
  return `${JSON.stringify({cluster: cluster.name, region, ...secrets})}\n`
}

export interface InstanceView {
  template: TemplateName
  description: string
  files: InstanceFile[]
}

/** The files of one instance group's cloud-config, in the order they are written. */
export function instanceView(cluster: Cluster, group: InstanceGroup, assets: ClusterAssets): InstanceView {
  const template = templateFor(cluster, group)
  const description = DESCRIPTIONS[template]
  const region = cluster.spec.cloud.aws.region
  const controlPlane = template === 'control-plane-init' || template === 'control-plane-join'
  const recoverUnits = controlPlane ? pivotRecoverUnits(cluster) : []
  const names = {
    cluster: cluster.name,
    group: group.name,
    description,
    title: `kforge ${template} boot`,
    pivotRecover: recoverUnits.length > 0,
    // The node agent writes and starts the watcher's unit itself: user-data has no room to spare.
    terminationWatcher: hasDrainHook(group.spec.role),
    // The init-or-join claim (control-plane-init) lives in the state store; its region is the
    // cluster's (from the assets manifest on the node) unless the store says otherwise.
    stateStore: assets.stateStore,
    stateStoreRegion: assets.stateStoreRegion !== region ? (assets.stateStoreRegion ?? null) : null,
  }
  if (template === 'bastion') {
    return {
      template,
      description,
      files: [
        {
          path: '/usr/local/lib/kforge/lib.sh',
          mode: '0644',
          content: renderTemplate('lib.sh', {kubernetes: null}),
        },
        {
          path: '/usr/local/lib/kforge/bootstrap.sh',
          mode: '0700',
          content: renderTemplate(`${template}.sh`, names),
        },
      ],
    }
  }

  const role: AssetRole = template === 'node' ? 'node' : 'control-plane'
  const mirror = cluster.spec.mirror ? mirrorView(cluster.spec.mirror, region) : null
  const agentTarget = fetchTarget(assets.nodeAgent.url, assets.stateStoreRegion ?? region, 'node agent URL')
  const lib = renderTemplate('lib.sh', {
    kubernetes: kubernetesView(cluster.spec.kubernetesVersion),
    mirror,
    nodejsMajor: NODE_MAJOR,
    nodesourceLine: `https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main`,
    agent: {...agentTarget, sha256: checkSha256(assets.nodeAgent.sha256, 'node agent')},
  })
  const kubeletPath = mirror ? '/usr/local/bin/kubelet' : '/usr/bin/kubelet'
  const files: InstanceFile[] = [
    {path: '/usr/local/lib/kforge/lib.sh', mode: '0644', content: lib},
    {
      path: '/usr/local/lib/kforge/bootstrap.sh',
      mode: '0700',
      content: renderTemplate(`${template}.sh`, names),
    },
    {path: '/usr/local/bin/kforge', mode: '0755', content: renderTemplate('files/kforge-wrapper.sh', {})},
    {
      path: '/etc/modules-load.d/kforge.conf',
      mode: '0644',
      content: renderTemplate('files/modules-load.conf', {}),
    },
    {path: '/etc/sysctl.d/90-kforge.conf', mode: '0644', content: renderTemplate('files/sysctl.conf', {})},
    {
      path: '/etc/containerd/config.toml',
      mode: '0644',
      content: renderTemplate('files/containerd-config.toml', {}),
    },
    {
      path: '/etc/systemd/system/kubelet.service.d/10-kforge.conf',
      mode: '0644',
      content: renderTemplate('files/kubelet-dropin.conf', {kubeletPath}),
    },
  ]
  if (mirror) {
    files.push(
      {
        path: '/etc/systemd/system/containerd.service',
        mode: '0644',
        content: renderTemplate('files/containerd.service', {}),
      },
      {
        path: '/etc/systemd/system/kubelet.service',
        mode: '0644',
        content: renderTemplate('files/kubelet.service', {}),
      },
    )
  }
  files.push(...recoverUnits)

  // The PKI (certificates too) comes from the role's bundle at the "assets" step, before any step
  // that reads it.
  files.push({
    path: '/etc/kforge/kubeadm.yaml.in',
    mode: '0600',
    content: kubeadmConfig(cluster, group, template, assets.apiEndpoint, assets.caPin),
  })
  // The first group joins when the state store records an init already (a replacement instance).
  if (template === 'control-plane-init') {
    files.push({
      path: '/etc/kforge/kubeadm-join.yaml.in',
      mode: '0600',
      content: kubeadmConfig(cluster, group, 'control-plane-join', assets.apiEndpoint, assets.caPin),
    })
  }
  // Only init reads it today; every control-plane node carries it so an operator can re-run
  // `kforge init phase addon ...` from whichever node is left.
  if (controlPlane)
    files.push(
      nodeBootstrapFile(
        cluster,
        {
          stateStore: assets.stateStore,
          ...(assets.stateStoreRegion ? {stateStoreRegion: assets.stateStoreRegion} : {}),
        },
        assets.account,
      ),
    )
  files.push({
    path: '/etc/kforge/assets.json',
    mode: '0600',
    content: assetsManifest(cluster, assets, role, region),
  })
  return {template, description, files}
}
