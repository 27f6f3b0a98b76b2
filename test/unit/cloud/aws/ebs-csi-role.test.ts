/**
 * The EBS CSI controller under its own IAM role (IRSA), pure: the role's documents as the resource
 * model carries them, evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate) — the
 * volume statements admit only the driver's volumes of this cluster, never an etcd member's, the
 * trust admits only the controller's service account through this cluster's provider — the
 * control-plane role without those statements, both targets, node.yaml naming the role's ARN, and
 * the controller as a Deployment whose service account names it.
 */

import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {validateIdentityPolicy} from '@cloud-copilot/iam-policy'
import {runSimulation} from '@cloud-copilot/iam-simulate'
import {describe, expect, it} from 'vitest'
import {stringify} from 'yaml'
import {Problems} from '../../../../src/api/problems.js'
import {
  EBS_CSI_CONTROLLER_ACCOUNT,
  ebsCsiControllerHasOwnRole,
} from '../../../../src/api/v1alpha1/identity.js'
import {NODE_CONFIG_FILE} from '../../../../src/api/v1alpha1/node-bootstrap.js'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {validateIdentity} from '../../../../src/api/v1alpha1/validate-identity.js'
import {
  ebsCsiControllerRoleArn,
  ebsCsiControllerRoleName,
} from '../../../../src/cloud/aws/build/ebs-csi-role.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {renderTemplate} from '../../../../src/cloud/aws/cfn/template.js'
import type {Desired, Model} from '../../../../src/cloud/aws/model/types.js'
import {ebsCsiManifests, replacedEbsCsiController} from '../../../../src/kube/manifests/ebs-csi.js'
import type {ManifestSet} from '../../../../src/kube/manifests/types.js'
import type {DaemonSet, Deployment, ServiceAccount} from '../../../../src/kube/types.js'
import {loadNodeConfig} from '../../../../src/phases/init/api/addon/node-config.js'
import {nodeBootstrapDocument} from '../../../../src/render/node-bootstrap.js'
import {haPrivateCluster} from '../../../fixtures/cloud/clusters.js'
import {
  type Context,
  ebsCsiDriverTags,
  foreignVolumeTags,
  requestTags,
  resolveRefs,
  resourceTags,
  webIdentityDecision,
} from '../../../fixtures/cloud/iam-simulation.js'
import {tempDir} from '../../../support/cli.js'

const ACCOUNT = '111122223333'
const CLUSTER = 'ebs.irsa.example.com'
const ISSUER = 'https://ebs-oidc.s3.us-east-1.amazonaws.com/clusters/ebs'
const HOST = ISSUER.slice('https://'.length)
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001`
const SUBJECT = 'system:serviceaccount:kube-system:ebs-csi-controller-sa'

function irsaCluster(): Cluster {
  const c = haPrivateCluster(CLUSTER)
  c.spec.serviceAccountIssuerDiscovery = {
    discoveryStore: 's3://ebs-oidc/clusters/ebs',
    enableAWSOIDCProvider: true,
  }
  return c
}

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster): Model =>
  buildModel(c, {
    images: new Map(c.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
    stateStore: 's3://kforge-state/team',
  })
const find = (m: Model, name: string) =>
  m.resources.find((r) => r.name === name) as Desired<Record<string, unknown>>

/** Refs become what IAM stores: the provider's ARN in a trust, the key's ARN in a policy. */
const resolve = (value: unknown) =>
  resolveRefs(value, (ref) => (ref.target === 'oidc-provider' ? PROVIDER : KEY))
type Document = {Statement: Array<{Sid: string; Action: string[]}>}

const irsa = model(irsaCluster())
const plain = model(haPrivateCluster(CLUSTER))
const policyOf = (m: Model, name: string) => resolve(find(m, name).props.document) as Document
const controllerPolicy = policyOf(irsa, 'policy-sa-kube-system-ebs-csi-controller-sa')

async function decide(policy: Document, action: string, resource: string, context: Context = {}) {
  const result = await runSimulation(
    {
      identityPolicies: [{name: 'policy', policy}],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/kforge/${CLUSTER}/r`,
        resource: {accountId: ACCOUNT, resource},
        contextVariables: context,
      },
    },
    {},
  )
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors))
  return result.overallResult
}

