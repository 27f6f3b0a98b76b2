/**
 * `kforge export userdata`: every instance group's full cloud-config and the exact user-data its
 * instances receive, written for review and version control (kube-aws's rendered userdata/).
 * Identical input gives identical bytes: secrets come from the ciphertext cache.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import type {Cluster} from '../api/v1alpha1/types.js'
import {KforgeError} from '../util/errors.js'
import {renderUserData} from './render.js'
import type {ClusterAssets, Delivery, TemplateName} from './types.js'

export interface ExportedGroup {
  group: string
  template: TemplateName
  delivery: Delivery
  /** Bytes of the user-data file. */
  userDataBytes: number
  sha256: string
  files: string[]
}

/** The groups to export: all, or the one named (an unknown name is an error listing the others). */
export function selectGroups(cluster: Cluster, onlyGroup?: string): Cluster['instanceGroups'] {
  const groups = onlyGroup
    ? cluster.instanceGroups.filter((g) => g.name === onlyGroup)
    : cluster.instanceGroups
  if (groups.length === 0) {
    throw new KforgeError(
      `--instance-group ${onlyGroup}: cluster ${cluster.name} has no such group (groups: ${cluster.instanceGroups.map((g) => g.name).join(', ')})`,
    )
  }
  return groups
}

export async function exportUserData(
  cluster: Cluster,
  assets: ClusterAssets,
  outDir: string,
  onlyGroup?: string,
): Promise<ExportedGroup[]> {
  const groups = onlyGroup
    ? cluster.instanceGroups.filter((g) => g.name === onlyGroup)
    : cluster.instanceGroups
  if (groups.length === 0) {
    throw new KforgeError(
      `--instance-group ${onlyGroup}: cluster ${cluster.name} has no such group (groups: ${cluster.instanceGroups.map((g) => g.name).join(', ')})`,
    )
  }
  // Render everything before writing anything: a refusal leaves the directory untouched.
  const rendered = groups.map((group) => renderUserData({cluster, group, assets}))
  await mkdir(outDir, {recursive: true})
  const out: ExportedGroup[] = []
  for (const r of rendered) {
    const files = [join(outDir, `${r.group}.cloud-config.yaml`), join(outDir, `${r.group}.user-data`)]
    await writeFile(files[0]!, r.cloudConfig)
    await writeFile(files[1]!, r.userData)
    out.push({
      group: r.group,
      template: r.template,
      delivery: r.delivery,
      userDataBytes: r.userData.length,
      sha256: r.sha256,
      files,
    })
  }
  return out
}
