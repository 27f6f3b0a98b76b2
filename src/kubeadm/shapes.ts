/**
 * The fields of kubeadm.k8s.io/v1beta4 and v1 documents (cmd/kubeadm/app/apis/kubeadm/{v1beta4,v1}),
 * including the ones kforge does not act on, so a real kubeadm config is accepted and only true
 * typos are reported as unknown fields. v1 is v1beta4 plus `mergeMethod` on each extraArgs entry.
 */
import {bool, int, obj, oneOf, type Shape, str, strings} from '../api/shape.js'

const typeMeta = {apiVersion: str, kind: str}

export type ShapeVersion = 'v1beta4' | 'v1'

/** v1's `mergeMethod: ""` (replace, like leaving it out) is dropped before the check: see load.ts. */
const MERGE_METHODS = ['append', 'prepend'] as const
const args = (v: ShapeVersion): Shape =>
  v === 'v1'
    ? {type: 'list', items: obj({name: str, value: str, mergeMethod: oneOf(MERGE_METHODS)}, ['name'])}
    : {type: 'list', items: obj({name: str, value: str}, ['name'])}

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
    extraEnvs: {type: 'list', items: envVar},
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
    imagePullSerial: bool,
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
    dryRun: bool,
    timeouts,
  })
}

const imageMeta = {imageRepository: str, imageTag: str}

export function clusterShape(v: ShapeVersion): Shape {
  return obj({
    ...typeMeta,
    etcd: obj({
      local: obj({
        ...imageMeta,
        dataDir: str,
        extraArgs: args(v),
        extraEnvs: {type: 'list', items: envVar},
        serverCertSANs: strings,
        peerCertSANs: strings,
      }),
      external: obj({endpoints: strings, httpEndpoints: strings, caFile: str, certFile: str, keyFile: str}, [
        'endpoints',
      ]),
    }),
    networking: obj({serviceSubnet: str, podSubnet: str, dnsDomain: str}),
    kubernetesVersion: str,
    controlPlaneEndpoint: str,
    apiServer: component(v, {certSANs: strings}),
    controllerManager: component(v),
    scheduler: component(v),
    dns: obj({...imageMeta, disabled: bool}),
    proxy: obj({disabled: bool}),
    certificatesDir: str,
    imageRepository: str,
    featureGates: {type: 'map', values: bool},
    clusterName: str,
    encryptionAlgorithm: oneOf(['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384']),
    certificateValidityPeriod: str,
    caCertificateValidityPeriod: str,
  })
}

export function joinShape(v: ShapeVersion): Shape {
  return obj({
    ...typeMeta,
    dryRun: bool,
    timeouts,
    nodeRegistration: nodeRegistration(v),
    caCertPath: str,
    discovery: obj({
      bootstrapToken: obj(
        {token: str, apiServerEndpoint: str, caCertHashes: strings, unsafeSkipCAVerification: bool},
        ['token'],
      ),
      file: obj({kubeConfigPath: str}, ['kubeConfigPath']),
      tlsBootstrapToken: str,
    }),
    controlPlane: obj({localAPIEndpoint: apiEndpoint, certificateKey: str}),
    skipPhases: strings,
    patches,
  })
}