const volume = `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0123456789abcdef0`
const instance = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`
const driverTags = ebsCsiDriverTags(CLUSTER)
/** An etcd member's volume as kforge makes it (etcd-volumes.ts): this cluster's, not the driver's. */
const etcdTags = (find(irsa, irsa.resources.find((r) => r.kind === 'Volume')!.name).props.tags ??
  {}) as Record<string, string>

describe('the EBS CSI controller role (IRSA on)', () => {
  it('is made automatically with the OIDC provider, under the cluster path, tagged with its service account', () => {
    expect(ebsCsiControllerHasOwnRole(irsaCluster().spec)).toBe(true)
    const role = find(irsa, 'role-sa-kube-system-ebs-csi-controller-sa')
    expect(role.kind).toBe('IamRole')
    expect(role.props).toMatchObject({
      name: ebsCsiControllerRoleName(CLUSTER),
      path: `/kforge/${CLUSTER}/`,
      tags: {'kforge.dev/service-account': 'kube-system/ebs-csi-controller-sa', KubernetesCluster: CLUSTER},
    })
    expect(role.props.managedPolicyArns).toBeUndefined()
    expect(find(irsa, 'policy-sa-kube-system-ebs-csi-controller-sa').props.policyName).toBe(
      'kforge-ebs-csi-controller',
    )
  })

  it('is not made without the provider, or with the driver off', () => {
    const names = (m: Model) => m.resources.filter((r) => r.name.includes('ebs-csi')).map((r) => r.name)
    expect(names(plain)).toEqual([])
    const noProvider = irsaCluster()
    noProvider.spec.serviceAccountIssuerDiscovery!.enableAWSOIDCProvider = false
    expect(names(model(noProvider))).toEqual([])
    const off = irsaCluster()
    off.spec.addons.ebsCSI.enabled = false
    expect(names(model(off))).toEqual([])
  })

  it('creates a volume only with the tags the driver sends for this cluster, tagging it in that request only', async () => {
    expect(await decide(controllerPolicy, 'ec2:CreateVolume', volume, requestTags(driverTags))).toBe(
      'Allowed',
    )
    expect(
      await decide(controllerPolicy, 'ec2:CreateTags', volume, {
        ...requestTags(driverTags),
        'ec2:CreateAction': 'CreateVolume',
      }),
    ).toBe('Allowed')
    for (const tags of foreignVolumeTags(driverTags))
      expect(await decide(controllerPolicy, 'ec2:CreateVolume', volume, requestTags(tags))).not.toBe(
        'Allowed',
      )
    // Claiming an existing volume for the cluster by tagging it.
    expect(
      await decide(controllerPolicy, 'ec2:CreateTags', volume, requestTags({KubernetesCluster: CLUSTER})),
    ).not.toBe('Allowed')
  })

  it('deletes only volumes the driver made for this cluster: never an etcd member’s, nor another cluster’s', async () => {
    expect(etcdTags['kforge.dev/etcd-member']).toBeDefined()
    expect(etcdTags.KubernetesCluster).toBe(CLUSTER)
    expect(await decide(controllerPolicy, 'ec2:DeleteVolume', volume, resourceTags(driverTags))).toBe(
      'Allowed',
    )
    expect(await decide(controllerPolicy, 'ec2:DeleteVolume', volume, resourceTags(etcdTags))).not.toBe(
      'Allowed',
    )
    expect(
      await decide(
        controllerPolicy,
        'ec2:DeleteVolume',
        volume,
        resourceTags({...driverTags, KubernetesCluster: 'other.example.com'}),
      ),
    ).not.toBe('Allowed')
    expect(await decide(controllerPolicy, 'ec2:DeleteVolume', volume, {})).not.toBe('Allowed')
  })

  it('attaches, detaches and resizes only this cluster’s volumes, to its instances; reads volumes', async () => {
    for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume']) {
      expect(await decide(controllerPolicy, action, volume, resourceTags({KubernetesCluster: CLUSTER}))).toBe(
        'Allowed',
      )
      expect(
        await decide(
          controllerPolicy,
          action,
          volume,
          resourceTags({KubernetesCluster: 'other.example.com'}),
        ),
      ).not.toBe('Allowed')
    }
    for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume']) {
      expect(
        await decide(controllerPolicy, action, instance, resourceTags({KubernetesCluster: CLUSTER})),
      ).toBe('Allowed')
      expect(await decide(controllerPolicy, action, instance, {})).not.toBe('Allowed')
    }
    for (const action of ['ec2:DescribeVolumes', 'ec2:DescribeInstances', 'ec2:DescribeAvailabilityZones'])
      expect(await decide(controllerPolicy, action, '*')).toBe('Allowed')
  })

  it('may do nothing else: no instance, security group, snapshot or S3 change, no KMS', async () => {
    const own = resourceTags({KubernetesCluster: CLUSTER})
    expect(await decide(controllerPolicy, 'ec2:TerminateInstances', instance, own)).not.toBe('Allowed')
    expect(await decide(controllerPolicy, 'ec2:DeleteSecurityGroup', '*', own)).not.toBe('Allowed')
    expect(await decide(controllerPolicy, 'ec2:CreateSnapshot', '*', requestTags(driverTags))).not.toBe(
      'Allowed',
    )
    expect(await decide(controllerPolicy, 's3:GetObject', 'arn:aws:s3:::kforge-state/team/x')).not.toBe(
      'Allowed',
    )
    expect(validateIdentityPolicy(controllerPolicy)).toEqual([])
    for (const s of controllerPolicy.Statement) for (const a of s.Action) expect(a).not.toMatch(/\*/)
  })

  it('carries the very volume statements the control-plane role has without IRSA (one source)', () => {
    const lifecycle = (d: Document) => d.Statement.filter((s) => /^EbsCsi(Create|Delete)Volume$/.test(s.Sid))
    expect(lifecycle(controllerPolicy)).toHaveLength(2)
    expect(lifecycle(controllerPolicy)).toEqual(lifecycle(policyOf(plain, 'policy-control-plane')))
  })

  it('is trusted only by the controller’s service account token, for STS, through this cluster’s provider', async () => {
    const trust = resolve(find(irsa, 'role-sa-kube-system-ebs-csi-controller-sa').props.assumeRolePolicy)
    const assume = webIdentityDecision(trust, {
      account: ACCOUNT,
      roleArn: ebsCsiControllerRoleArn(CLUSTER, 'us-east-1', ACCOUNT),
      issuerHost: HOST,
      provider: PROVIDER,
    })
    expect(await assume(SUBJECT)).toBe('Allowed')
    expect(await assume('system:serviceaccount:kube-system:ebs-csi-node-sa')).not.toBe('Allowed')
    expect(await assume('system:serviceaccount:default:ebs-csi-controller-sa')).not.toBe('Allowed')
    expect(await assume(SUBJECT, 'other-audience')).not.toBe('Allowed')
    expect(
      await assume(SUBJECT, 'sts.amazonaws.com', `arn:aws:iam::${ACCOUNT}:oidc-provider/other.example.com`),
    ).not.toBe('Allowed')
    expect(await assume(SUBJECT, 'sts.amazonaws.com', PROVIDER, 'sts:AssumeRole')).not.toBe('Allowed')
  })
})

describe('the instance roles with IRSA on', () => {
  const controlPlane = policyOf(irsa, 'policy-control-plane')
  const nodes = policyOf(irsa, 'policy-nodes')
  const all = {...requestTags(driverTags), ...resourceTags(driverTags)}

  it('the control plane creates, deletes, detaches and resizes no volume, even the driver’s', async () => {
    for (const action of ['ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume'])
      expect(await decide(controlPlane, action, volume, all)).not.toBe('Allowed')
    expect(
      await decide(controlPlane, 'ec2:CreateTags', volume, {
        ...requestTags(driverTags),
        'ec2:CreateAction': 'CreateVolume',
      }),
    ).not.toBe('Allowed')
    expect(controlPlane.Statement.map((s) => s.Sid).filter((s) => s.startsWith('EbsCsi'))).toEqual([])
  })

  it('the control plane still attaches its etcd volume at boot, and keeps the cloud provider’s rights', async () => {
    const own = resourceTags({KubernetesCluster: CLUSTER})
    expect(await decide(controlPlane, 'ec2:AttachVolume', volume, own)).toBe('Allowed')
    expect(await decide(controlPlane, 'ec2:AttachVolume', instance, own)).toBe('Allowed')
    expect(await decide(controlPlane, 'ec2:DescribeVolumes', '*')).toBe('Allowed')
    expect(
      await decide(
        controlPlane,
        'elasticloadbalancing:DeleteLoadBalancer',
        `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/net/a/0123456789abcdef`,
        own,
      ),
    ).toBe('Allowed')
  })

  it('nodes never get them either', async () => {
    for (const action of ['ec2:CreateVolume', 'ec2:DeleteVolume', 'ec2:AttachVolume', 'ec2:CreateTags'])
      expect(await decide(nodes, action, volume, all)).not.toBe('Allowed')
  })

  it('without IRSA the control-plane document is what it was: the driver’s statements on it', async () => {
    const cp = policyOf(plain, 'policy-control-plane')
    expect(await decide(cp, 'ec2:CreateVolume', volume, requestTags(driverTags))).toBe('Allowed')
    expect(cp.Statement.find((s) => s.Sid === 'ChangeOwned')!.Action).toEqual(
      expect.arrayContaining(['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:ModifyVolume']),
    )
  })
})

describe('the CloudFormation target', () => {
  it('renders the role, trusting the stack’s provider, and its inline policy', () => {
    const c = irsaCluster()
    const m = buildModel(c, {
      images: new Map(c.instanceGroups.map((g) => [g.name, image])),
      userData: (g) => `# ${g}\n`,
    })
    const template = renderTemplate(m, {
      literals: new Map([['kms-key', {id: KEY.split('/')[1]!, arn: KEY}]]),
    }) as {
      Resources: Record<string, {Type: string; Properties: Record<string, unknown>}>
    }
    const resources = Object.values(template.Resources)
    const role = resources.find(
      (r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === ebsCsiControllerRoleName(CLUSTER),
    )!
    expect(role.Properties.Path).toBe(`/kforge/${CLUSTER}/`)
    const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument)
    expect(trust).toContain('"Fn::GetAtt"')
    expect(trust).toContain(SUBJECT)
    const policy = resources.find(
      (r) => r.Type === 'AWS::IAM::Policy' && r.Properties.PolicyName === 'kforge-ebs-csi-controller',
    )!
    expect(policy.Properties.PolicyDocument).toEqual(controllerPolicy)
    expect(JSON.stringify(policy.Properties.Roles)).toContain('"Ref"')
  })
})

