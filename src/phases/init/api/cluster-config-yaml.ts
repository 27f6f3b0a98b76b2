/**
 * The ClusterConfiguration kubeadm uploads to kube-system/kubeadm-config (key
 * `ClusterConfiguration`), as kubeadm.k8s.io/v1beta4 YAML: what `kubeadm upgrade` and joining
 * control-plane nodes read back. When an argument has a v1 merge method, the document is written
 * as kubeadm.k8s.io/v1 instead: kubeadm v1.37 uploads v1beta4 and so drops the merge method, and a
 * control-plane node joining later would then replace a default it was meant to extend.
 */
import {stringify} from 'yaml'
import {formatDuration} from '../../../kubeadm/duration.js'
import type {Arg, ClusterConfiguration, ControlPlaneComponent, HostPathMount} from '../../../kubeadm/types.js'

const argList = (list: readonly Arg[]) =>
  list.map((a) => ({name: a.name, value: a.value, ...(a.mergeMethod ? {mergeMethod: a.mergeMethod} : {})}))

function component(c: ControlPlaneComponent): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (c.extraArgs.length) out.extraArgs = argList(c.extraArgs)
  if (c.extraVolumes.length) out.extraVolumes = c.extraVolumes.map((v: HostPathMount) => ({...v}))
  if (c.extraEnvs.length) out.extraEnvs = c.extraEnvs
  return out
}

export function clusterConfigurationYaml(c: ClusterConfiguration): string {
  const etcd = c.etcd.external
    ? {external: c.etcd.external}
    : {
        local: {
          dataDir: c.etcd.local.dataDir,
          ...(c.etcd.local.imageRepository ? {imageRepository: c.etcd.local.imageRepository} : {}),
          ...(c.etcd.local.imageTag ? {imageTag: c.etcd.local.imageTag} : {}),
          ...(c.etcd.local.extraArgs.length ? {extraArgs: argList(c.etcd.local.extraArgs)} : {}),
          ...(c.etcd.local.serverCertSANs.length ? {serverCertSANs: c.etcd.local.serverCertSANs} : {}),
          ...(c.etcd.local.peerCertSANs.length ? {peerCertSANs: c.etcd.local.peerCertSANs} : {}),
        },
      }
  const merged = [
    c.apiServer.extraArgs,
    c.controllerManager.extraArgs,
    c.scheduler.extraArgs,
    c.etcd.local?.extraArgs ?? [],
  ].some((list) => list.some((a) => a.mergeMethod))
  const doc: Record<string, unknown> = {
    apiVersion: merged ? 'kubeadm.k8s.io/v1' : 'kubeadm.k8s.io/v1beta4',
    kind: 'ClusterConfiguration',
    apiServer: {
      ...component(c.apiServer),
      ...(c.apiServer.certSANs.length ? {certSANs: c.apiServer.certSANs} : {}),
    },
    caCertificateValidityPeriod: formatDuration(c.caCertificateValidityMs),
    certificateValidityPeriod: formatDuration(c.certificateValidityMs),
    certificatesDir: c.certificatesDir,
    clusterName: c.clusterName,
    ...(c.controlPlaneEndpoint ? {controlPlaneEndpoint: c.controlPlaneEndpoint} : {}),
    controllerManager: component(c.controllerManager),
    dns: {
      ...(c.dns.disabled ? {disabled: true} : {}),
      ...(c.dns.imageRepository ? {imageRepository: c.dns.imageRepository} : {}),
      ...(c.dns.imageTag ? {imageTag: c.dns.imageTag} : {}),
    },
    encryptionAlgorithm: c.encryptionAlgorithm,
    etcd,
    ...(Object.keys(c.featureGates).length ? {featureGates: c.featureGates} : {}),
    imageRepository: c.imageRepository,
    kubernetesVersion: c.kubernetesVersion,
    networking: {
      dnsDomain: c.networking.dnsDomain,
      ...(c.networking.podSubnet ? {podSubnet: c.networking.podSubnet} : {}),
      serviceSubnet: c.networking.serviceSubnet,
    },
    proxy: c.proxy.disabled ? {disabled: true} : {},
    scheduler: component(c.scheduler),
  }
  return stringify(doc, {lineWidth: 0})
}
