/**
 * The instance roles' documents, exactly as the resource model carries them, evaluated by an IAM
 * policy simulator (@cloud-copilot/iam-simulate): conditions and KMS key ARNs, which the emulator
 * does not evaluate, are proven here (test/integration/iam-enforced.test.ts proves the S3 part
 * with enforcement).
 */

import {
  createValidatedPolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
} from '@cloud-copilot/iam-policy'
import {runSimulation, runUnsafeSimulation, type Simulation} from '@cloud-copilot/iam-simulate'
import {describe, expect, it} from 'vitest'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {nodeAgentKey} from '../../../../src/assets/node-agent.js'
import {secretsBundleKey} from '../../../../src/assets/secrets-bundle.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {awsNames} from '../../../../src/cloud/aws/build/names.js'
import {ebsCsiManifests} from '../../../../src/kube/manifests/ebs-csi.js'
import type {DaemonSet} from '../../../../src/kube/types.js'
import {backupKey} from '../../../../src/lifecycle/etcd-backups.js'
import {initRecordKey} from '../../../../src/lifecycle/init-once.js'
import {publishedConfigKey} from '../../../../src/render/render.js'
import {haPrivateCluster} from '../../../fixtures/cloud/clusters.js'
import {
  type Context,
  ebsCsiDriverTags,
  foreignVolumeTags,
  requestTags,
  resolveRefs,
  resourceTags,
} from '../../../fixtures/cloud/iam-simulation.js'

