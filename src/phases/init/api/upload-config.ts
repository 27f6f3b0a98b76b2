/**
 * upload-config: the kubeadm-config ConfigMap (ClusterConfiguration) and the kubelet-config
 * ConfigMap (the cluster-wide KubeletConfiguration kubelet-start wrote), each readable by joining
 * nodes through kubeadm's Role/RoleBinding.
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {createOrMutate} from '../../../kube/apply.js'
import {applyAll, describeAll} from '../../../kube/manifests/apply.js'
import {kubeadmConfigRbac, kubeletConfigRbac} from '../../../kube/manifests/kubeadm-rbac.js'
import {configMapOf} from '../../../kube/manifests/workloads.js'
import {ConfigMaps} from '../../../kube/resources.js'
import {KUBELET_CONFIG_FILE} from '../../../kubeadm/kubelet.js'
import {KforgeError} from '../../../util/errors.js'
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {clusterConfigurationYaml} from './cluster-config-yaml.js'
import {adminClient} from './context.js'

export const uploadKubeadmConfigPhase: Phase<InitData> = {
  name: 'kubeadm',
  short: 'Upload the kubeadm ClusterConfiguration to a ConfigMap',
  run: async (d, ctx) => {
    const cm = configMapOf('kube-system', 'kubeadm-config', {
      ClusterConfiguration: clusterConfigurationYaml(d.cluster),
    })
    const rbac = kubeadmConfigRbac()
    if (ctx.dryRun) {
      ctx.logger.info(`[upload-config] dry run: would apply ${describeAll([cm, ...rbac]).join(', ')}`)
      return
    }
    ctx.logger.info(
      '[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace',
    )
    const client = await adminClient(d, ctx.logger)
    // kubeadm mutates only the ClusterConfiguration key of an existing ConfigMap (CreateOrMutateConfigMap)
    await createOrMutate(client, ConfigMaps, cm.object, (live) => ({
      ...live,
      data: {...(live.data ?? {}), ...cm.object.data},
    }))
    await applyAll(client, rbac, (l) => ctx.logger.debug(`[upload-config] ${l}`))
  },
}

export const uploadKubeletConfigPhase: Phase<InitData> = {
  name: 'kubelet',
  short: 'Upload the kubelet component config to a ConfigMap',
  run: async (d, ctx) => {
    if (ctx.dryRun) {
      ctx.logger.info(
        `[upload-config] dry run: would apply ${describeAll([configMapOf('kube-system', 'kubelet-config', {}), ...kubeletConfigRbac()]).join(', ')}`,
      )
      return
    }
    const file = join(d.rootDir, KUBELET_CONFIG_FILE)
    let kubelet: string
    try {
      kubelet = await readFile(file, 'utf8')
    } catch {
      throw new KforgeError(
        `upload-config/kubelet: ${file} does not exist; run the kubelet-start phase first`,
      )
    }
    const manifests = [configMapOf('kube-system', 'kubelet-config', {kubelet}), ...kubeletConfigRbac()]
    if (ctx.dryRun) {
      ctx.logger.info(`[upload-config] dry run: would apply ${describeAll(manifests).join(', ')}`)
      return
    }
    ctx.logger.info(
      '[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster',
    )
    await applyAll(await adminClient(d, ctx.logger), manifests, (l) =>
      ctx.logger.debug(`[upload-config] ${l}`),
    )
  },
}

export const uploadConfigPhase: Phase<InitData> = {
  name: 'upload-config',
  short: 'Upload the kubeadm and kubelet configuration to ConfigMaps',
  phases: [uploadKubeadmConfigPhase, uploadKubeletConfigPhase],
}
