/**
 * addon: CoreDNS and kube-proxy as kubeadm installs them, then what the kforge spec adds: the AWS
 * cloud-controller-manager, the chosen CNI, and the EBS CSI driver with its default StorageClass.
 */

import {applyAll, describeAll} from '../../../../kube/manifests/apply.js'
import {awsCcmManifests} from '../../../../kube/manifests/aws-ccm.js'
import {cniManifests} from '../../../../kube/manifests/cni.js'
import {coreDnsManifests} from '../../../../kube/manifests/coredns.js'
import {applyEbsCsi, type EbsCsiOptions, ebsCsiManifests} from '../../../../kube/manifests/ebs-csi.js'
import {kubeProxyManifests} from '../../../../kube/manifests/kube-proxy.js'
import type {ManifestSet} from '../../../../kube/manifests/types.js'
import {bracketHost, localApiServerUrl} from '../../../../kubeadm/endpoints.js'
import {clusterDnsIP} from '../../../../pki/kubeadm-certs.js'
import {KforgeError} from '../../../../util/errors.js'
import type {Phase, PhaseContext} from '../../../workflow.js'
import type {InitData} from '../../data.js'
import {adminClient} from '../context.js'
import {nodeConfig} from './node-config.js'

async function install(d: InitData, ctx: PhaseContext, name: string, manifests: ManifestSet): Promise<void> {
  if (ctx.dryRun) {
    ctx.logger.info(`[addons] dry run: ${name} would apply ${describeAll(manifests).join(', ')}`)
    return
  }
  await applyAll(await adminClient(d, ctx.logger), manifests, (l) => ctx.logger.debug(`[addons] ${l}`))
  ctx.logger.info(`[addons] Applied essential addon: ${name}`)
}

/** kubeadm's GetControlPlaneEndpoint: controlPlaneEndpoint (port defaulted) or advertiseAddress:bindPort. */
export function apiServerUrl(d: Pick<InitData, 'cluster' | 'init'>): string {
  const cpe = d.cluster.controlPlaneEndpoint
  if (cpe) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(cpe)
    return m ? `https://${cpe}` : `https://${bracketHost(cpe)}:${d.init.localAPIEndpoint.bindPort}`
  }
  return localApiServerUrl(d.init.localAPIEndpoint)
}

export const addonPhase: Phase<InitData> = {
  name: 'addon',
  aliases: ['addons'],
  short: 'Install required addons for passing conformance tests',
  phases: [
    {
      name: 'coredns',
      short: 'Install the CoreDNS addon to a Kubernetes cluster',
      runIf: (d) => !d.cluster.dns.disabled,
      run: (d, ctx) =>
        install(
          d,
          ctx,
          'CoreDNS',
          coreDnsManifests({
            imageRepository: d.cluster.dns.imageRepository ?? d.cluster.imageRepository,
            dnsDomain: d.cluster.networking.dnsDomain,
            clusterIP: clusterDnsIP(d.cluster.networking.serviceSubnet),
            ...(d.cluster.dns.imageTag ? {imageTag: d.cluster.dns.imageTag} : {}),
          }),
        ),
    },
    {
      name: 'kube-proxy',
      short: 'Install the kube-proxy addon to a Kubernetes cluster',
      runIf: (d) => !d.cluster.proxy.disabled,
      run: (d, ctx) =>
        install(
          d,
          ctx,
          'kube-proxy',
          kubeProxyManifests({
            imageRepository: d.cluster.imageRepository,
            kubernetesVersion: d.cluster.kubernetesVersion,
            server: apiServerUrl(d),
            ...(d.cluster.networking.podSubnet ? {podSubnet: d.cluster.networking.podSubnet} : {}),
            ...(d.kubeProxy ? {config: d.kubeProxy} : {}),
          }),
        ),
    },
    {
      name: 'aws-cloud-controller-manager',
      short: 'Install the AWS cloud-controller-manager (kforge spec)',
      runIf: async (d) => (await nodeConfig(d)).cloudControllerManager,
      run: (d, ctx) =>
        install(
          d,
          ctx,
          'aws-cloud-controller-manager',
          awsCcmManifests({
            clusterName: d.cluster.clusterName,
            kubernetesVersion: d.cluster.kubernetesVersion,
          }),
        ),
    },
    {
      name: 'cni',
      short: "Install the spec's pod network (calico, cilium, flannel, amazon-vpc or hostgw)",
      runIf: async (d) => (await nodeConfig(d)).cni !== undefined,
      run: async (d, ctx) => {
        const plugin = (await nodeConfig(d)).cni!
        const podSubnet = d.cluster.networking.podSubnet
        if (!podSubnet && plugin !== 'amazon-vpc') {
          throw new KforgeError(`addon/cni: ${plugin} needs ClusterConfiguration.networking.podSubnet`)
        }
        await install(d, ctx, plugin, cniManifests({plugin, podSubnet: podSubnet ?? ''}))
      },
    },
    {
      name: 'ebs-csi',
      short: 'Install the EBS CSI driver and its default StorageClass (kforge spec)',
      runIf: async (d) => (await nodeConfig(d)).ebsCSI.enabled,
      run: async (d, ctx) => {
        const {ebsCSI} = await nodeConfig(d)
        const options: EbsCsiOptions = {
          clusterName: d.cluster.clusterName,
          kubernetesVersion: d.cluster.kubernetesVersion,
          defaultStorageClass: ebsCSI.defaultStorageClass,
          ...(ebsCSI.controllerRoleArn ? {controllerRoleArn: ebsCSI.controllerRoleArn} : {}),
        }
        if (ctx.dryRun) return install(d, ctx, 'ebs-csi', ebsCsiManifests(options))
        await applyEbsCsi(await adminClient(d, ctx.logger), options, (l) => ctx.logger.debug(`[addons] ${l}`))
        ctx.logger.info('[addons] Applied essential addon: ebs-csi')
      },
    },
  ],
}