describe('node.yaml and the manifests', () => {
  const arn = ebsCsiControllerRoleArn(CLUSTER, 'us-east-1', ACCOUNT)

  it('names the role’s ARN in the account kforge made it in, and refuses to render without the account', () => {
    expect(arn).toBe(`arn:aws:iam::${ACCOUNT}:role/kforge/${CLUSTER}/${ebsCsiControllerRoleName(CLUSTER)}`)
    const doc = nodeBootstrapDocument(irsaCluster(), undefined, ACCOUNT)
    expect(doc.addons.ebsCSI).toEqual({enabled: true, defaultStorageClass: true, controllerRoleArn: arn})
    expect(() => nodeBootstrapDocument(irsaCluster())).toThrow(/EBS CSI controller has its own IAM role/)
    expect(
      nodeBootstrapDocument(haPrivateCluster(CLUSTER), undefined, ACCOUNT).addons.ebsCSI.controllerRoleArn,
    ).toBeUndefined()
    const cn = irsaCluster()
    cn.spec.cloud.aws.region = 'cn-north-1'
    expect(ebsCsiControllerRoleArn(CLUSTER, 'cn-north-1', ACCOUNT)).toMatch(/^arn:aws-cn:iam::/)
  })

  const set = (controllerRoleArn?: string): ManifestSet =>
    ebsCsiManifests({
      clusterName: CLUSTER,
      kubernetesVersion: 'v1.37.2',
      defaultStorageClass: true,
      ...(controllerRoleArn ? {controllerRoleArn} : {}),
    })
  const named = (s: ManifestSet, kind: string, name: string) =>
    s.find((m) => m.type.kind === kind && m.object.metadata.name === name)?.object

  it('runs the controller as a 2-replica Deployment on the pod network, its service account annotated', () => {
    const s = set(arn)
    expect(named(s, 'DaemonSet', 'ebs-csi-controller')).toBeUndefined()
    const d = named(s, 'Deployment', 'ebs-csi-controller') as Deployment
    expect(d.spec.replicas).toBe(2)
    const pod = d.spec.template.spec
    expect(pod.hostNetwork).toBeUndefined()
    expect(pod.nodeSelector).toEqual({'kubernetes.io/os': 'linux'})
    expect(pod.serviceAccountName).toBe(EBS_CSI_CONTROLLER_ACCOUNT.name)
    expect(pod.securityContext).toMatchObject({fsGroup: 1000})
    const sa = named(s, 'ServiceAccount', EBS_CSI_CONTROLLER_ACCOUNT.name) as ServiceAccount
    expect(sa.metadata.annotations).toEqual({'eks.amazonaws.com/role-arn': arn})
    expect(
      replacedEbsCsiController({
        clusterName: CLUSTER,
        kubernetesVersion: 'v1.37.2',
        defaultStorageClass: true,
        controllerRoleArn: arn,
      }).type.kind,
    ).toBe('DaemonSet')
    // The node plugin is the same either way.
    expect(named(s, 'DaemonSet', 'ebs-csi-node')).toEqual(named(set(), 'DaemonSet', 'ebs-csi-node'))
  })

  it('without a role, the control-plane DaemonSet with hostNetwork, the account unannotated', () => {
    const s = set()
    expect(named(s, 'Deployment', 'ebs-csi-controller')).toBeUndefined()
    expect((named(s, 'DaemonSet', 'ebs-csi-controller') as DaemonSet).spec.template.spec.hostNetwork).toBe(
      true,
    )
    expect(
      (named(s, 'ServiceAccount', EBS_CSI_CONTROLLER_ACCOUNT.name) as ServiceAccount).metadata.annotations,
    ).toBeUndefined()
  })

  it('node.yaml carries the ARN to the node, which refuses one that is not a role ARN', async () => {
    const root = tempDir('kforge-ebs-irsa-')
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(root, NODE_CONFIG_FILE),
      stringify(nodeBootstrapDocument(irsaCluster(), undefined, ACCOUNT)),
    )
    expect((await loadNodeConfig(root)).ebsCSI).toEqual({
      enabled: true,
      defaultStorageClass: true,
      controllerRoleArn: arn,
    })
    writeFileSync(
      join(root, NODE_CONFIG_FILE),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\naddons: {ebsCSI: {enabled: true, controllerRoleArn: "arn:aws:iam::<ACCOUNT>:role/x"}}\n',
    )
    await expect(loadNodeConfig(root)).rejects.toThrow(
      /addons\.ebsCSI\.controllerRoleArn: expected an IAM role ARN/,
    )
  })
})

describe('the spec', () => {
  it('refuses mapping the controller’s account itself while kforge makes its role', () => {
    const mapped = (c: Cluster) => {
      c.spec.iam = {
        serviceAccountExternalPermissions: [
          {...EBS_CSI_CONTROLLER_ACCOUNT, aws: {policyARNs: ['arn:aws:iam::aws:policy/AmazonEC2FullAccess']}},
        ],
      }
      return c
    }
    const problems = new Problems()
    validateIdentity(mapped(irsaCluster()), problems)
    expect(problems.list.join('\n')).toMatch(/is the EBS CSI controller's account: kforge makes its role/)
    const off = mapped(irsaCluster())
    off.spec.addons.ebsCSI.enabled = false
    const none = new Problems()
    validateIdentity(off, none)
    expect(none.list).toEqual([])
  })
})
