/** The API target group: TCP to the API port on the control-plane instances (their groups register them). */
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, tagChanges} from '../model/diff.js'
import type {Actual, ResourceKind, Tags, Val} from '../model/types.js'
import {toTagList} from '../tags.js'
import {matchByName} from './ec2.js'
import {elbv2, elbv2Module, listOwnedTargetGroups, tagsOf} from './elbv2.js'

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

  async create(ctx, d, p) {
    const {CreateTargetGroupCommand, DescribeTargetGroupsCommand} = await elbv2Module()
    const client = await elbv2(ctx)
    const made = (arn: string): TargetGroupActual => ({
      id: arn,
      attrs: {id: arn, arn, name: p.name},
      tags: p.tags,
      name: p.name,
      port: p.port,
      protocol: 'TCP',
      vpcId: p.vpcId,
    })
    // Like load balancers: the same settings return the same group; DuplicateTargetGroupName is adopted if ours.
    return createOrAdopt(ctx, {
      what: `target group ${p.name}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
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
          ).TargetGroups![0]!.TargetGroupArn!,
        ),
      find: async () => {
        const tg = (await client.send(new DescribeTargetGroupsCommand({Names: [p.name]}))).TargetGroups?.[0]
        if (!tg) return undefined
        const tags = (await tagsOf(ctx, [tg.TargetGroupArn!])).get(tg.TargetGroupArn!) ?? {}
        return {actual: made(tg.TargetGroupArn!), tags}
      },
    })
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
    const client = await elbv2(ctx)
    await idempotentDelete(() => client.send(new DeleteTargetGroupCommand({TargetGroupArn: a.id})))
  },

  describe: (p) => `TCP ${p.port}`,
}