const ACCOUNT = '111122223333'
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001`
const STORE = 's3://kforge-state/team'
const CLUSTER = 'ha.build.example.com'
const SHA = 'ab'.repeat(32)

type Document = {Statement: unknown[]}

/** KMS's default key policy: the account root, so IAM policies decide. */
const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM policies',
      Effect: 'Allow',
      Principal: {AWS: `arn:aws:iam::${ACCOUNT}:root`},
      Action: 'kms:*',
      Resource: '*',
    },
  ],
}

/** Refs (the key kforge makes) become the key's ARN, as IAM would store the document. */
const resolve = (value: unknown) => resolveRefs(value, () => KEY)

function documents(cluster: Cluster): Map<string, Document> {
  const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
  const model = buildModel(cluster, {
    images: new Map(cluster.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
    stateStore: STORE,
  })
  const out = new Map<string, Document>()
  for (const r of model.resources.filter((x) => x.kind === 'RolePolicy')) {
    out.set(r.name.replace(/^policy-/, ''), resolve((r.props as {document: unknown}).document) as Document)
  }
  return out
}

const cluster = haPrivateCluster(CLUSTER)
const docs = documents(cluster)
const groupsOf = (role: string) =>
  cluster.instanceGroups.filter((g) => g.spec.role === role).map((g) => g.name)

async function decide(
  role: string,
  action: string,
  resource: string,
  context: Context = {},
): Promise<string> {
  const policy = docs.get(role)
  if (!policy) throw new Error(`no policy for ${role}`)
  const simulation: Simulation = {
    identityPolicies: [{name: `kforge-${role}`, policy}],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action,
      principal: `arn:aws:iam::${ACCOUNT}:role/kforge/${CLUSTER}/${role}`,
      resource: {accountId: ACCOUNT, resource},
      contextVariables: context,
    },
  }
  // The checked mode keeps only the context keys it knows for the action, and it matches variable
  // keys on `/` alone, so it drops `kms:EncryptionContext:<key>` (a `:` variable): the KMS cases go
  // through the unchecked mode, with exactly the context KMS builds from kforge's encryption context,
  // and the key policy KMS requires (kforge's key keeps the default: the account's IAM decides).
  if (action.startsWith('kms:')) {
    const keyPolicy = createValidatedPolicy(KEY_POLICY, validateResourcePolicy, {name: 'key-policy'})
    return runUnsafeSimulation({...simulation, resourcePolicy: keyPolicy}, {})
  }
  const result = await runSimulation(simulation, {})
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors))
  return result.overallResult
}

const object = (key: string) => `arn:aws:s3:::kforge-state/team/${key}`
const volume = `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/vol-0123456789abcdef0`
const context = (asset: string, clusterName = CLUSTER, role?: string): Context => ({
  'kms:EncryptionContext:kforge.dev/cluster': clusterName,
  'kms:EncryptionContext:kforge.dev/asset': asset,
  ...(role === undefined ? {} : {'kms:EncryptionContext:kforge.dev/role': role}),
})
/** The context the prerequisites seal a control-plane secret under (src/assets/prepare.ts). */
const sealedForControlPlane = (asset: string, clusterName = CLUSTER) =>
  context(asset, clusterName, 'control-plane')
const CONTROL_PLANE_SECRETS = ['ca.key', 'etcd/ca.key', 'front-proxy-ca.key', 'sa.key']

describe('node role', () => {
  it('reads the node agent and its own groups’ cloud-configs', async () => {
    expect(await decide('nodes', 's3:GetObject', object(nodeAgentKey(CLUSTER, SHA)))).toBe('Allowed')
    for (const g of groupsOf('node')) {
      expect(await decide('nodes', 's3:GetObject', object(publishedConfigKey(CLUSTER, g, SHA)))).toBe(
        'Allowed',
      )
    }
  })

  it('reads no control-plane object, no other cluster’s prefix, nothing else in the bucket', async () => {
    for (const g of groupsOf('control-plane')) {
      expect(await decide('nodes', 's3:GetObject', object(publishedConfigKey(CLUSTER, g, SHA)))).not.toBe(
        'Allowed',
      )
    }
    const other = 'other.build.example.com'
    expect(await decide('nodes', 's3:GetObject', object(nodeAgentKey(other, SHA)))).not.toBe('Allowed')
    expect(
      await decide('nodes', 's3:GetObject', object(`${CLUSTER}x/assets/node-agent/kforge-1.mjs`)),
    ).not.toBe('Allowed')
    expect(await decide('nodes', 's3:GetObject', object(`${CLUSTER}/pki/private/ca/key.pem`))).not.toBe(
      'Allowed',
    )
    expect(await decide('nodes', 's3:GetObject', object('config'))).not.toBe('Allowed')
    expect(await decide('nodes', 's3:PutObject', object(nodeAgentKey(CLUSTER, SHA)))).not.toBe('Allowed')
  })

  it('decrypts nothing at all: no secret is sealed for nodes (they join through node identity)', async () => {
    for (const asset of CONTROL_PLANE_SECRETS) {
      expect(await decide('nodes', 'kms:Decrypt', KEY, context(asset))).not.toBe('Allowed')
      expect(await decide('nodes', 'kms:Decrypt', KEY, sealedForControlPlane(asset))).not.toBe('Allowed')
      expect(await decide('nodes', 'kms:Decrypt', KEY, context(asset, CLUSTER, 'node'))).not.toBe('Allowed')
    }
    expect(await decide('nodes', 'kms:Decrypt', KEY)).not.toBe('Allowed')
    expect(JSON.stringify(docs.get('nodes'))).not.toContain('kms:')
  })
})

/** A group's ARN as Auto Scaling writes it (the group id part is a UUID kforge never knows). */
const groupArn = (group: string, clusterName = CLUSTER) =>
  `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:0f1e2d3c-aaaa-bbbb-cccc-000000000002:autoScalingGroupName/${awsNames.autoScalingGroup(group, clusterName)}`
const tagged = (clusterName = CLUSTER): Context => ({'aws:ResourceTag/KubernetesCluster': clusterName})
const LIFECYCLE = ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat']

describe('termination hook (the node agent completing its own lifecycle action)', () => {
  for (const [role, own, other] of [
    ['nodes', 'node', 'control-plane'],
    ['control-plane', 'control-plane', 'node'],
  ] as const) {
    it(`${role}: on its own groups while they carry the cluster tag; not another role's, cluster's or an untagged group`, async () => {
      for (const action of LIFECYCLE) {
        for (const g of groupsOf(own))
          expect(await decide(role, action, groupArn(g), tagged())).toBe('Allowed')
        for (const g of groupsOf(other))
          expect(await decide(role, action, groupArn(g), tagged())).not.toBe('Allowed')
        const g = groupsOf(own)[0]!
        expect(await decide(role, action, groupArn(g), tagged('other.example.com'))).not.toBe('Allowed')
        expect(await decide(role, action, groupArn(g), {})).not.toBe('Allowed')
        // The same group name in another cluster: another name (its hash), so another ARN.
        expect(await decide(role, action, groupArn(g, 'other.example.com'), tagged())).not.toBe('Allowed')
      }
    })
  }

  it('nodes may do nothing else to a group: no terminate, no scaling, no hook changes', async () => {
    const g = groupArn(groupsOf('node')[0]!)
    for (const action of [
      'autoscaling:TerminateInstanceInAutoScalingGroup',
      'autoscaling:SetDesiredCapacity',
      'autoscaling:PutLifecycleHook',
      'autoscaling:DeleteLifecycleHook',
    ]) {
      expect(await decide('nodes', action, g, tagged())).not.toBe('Allowed')
    }
  })
})

describe('control-plane role', () => {
  it('reads the agent and its own cloud-configs, not the nodes’', async () => {
    expect(await decide('control-plane', 's3:GetObject', object(nodeAgentKey(CLUSTER, SHA)))).toBe('Allowed')
    for (const g of groupsOf('control-plane')) {
      expect(await decide('control-plane', 's3:GetObject', object(publishedConfigKey(CLUSTER, g, SHA)))).toBe(
        'Allowed',
      )
    }
    for (const g of groupsOf('node')) {
      expect(
        await decide('control-plane', 's3:GetObject', object(publishedConfigKey(CLUSTER, g, SHA))),
      ).not.toBe('Allowed')
    }
  })

  it('claims and completes its own cluster’s init record, and no other object or cluster’s', async () => {
    const record = object(initRecordKey(CLUSTER))
    expect(await decide('control-plane', 's3:PutObject', record)).toBe('Allowed')
    expect(await decide('control-plane', 's3:GetObject', record)).toBe('Allowed')
    expect(await decide('control-plane', 's3:PutObject', object(initRecordKey(`${CLUSTER}x`)))).not.toBe(
      'Allowed',
    )
    expect(await decide('control-plane', 's3:PutObject', object(`${CLUSTER}/config`))).not.toBe('Allowed')
    expect(await decide('nodes', 's3:GetObject', record)).not.toBe('Allowed')
  })

  it('reads, writes, prunes, seals and opens its own cluster’s etcd backups (restore, scheduled backups); nodes cannot', async () => {
    const backup = object(backupKey(CLUSTER, '20261202T001500Z-r1234'))
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(await decide('control-plane', action, backup)).toBe('Allowed')
      expect(await decide('control-plane', action, object(backupKey(`${CLUSTER}x`, '1T-r1')))).not.toBe(
        'Allowed',
      )
      expect(await decide('nodes', action, backup)).not.toBe('Allowed')
    }
    // Other records of the cluster stay out of reach (the spec, the secrets).
    expect(await decide('control-plane', 's3:PutObject', object(`${CLUSTER}/config.yaml`))).not.toBe(
      'Allowed',
    )
    const sealed = context('etcd-backup/20261202T001500Z-r1234')
    expect(await decide('control-plane', 'kms:GenerateDataKey', KEY, sealed)).toBe('Allowed')
    expect(await decide('control-plane', 'kms:GenerateDataKey', KEY, context('ca.key'))).not.toBe('Allowed')
    expect(await decide('nodes', 'kms:GenerateDataKey', KEY, sealed)).not.toBe('Allowed')
    expect(await decide('control-plane', 'kms:Decrypt', KEY, sealed)).toBe('Allowed')
    expect(
      await decide('control-plane', 'kms:Decrypt', KEY, context('etcd-backup/1T-r1', 'other.example.com')),
    ).not.toBe('Allowed')
    expect(await decide('nodes', 'kms:Decrypt', KEY, sealed)).not.toBe('Allowed')
  })

  it('decrypts its own cluster’s secrets only under the control-plane encryption context', async () => {
    for (const asset of CONTROL_PLANE_SECRETS) {
      expect(await decide('control-plane', 'kms:Decrypt', KEY, sealedForControlPlane(asset))).toBe('Allowed')
      expect(
        await decide('control-plane', 'kms:Decrypt', KEY, sealedForControlPlane(asset, 'other.example.com')),
      ).not.toBe('Allowed')
      // Without the role in the context (an older sealing, or something sealed for no role), or another role's.
      expect(await decide('control-plane', 'kms:Decrypt', KEY, context(asset))).not.toBe('Allowed')
      expect(await decide('control-plane', 'kms:Decrypt', KEY, context(asset, CLUSTER, 'node'))).not.toBe(
        'Allowed',
      )
    }
    // An asset that is not in the catalogue, sealed with the right role: refused too.
    expect(await decide('control-plane', 'kms:Decrypt', KEY, sealedForControlPlane('admin.key'))).not.toBe(
      'Allowed',
    )
    // Any other use of the key with no context at all: refused.
    expect(await decide('control-plane', 'kms:Decrypt', KEY)).not.toBe('Allowed')
  })

  it('reads its own secrets bundle prefix; not another cluster’s, not the plaintext PKI; nodes read none', async () => {
    const bundle = object(secretsBundleKey(CLUSTER, 'control-plane', SHA))
    expect(await decide('control-plane', 's3:GetObject', bundle)).toBe('Allowed')
    expect(await decide('control-plane', 's3:PutObject', bundle)).not.toBe('Allowed')
    expect(
      await decide(
        'control-plane',
        's3:GetObject',
        object(secretsBundleKey(`${CLUSTER}x`, 'control-plane', SHA)),
      ),
    ).not.toBe('Allowed')
    expect(
      await decide('control-plane', 's3:GetObject', object(secretsBundleKey(CLUSTER, 'node', SHA))),
    ).not.toBe('Allowed')
    for (const key of ['pki/ca.key', 'pki/sa.key', 'secrets/bootstrap-token', 'assets/encrypted/x.json']) {
      expect(await decide('control-plane', 's3:GetObject', object(`${CLUSTER}/${key}`)), key).not.toBe(
        'Allowed',
      )
    }
    expect(await decide('nodes', 's3:GetObject', bundle)).not.toBe('Allowed')
  })

  it('lists the state store bucket, so S3 answers an absent claim or restore record 404 (not 403); nodes list nothing', async () => {
    const bucket = 'arn:aws:s3:::kforge-state'
    // S3 checks this right on a GetObject of a missing key with no prefix in the request.
    expect(await decide('control-plane', 's3:ListBucket', bucket)).toBe('Allowed')
    expect(await decide('control-plane', 's3:ListBucket', 'arn:aws:s3:::another-bucket')).not.toBe('Allowed')
    expect(await decide('nodes', 's3:ListBucket', bucket)).not.toBe('Allowed')
    expect(
      await decide('control-plane', 's3:GetObject', object(`${CLUSTER}/control-plane/restore.json`)),
    ).toBe('Allowed')
  })

  it('changes a volume of its own cluster; not one of another cluster, nor an untagged one', async () => {
    for (const action of ['ec2:ModifyVolume', 'ec2:DetachVolume', 'ec2:AttachVolume']) {
      expect(
        await decide('control-plane', action, volume, {'aws:ResourceTag/KubernetesCluster': CLUSTER}),
      ).toBe('Allowed')
      expect(
        await decide('control-plane', action, volume, {
          'aws:ResourceTag/KubernetesCluster': 'other.example.com',
        }),
      ).not.toBe('Allowed')
      expect(await decide('control-plane', action, volume, {})).not.toBe('Allowed')
    }
  })

  it('attaches its etcd volume at boot: only a volume and an instance of its own cluster; reads volumes', async () => {
    const instance = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`
    const own = {'aws:ResourceTag/KubernetesCluster': CLUSTER}
    const other = {'aws:ResourceTag/KubernetesCluster': 'other.example.com'}
    for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume']) {
      expect(await decide('control-plane', action, instance, own)).toBe('Allowed')
      expect(await decide('control-plane', action, instance, other)).not.toBe('Allowed')
      expect(await decide('control-plane', action, instance, {})).not.toBe('Allowed')
    }
    for (const action of ['ec2:DescribeVolumes', 'ec2:DescribeInstances'])
      expect(await decide('control-plane', action, '*')).toBe('Allowed')
  })

  it('nodes may not see, attach or detach any volume', async () => {
    const own = {'aws:ResourceTag/KubernetesCluster': CLUSTER}
    for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DeleteVolume'])
      expect(await decide('nodes', action, volume, own)).not.toBe('Allowed')
    expect(await decide('nodes', 'ec2:DescribeVolumes', '*')).not.toBe('Allowed')
  })

  it('tags a volume with the cluster tag only when creating it', async () => {
    const create = {
      'ec2:CreateAction': 'CreateVolume',
      'aws:RequestTag/KubernetesCluster': CLUSTER,
      'aws:TagKeys': ['KubernetesCluster'],
    }
    expect(await decide('control-plane', 'ec2:CreateTags', volume, create)).toBe('Allowed')
    // Another cluster's tag at creation.
    expect(
      await decide('control-plane', 'ec2:CreateTags', volume, {
        ...create,
        'aws:RequestTag/KubernetesCluster': 'other.example.com',
      }),
    ).not.toBe('Allowed')
    // Tagging an existing untagged or foreign volume into the cluster: the attack the tag gate needs closed.
    const claim = {'aws:RequestTag/KubernetesCluster': CLUSTER, 'aws:TagKeys': ['KubernetesCluster']}
    expect(await decide('control-plane', 'ec2:CreateTags', volume, claim)).not.toBe('Allowed')
    expect(
      await decide('control-plane', 'ec2:CreateTags', volume, {
        ...claim,
        'aws:ResourceTag/KubernetesCluster': 'other.example.com',
      }),
    ).not.toBe('Allowed')
    // Changing or removing the cluster tag of its own volume: refused; other tags: allowed.
    const own = {'aws:ResourceTag/KubernetesCluster': CLUSTER}
    expect(
      await decide('control-plane', 'ec2:CreateTags', volume, {
        ...own,
        'aws:RequestTag/KubernetesCluster': 'other.example.com',
        'aws:TagKeys': ['KubernetesCluster'],
      }),
    ).not.toBe('Allowed')
    expect(
      await decide('control-plane', 'ec2:DeleteTags', volume, {...own, 'aws:TagKeys': ['KubernetesCluster']}),
    ).not.toBe('Allowed')
    expect(
      await decide('control-plane', 'ec2:CreateTags', volume, {
        ...own,
        'aws:RequestTag/kubernetes.io/created-for/pvc/name': 'data',
        'aws:TagKeys': ['kubernetes.io/created-for/pvc/name'],
      }),
    ).toBe('Allowed')
  })

  it('creates snapshots and load balancers only with the cluster’s request tag', async () => {
    const lb = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:loadbalancer/net/a/0123456789abcdef`
    // Snapshot ARNs carry no account.
    const snapshot = 'arn:aws:ec2:us-east-1::snapshot/snap-0123456789abcdef0'
    const cases: Array<[string, string]> = [
      ['ec2:CreateSnapshot', snapshot],
      ['elasticloadbalancing:CreateLoadBalancer', lb],
    ]
    for (const [action, resource] of cases) {
      expect(
        await decide('control-plane', action, resource, {'aws:RequestTag/KubernetesCluster': CLUSTER}),
      ).toBe('Allowed')
      expect(await decide('control-plane', action, resource, {})).not.toBe('Allowed')
    }
    expect(await decide('control-plane', 'elasticloadbalancing:DeleteLoadBalancer', lb, {})).not.toBe(
      'Allowed',
    )
    expect(
      await decide('control-plane', 'elasticloadbalancing:DeleteLoadBalancer', lb, {
        'aws:ResourceTag/KubernetesCluster': CLUSTER,
      }),
    ).toBe('Allowed')
  })

  it('are valid identity policies', () => {
    for (const [role, doc] of docs) expect([role, validateIdentityPolicy(doc)]).toEqual([role, []])
  })

  it('lists every action one by one: no service or global wildcard', () => {
    for (const [, doc] of docs) {
      for (const s of doc.Statement as Array<{Action: string[]}>) {
        for (const action of s.Action) expect(action).not.toMatch(/\*/)
      }
    }
  })
})

describe('EBS CSI driver (the controller runs on the control plane, under its role)', () => {
  // The flag kforge starts the driver with decides the tags on every volume it creates.
  const controller = ebsCsiManifests({
    clusterName: CLUSTER,
    kubernetesVersion: 'v1.37.2',
    defaultStorageClass: true,
  }).find((m) => m.object.metadata.name === 'ebs-csi-controller')!.object as DaemonSet
  const plugin = controller.spec.template.spec.containers.find((c) => c.name === 'ebs-plugin')!
  const clusterId = plugin.args!.find((a) => a.startsWith('--k8s-tag-cluster-id='))!.split('=')[1]!
  const driverTags = ebsCsiDriverTags(clusterId)
  const instance = `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`

  it('tags each volume with this cluster’s name', () => {
    expect(clusterId).toBe(CLUSTER)
  })

  it('creates a volume with the tags the driver sends, and tags it in the same request', async () => {
    expect(await decide('control-plane', 'ec2:CreateVolume', volume, requestTags(driverTags))).toBe('Allowed')
    expect(
      await decide('control-plane', 'ec2:CreateTags', volume, {
        ...requestTags(driverTags),
        'ec2:CreateAction': 'CreateVolume',
      }),
    ).toBe('Allowed')
  })

  it('creates no volume that is not the driver’s for this cluster', async () => {
    for (const tags of foreignVolumeTags(driverTags)) {
      expect(await decide('control-plane', 'ec2:CreateVolume', volume, requestTags(tags))).not.toBe('Allowed')
    }
  })

  it('deletes only volumes the driver made for this cluster: never an etcd volume, nor another cluster’s', async () => {
    expect(await decide('control-plane', 'ec2:DeleteVolume', volume, resourceTags(driverTags))).toBe(
      'Allowed',
    )
    const etcd = {KubernetesCluster: CLUSTER, [`kubernetes.io/cluster/${CLUSTER}`]: 'owned'}
    expect(await decide('control-plane', 'ec2:DeleteVolume', volume, resourceTags(etcd))).not.toBe('Allowed')
    expect(
      await decide(
        'control-plane',
        'ec2:DeleteVolume',
        volume,
        resourceTags({...driverTags, KubernetesCluster: 'other.example.com'}),
      ),
    ).not.toBe('Allowed')
    expect(await decide('control-plane', 'ec2:DeleteVolume', volume, {})).not.toBe('Allowed')
  })

  it('attaches and detaches only to an instance of this cluster', async () => {
    for (const action of ['ec2:AttachVolume', 'ec2:DetachVolume']) {
      expect(
        await decide('control-plane', action, instance, resourceTags({KubernetesCluster: CLUSTER})),
      ).toBe('Allowed')
      expect(
        await decide(
          'control-plane',
          action,
          instance,
          resourceTags({KubernetesCluster: 'other.example.com'}),
        ),
      ).not.toBe('Allowed')
    }
  })

  it('nodes, where the node plugin runs, may create, attach or delete no volume at all', async () => {
    for (const action of ['ec2:CreateVolume', 'ec2:AttachVolume', 'ec2:DeleteVolume', 'ec2:CreateTags']) {
      expect(
        await decide('nodes', action, volume, {...requestTags(driverTags), ...resourceTags(driverTags)}),
      ).not.toBe('Allowed')
    }
  })
})

describe('bastion role', () => {
  it('has no policy at all', () => {
    expect(docs.has('bastion')).toBe(false)
    expect(cluster.instanceGroups.some((g) => g.spec.role === 'bastion')).toBe(true)
  })
})
