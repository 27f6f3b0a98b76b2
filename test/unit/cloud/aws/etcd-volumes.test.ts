/**
 * etcd's volumes in the resource model: one per control-plane member (a control-plane group), in
 * its zone, sized by etcd.volumeSize, tagged for the boot to find; the group waits for it; a larger
 * size is modified in place, a smaller one (or another zone or type) refused naming the field; never
 * pruned; CloudFormation retains them and refuses the same (cfn.test.ts).
 */
import {describe, expect, it} from 'vitest'
import type {Cluster} from '../../../../src/api/v1alpha1/types.js'
import {buildModel} from '../../../../src/cloud/aws/build/index.js'
import {judgeChanges} from '../../../../src/cloud/aws/direct/plan.js'
import type {Desired, Model} from '../../../../src/cloud/aws/model/types.js'
import {type VolumeActual, type VolumeProps, volumeKind} from '../../../../src/cloud/aws/resources/volume.js'
import {haPrivateCluster, publicSingleCluster} from '../../../fixtures/cloud/clusters.js'

const image = {id: 'ami-0123456789abcdef0', rootDeviceName: '/dev/sda1'}
const model = (c: Cluster): Model =>
  buildModel(c, {
    images: new Map(c.instanceGroups.map((g) => [g.name, image])),
    userData: (g) => `#cloud-config\n# ${g}\n`,
  })
const volumes = (m: Model) => m.resources.filter((r) => r.kind === 'Volume') as Desired<VolumeProps>[]

describe('etcd volumes in the model', () => {
  const cluster = haPrivateCluster('vol.build.example.com')
  const m = model(cluster)
  const controlPlane = cluster.instanceGroups.filter((g) => g.spec.role === 'control-plane')

  it('one encrypted gp3 volume per control-plane group, in the zone of its subnet, default 20 GiB', () => {
    expect(volumes(m).map((v) => v.name)).toEqual(controlPlane.map((g) => `etcd-${g.name}`))
    for (const g of controlPlane) {
      const v = volumes(m).find((r) => r.name === `etcd-${g.name}`)!
      const zone = cluster.spec.networking.subnets.find((s) => s.name === g.spec.subnets[0])!.zone
      expect(v.props).toMatchObject({zone, size: 20, volumeType: 'gp3', encrypted: true})
      expect(v.props.tags).toMatchObject({
        KubernetesCluster: cluster.name,
        [`kubernetes.io/cluster/${cluster.name}`]: 'owned',
        'kforge.dev/etcd-member': g.name,
        'kforge.dev/resource': `etcd-${g.name}`,
      })
    }
  })

  it("sizes them by etcd.volumeSize; a group's instances carry the member tag, node groups none", () => {
    const c = publicSingleCluster('vol-size.build.example.com')
    c.spec.etcd.volumeSize = 64
    const mm = model(c)
    expect(volumes(mm).map((v) => v.props.size)).toEqual([64])
    const asgs = mm.resources.filter((r) => r.kind === 'AutoScalingGroup') as Desired<{
      tags: Record<string, string>
    }>[]
    for (const asg of asgs) {
      const member = asg.props.tags['kforge.dev/etcd-member']
      if (asg.props.tags['k8s.io/role/control-plane']) {
        expect(member).toBe(asg.props.tags['kforge.dev/instancegroup'])
        expect(asg.dependsOn).toEqual([`etcd-${member}`])
      } else {
        expect(member).toBeUndefined()
        expect(asg.dependsOn).toBeUndefined()
      }
    }
  })

  it('a larger size is modified in place; tags too; nothing is ever pruned', () => {
    const props = volumes(m)[0]!.props
    const actual = actualOf(props)
    expect(volumeKind.diff(props, actual)).toEqual([])
    const changed = volumeKind.diff({...props, size: 40, tags: {...props.tags, team: 'a'}}, actual)
    expect(changed.map((c) => c.field)).toEqual(['size', 'tags.team'])
    expect(volumeKind.immutable).toEqual(['zone', 'volumeType', 'encrypted'])
    expect(volumeKind.onImmutableChange).toBe('refuse')
    expect(volumeKind.prune).toBe(false)
  })
})

/** What DescribeVolumes would say of the volume the props describe. */
function actualOf(props: VolumeProps): VolumeActual {
  return {
    id: 'vol-1',
    attrs: {id: 'vol-1'},
    tags: {...props.tags},
    zone: props.zone,
    size: props.size,
    volumeType: 'gp3',
    encrypted: true,
    state: 'in-use',
    attachments: [],
  }
}

describe('planning a change of etcd.volumeSize (direct target)', () => {
  const c = publicSingleCluster('vol-plan.build.example.com')
  const desired = (size: number, zone?: string): Desired<VolumeProps> => {
    const d = volumes(model({...c, spec: {...c.spec, etcd: {...c.spec.etcd, volumeSize: size}}}))[0]!
    return zone ? {...d, props: {...d.props, zone}} : d
  }
  const at20 = actualOf(desired(20).props)
  const judge = (d: Desired<VolumeProps>, a: VolumeActual = at20) => judgeChanges(volumeKind, d, d.props, a)

  it('grows: 20 -> 30 GiB is an in-place modification of the volume', () => {
    expect(judge(desired(30))).toEqual({
      action: 'update',
      changes: [{field: 'size', old: 20, new: 30}],
      refused: [],
    })
  })

  it('the same size changes nothing', () => {
    expect(judge(desired(20))).toEqual({action: 'none', changes: [], refused: []})
  })

  it('shrinks: refused, naming spec.etcd.volumeSize and why (EBS cannot shrink)', () => {
    const judged = judge(desired(10))
    expect(judged.action).toBe('refused')
    expect(judged.refused).toHaveLength(1)
    expect(judged.refused[0]).toMatch(
      /spec\.etcd\.volumeSize \(10 GiB\) is smaller than the volume \(20 GiB\)/,
    )
    expect(judged.refused[0]).toMatch(/an EBS volume can grow but never shrink/)
  })

  it('another zone or type: refused with the reason, once per field', () => {
    const moved = judge(desired(30, 'us-east-1f'))
    expect(moved.action).toBe('refused')
    expect(moved.refused).toEqual([expect.stringMatching(/cannot move to another zone/)])
    const io2 = judge(desired(20), {...at20, volumeType: 'io2'})
    expect(io2.refused).toEqual([expect.stringMatching(/its type is io2 .* does not change its type/)])
    const plain = judge(desired(20), {...at20, encrypted: false})
    expect(plain.refused).toEqual([expect.stringMatching(/encryption cannot change/)])
  })
})
