/** The API target group: TCP to the API port on the control-plane instances (their groups register them). */
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {toTagList} from '../tags.js'
import {matchByName} from './ec2.js'
import {elbv2, elbv2Module, listOwnedTargetGroups} from './elbv2.js'

export interface TargetGroupProps {
  name: string
  port: number
  vpcId: Val
  tags: Tags
}

export interface TargetGroupActual extends Actual {
  name: string
  port: number
  protocol: string
  vpcId: string
}

export const targetGroupKind: ResourceKind<TargetGroupProps, TargetGroupActual> = {
  kind: 'TargetGroup',
  phase: 'cluster',
  deleteAfter: ['LoadBalancer', 'Listener', 'AutoScalingGroup'],
  ownership: 'tags',
  immutable: ['name', 'port', 'vpcId'],
  onImmutableChange: 'refuse',
  prune: true,

  async list(ctx) {
    return (await listOwnedTargetGroups(ctx)).map(({tg, tags}) => ({
      id: tg.TargetGroupArn!,
      attrs: {id: tg.TargetGroupArn!, arn: tg.TargetGroupArn!, name: tg.TargetGroupName ?? ''},
      tags,
      name: tg.TargetGroupName ?? '',
      port: tg.Port ?? 0,
      protocol: tg.Protocol ?? '',
      vpcId: tg.VpcId ?? '',
    }))
  },

  match: (desired, _p, candidates) => matchByName(desired, candidates),
  diff: (p, a) =>
    changes(['name', p.name, a.name], ['port', p.port, a.port], ['vpcId', p.vpcId, a.vpcId]).concat(
      tagChanges(p.tags, a.tags),
    ),

  async create(ctx, _d, p) {
    const {CreateTargetGroupCommand} = await elbv2Module()
    const out = await (await elbv2(ctx)).send(
      new CreateTargetGroupCommand({
        Name: p.name,
        Protocol: 'TCP',
        Port: p.port,
        VpcId: p.vpcId,
        TargetType: 'instance',
        HealthCheckProtocol: 'TCP',
        Tags: toTagList(p.tags),
      }),
    )
    const arn = out.TargetGroups![0]!.TargetGroupArn!
    return {
      id: arn,
      attrs: {id: arn, arn, name: p.name},
      tags: p.tags,
      name: p.name,
      port: p.port,
      protocol: 'TCP',
      vpcId: p.vpcId,
    }
  },

  async update(ctx, _d, p, a, todo) {
    const {AddTagsCommand} = await elbv2Module()
    const tags = todo.filter((c) => c.field.startsWith('tags.'))
    if (tags.length > 0) {
      await (await elbv2(ctx)).send(
        new AddTagsCommand({
          ResourceArns: [a.id],
          Tags: tags.map((c) => ({Key: c.field.slice(5), Value: String(c.new)})),
        }),
      )
    }
    return {...a, tags: {...a.tags, ...p.tags}}
  },

  async delete(ctx, a) {
    const {DeleteTargetGroupCommand} = await elbv2Module()
    await (await elbv2(ctx)).send(new DeleteTargetGroupCommand({TargetGroupArn: a.id}))
  },

  describe: (p) => `TCP ${p.port}`,
}
