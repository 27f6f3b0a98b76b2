/**
 * The image of every AWS addon container, pinned per supported Kubernetes minor.
 *
 * Every tag here is one registry.k8s.io serves: a release tag on GitHub is not enough, because
 * these projects cut tags whose image build failed or was never promoted
 * (cloud-provider-aws v1.35.1, v1.35.3 and v1.36.0 have release tags and no image). The tags were
 * checked against registry.k8s.io's promotion manifests (kubernetes/k8s.io,
 * `registry.k8s.io/images/k8s-staging-*`) and promotion requests, not inferred from release lists.
 *
 * - The AWS cloud-controller-manager follows Kubernetes' minor. 1.35 runs v1.35.2 (the newest
 *   promoted 1.35 patch); 1.36 runs v1.36.1 (the only promoted 1.36 release); no 1.37 image has
 *   been promoted, so 1.37 runs v1.36.1, which the version skew policy allows (a
 *   cloud-controller-manager may be one minor older than the kube-apiserver, never newer).
 * - The EBS CSI driver does not follow Kubernetes' minor; one release serves every supported one.
 * - The kubernetes-csi sidecars are released per Kubernetes minor (each built against that minor's
 *   client-go): 1.35 runs the set released for 1.35; 1.36 and 1.37 run the newest promoted set,
 *   whose csi-provisioner (v6.3.0) was built for 1.36: the v6.4.0 built for 1.37 has no promoted
 *   image yet. Each sidecar supports a range of Kubernetes minors, not only its own.
 *
 * To move a pin, check the tag in the promotion manifest first.
 */
import {MAX_SUPPORTED_MINOR, MIN_SUPPORTED_MINOR, parseVersion} from '../../api/versions.js'

const K8S = 'registry.k8s.io'
const SIG_STORAGE = `${K8S}/sig-storage`

export interface EbsCsiImages {
  driver: string
  provisioner: string
  attacher: string
  resizer: string
  livenessProbe: string
  nodeDriverRegistrar: string
}

const EBS_CSI_DRIVER = `${K8S}/provider-aws/aws-ebs-csi-driver:v1.63.1`

function sidecars(tags: {
  provisioner: string
  attacher: string
  resizer: string
  livenessProbe: string
  nodeDriverRegistrar: string
}): EbsCsiImages {
  return {
    driver: EBS_CSI_DRIVER,
    provisioner: `${SIG_STORAGE}/csi-provisioner:${tags.provisioner}`,
    attacher: `${SIG_STORAGE}/csi-attacher:${tags.attacher}`,
    resizer: `${SIG_STORAGE}/csi-resizer:${tags.resizer}`,
    livenessProbe: `${SIG_STORAGE}/livenessprobe:${tags.livenessProbe}`,
    nodeDriverRegistrar: `${SIG_STORAGE}/csi-node-driver-registrar:${tags.nodeDriverRegistrar}`,
  }
}

const NEWEST_SIDECARS = sidecars({
  provisioner: 'v6.3.0',
  attacher: 'v4.13.0',
  resizer: 'v2.2.1',
  livenessProbe: 'v2.20.0',
  nodeDriverRegistrar: 'v2.18.0',
})

const EBS_CSI_FOR_MINOR: Readonly<Record<number, EbsCsiImages>> = {
  35: sidecars({
    provisioner: 'v6.2.0',
    attacher: 'v4.11.0',
    resizer: 'v2.1.0',
    livenessProbe: 'v2.18.0',
    nodeDriverRegistrar: 'v2.16.0',
  }),
  36: NEWEST_SIDECARS,
  37: NEWEST_SIDECARS,
}

const AWS_CCM = `${K8S}/provider-aws/cloud-controller-manager`

const AWS_CCM_FOR_MINOR: Readonly<Record<number, string>> = {
  35: `${AWS_CCM}:v1.35.2`,
  36: `${AWS_CCM}:v1.36.1`,
  37: `${AWS_CCM}:v1.36.1`,
}

function supportedMinor(kubernetesVersion: string): number {
  const v = parseVersion(kubernetesVersion)
  if (v?.major !== 1 || v.minor < MIN_SUPPORTED_MINOR || v.minor > MAX_SUPPORTED_MINOR) {
    throw new Error(`no AWS addon images pinned for Kubernetes ${kubernetesVersion}`)
  }
  return v.minor
}

export function ebsCsiImages(kubernetesVersion: string): EbsCsiImages {
  return EBS_CSI_FOR_MINOR[supportedMinor(kubernetesVersion)]!
}

export function awsCcmImage(kubernetesVersion: string): string {
  return AWS_CCM_FOR_MINOR[supportedMinor(kubernetesVersion)]!
}
