/**
 * The fields of kubeadm.k8s.io/v1beta3 and v1beta4 documents (cmd/kubeadm/app/apis/kubeadm/v1beta*),
 * including the ones kforge does not act on, so a real kubeadm config is accepted and only true
 * typos are reported as unknown fields.
 */
import {bool, int, obj, oneOf, type Shape, str, stringMap, strings} from '../api/shape.js'

const typeMeta = {apiVersion: str, kind: str}

export type ShapeVersion = 'v1beta3' | 'v1beta4'

const argList: Shape = {type: 'list', items: obj({name: str, value: str}, ['name'])}
const args = (v: ShapeVersion): Shape => (v === 'v1beta3' ? stringMap : argList)

const keyRef = obj({name: str, key: str, optional: bool}, ['key'])
const envVar: Shape = obj(
  {
    name: str,
    value: str,
    valueFrom: obj({
      fieldRef: obj({apiVersion: str, fieldPath: str}, ['fieldPath']),
      resourceFieldRef: obj({containerName: str, resource: str, divisor: str}, ['resource']),
      configMapKeyRef: keyRef,
      secretKeyRef: keyRef,
    }),
  },
  ['name'],
)

const hostPathMount = obj(
  {
    name: str,
    hostPath: str,
    mountPath: str,
    readOnly: bool,
    pathType: oneOf([
      '',
      'DirectoryOrCreate',
      'Directory',
      'FileOrCreate',
      'File',
      'Socket',
      'CharDevice',
      'BlockDevice',
    ]),
  },
  ['name', 'hostPath', 'mountPath'],
)

const component = (v: ShapeVersion, extra: Record<string, Shape> = {}): Shape =>
  obj({
    extraArgs: args(v),
    extraVolumes: {type: 'list', items: hostPathMount},
    ...(v === 'v1beta4' ? {extraEnvs: {type: 'list', items: envVar}} : {}),
    ...extra,
  })

const taint = obj(
  {key: str, value: str, effect: oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute']), timeAdded: str},
  ['key', 'effect'],
)

const nodeRegistration = (v: ShapeVersion): Shape =>
  obj({
    name: str,
    criSocket: str,
    taints: {type: 'list', items: taint},
    kubeletExtraArgs: args(v),
    ignorePreflightErrors: strings,
    imagePullPolicy: oneOf(['Always', 'IfNotPresent', 'Never']),
    ...(v === 'v1beta4' ? {imagePullSerial: bool} : {}),
  })

const apiEndpoint = obj({advertiseAddress: str, bindPort: int})

const bootstrapToken = obj({
  token: str,
  description: str,
  ttl: str,
  expires: str,
  usages: strings,
  groups: strings,
})

const timeouts = obj({
  controlPlaneComponentHealthCheck: str,
  kubeletHealthCheck: str,
  kubernetesAPICall: str,
  etcdAPICall: str,
  tlsBootstrap: str,
  discovery: str,
  upgradeManifests: str,
})

const patches = obj({directory: str})

export function initShape(v: ShapeVersion): Shape {
  return obj({
    ...typeMeta,
    bootstrapTokens: {type: 'list', items: bootstrapToken},
    nodeRegistration: nodeRegistration(v),
    localAPIEndpoint: apiEndpoint,
    certificateKey: str,
    skipPhases: strings,
    patches,
    ...(v === 'v1beta4' ? {dryRun: bool, timeouts} : {}),
  })
}

const imageMeta = {imageRepository: str, imageTag: str}

export function clusterShape(v: ShapeVersion): Shape {
  const beta4 = v === 'v1beta4'
  return obj({
    ...typeMeta,
    etcd: obj({
      local: obj({
        ...imageMeta,
        dataDir: str,
        extraArgs: args(v),
        ...(beta4 ? {extraEnvs: {type: 'list', items: envVar}} : {}),
        serverCertSANs: strings,
        peerCertSANs: strings,
      }),
      external: obj({endpoints: strings, caFile: str, certFile: str, keyFile: str}, ['endpoints']),
    }),
    networking: obj({serviceSubnet: str, podSubnet: str, dnsDomain: str}),
    kubernetesVersion: str,
    controlPlaneEndpoint: str,
    apiServer: component(v, {certSANs: strings, ...(beta4 ? {} : {timeoutForControlPlane: str})}),
    controllerManager: component(v),
    scheduler: component(v),
    dns: obj({...imageMeta, ...(beta4 ? {disabled: bool} : {})}),
    ...(beta4 ? {proxy: obj({disabled: bool})} : {}),
    certificatesDir: str,
    imageRepository: str,
    featureGates: {type: 'map', values: bool},
    clusterName: str,
    ...(beta4
      ? {
          encryptionAlgorithm: oneOf(['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384']),
          certificateValidityPeriod: str,
          caCertificateValidityPeriod: str,
        }
      : {}),
  })
}

export function joinShape(v: ShapeVersion): Shape {
  const beta4 = v === 'v1beta4'
  return obj({
    ...typeMeta,
    ...(beta4 ? {dryRun: bool, timeouts} : {}),
    nodeRegistration: nodeRegistration(v),
    caCertPath: str,
    discovery: obj({
      bootstrapToken: obj(
        {token: str, apiServerEndpoint: str, caCertHashes: strings, unsafeSkipCAVerification: bool},
        ['token'],
      ),
      file: obj({kubeConfigPath: str}, ['kubeConfigPath']),
      tlsBootstrapToken: str,
      ...(beta4 ? {} : {timeout: str}),
    }),
    controlPlane: obj({localAPIEndpoint: apiEndpoint, certificateKey: str}),
    skipPhases: strings,
    patches,
  })
}
