/**
 * One launch template per instance group: image, type, profile, groups, user-data, an encrypted
 * root volume and IMDSv2 required. A change is a new version (made the default); the group then
 * points at that version number (never `$Latest`, so what a group runs is explicit).
 */
import type {RequestLaunchTemplateData, ResponseLaunchTemplateData} from '@aws-sdk/client-ec2'
import {createOrAdopt, idempotentDelete} from '../model/adopt.js'
import {changes, sortedStrings, tagChanges} from '../model/diff.js'
import {isUnknown, showValue} from '../model/refs.js'
import type {Actual, Rendered, Resolved, ResourceKind, Tags, Val} from '../model/types.js'
import {fromTagList, toTagList} from '../tags.js'
import {createTags, ec2, ec2Module, listOwned, matchByName, tagSpec, tagsFrom} from './ec2.js'

export interface LaunchTemplateProps {
  name: string
  imageId: string
  instanceType: string
  /** None only for groups that need no AWS access. */
  instanceProfileArn?: Val
  securityGroupIds: Val[]
  /** EC2 key pair name; none means no SSH key (Session Manager). */
  keyName?: Val
  /** Base64 of the user-data: the prerequisites' rendering (a Ref), or bytes a caller gave. */
  userData: Val
  rootVolume: {deviceName: string; size: number; type: string}
  /** Default: 1 for nodes without containers on the host network needing it; 2 lets pods reach IMDS. */
  metadataHopLimit: number
  /** Tags on the template itself. */
  tags: Tags
  /** Tags for the volumes instances get, so deleting the cluster finds strays. */
  volumeTags: Tags
}

/** The fields of a version that kforge manages, as comparable plain data. */
interface TemplateData {
  imageId: string
  instanceType: string
  instanceProfileArn: string
  securityGroupIds: string[]
  keyName?: string
  userData: string
  rootVolume: {deviceName: string; size: number; type: string; encrypted: boolean}
  httpTokens: string
  metadataHopLimit: number
  volumeTags: Tags
}

export interface LaunchTemplateActual extends Actual {
  name: string
  latestVersion: number
  data?: TemplateData
}

/**
 * The template data both targets write: `V` is what a Ref became (an id for the API, Ref / GetAtt
 * for CloudFormation), so the one function serves both without casting the references away.
 */
export function templateData<V>(p: Rendered<Omit<LaunchTemplateProps, 'tags' | 'name'>, V>) {
  return {
    ImageId: p.imageId,
    InstanceType: p.instanceType as RequestLaunchTemplateData['InstanceType'],
    ...(p.instanceProfileArn ? {IamInstanceProfile: {Arn: p.instanceProfileArn}} : {}),
    SecurityGroupIds: p.securityGroupIds,
    ...(p.keyName ? {KeyName: p.keyName} : {}),
    UserData: p.userData,
    BlockDeviceMappings: [
      {
        DeviceName: p.rootVolume.deviceName,
        Ebs: {
          VolumeSize: p.rootVolume.size,
          VolumeType: p.rootVolume.type as 'gp3',
          Encrypted: true,
          DeleteOnTermination: true,
        },
      },
    ],
    MetadataOptions: {
      HttpTokens: 'required' as const,
      HttpEndpoint: 'enabled' as const,
      HttpPutResponseHopLimit: p.metadataHopLimit,
    },
    TagSpecifications: [{ResourceType: 'volume' as const, Tags: toTagList(p.volumeTags)}],
  }
}

function toRequest(p: Resolved<LaunchTemplateProps>): RequestLaunchTemplateData {
  return templateData<string>(p)
}

function fromResponse(d: ResponseLaunchTemplateData): TemplateData {
  const root = d.BlockDeviceMappings?.[0]
  const volumeTags = d.TagSpecifications?.find((t) => t.ResourceType === 'volume')?.Tags
  return {
    imageId: d.ImageId ?? '',
    instanceType: d.InstanceType ?? '',
    instanceProfileArn: d.IamInstanceProfile?.Arn ?? '',
    securityGroupIds: sortedStrings(d.SecurityGroupIds),
    ...(d.KeyName ? {keyName: d.KeyName} : {}),
    userData: d.UserData ?? '',
    rootVolume: {
      deviceName: root?.DeviceName ?? '',
      size: Number(root?.Ebs?.VolumeSize ?? 0),
      type: root?.Ebs?.VolumeType ?? '',
      encrypted: String(root?.Ebs?.Encrypted) === 'true',
    },
    httpTokens: d.MetadataOptions?.HttpTokens ?? 'optional',
    metadataHopLimit: Number(d.MetadataOptions?.HttpPutResponseHopLimit ?? 1),
    volumeTags: fromTagList(volumeTags),
  }
}

export const launchTemplateKind: ResourceKind<LaunchTemplateProps, LaunchTemplateActual> = {
  kind: 'LaunchTemplate',
  phase: 'cluster',
  deleteAfter: ['AutoScalingGroup'],
  ownership: 'tags',
  immutable: ['name'],
  onImmutableChange: 'refuse',
  prune: true,
  // An update is a new version, which the groups must then point at.
  attrsChangedByUpdate: ['latestVersion'],

  async list(ctx) {
    const {paginateDescribeLaunchTemplates, paginateDescribeLaunchTemplateVersions} = await ec2Module()
    const client = await ec2(ctx)
    const templates = await listOwned(
      ctx,
      paginateDescribeLaunchTemplates,
      (page) => page.LaunchTemplates,
      200,
    )
    if (templates.length === 0) return []
    // One read for every template's latest version: omitting the template id describes them all,
    // so the number of calls does not grow with the number of instance groups.
    const latest = new Map<string, ResponseLaunchTemplateData>()
    const ours = new Set(templates.map((t) => t.LaunchTemplateId!))
    for await (const page of paginateDescribeLaunchTemplateVersions(
      {client},
      {Versions: ['$Latest'], MaxResults: 200},
    )) {
      for (const v of page.LaunchTemplateVersions ?? []) {
        if (ours.has(v.LaunchTemplateId!)) latest.set(v.LaunchTemplateId!, v.LaunchTemplateData ?? {})
      }
    }
    return templates.map((t) => {
      const data = latest.get(t.LaunchTemplateId!)
      return {
        id: t.LaunchTemplateId!,
        attrs: {
          id: t.LaunchTemplateId!,
          name: t.LaunchTemplateName!,
          latestVersion: String(t.LatestVersionNumber),
        },
        tags: fromTagList(t.Tags),
        name: t.LaunchTemplateName!,
        latestVersion: t.LatestVersionNumber ?? 1,
        ...(data ? {data: fromResponse(data)} : {}),
      }
    })
  },

  match: (desired, _props, candidates) => matchByName(desired, candidates),

  diff(p, a) {
    const d = a.data
    return changes(
      ['name', p.name, a.name],
      ['imageId', p.imageId, d?.imageId],
      ['instanceType', p.instanceType, d?.instanceType],
      ['instanceProfileArn', p.instanceProfileArn ?? '', d?.instanceProfileArn],
      ['securityGroupIds', sortedStrings(p.securityGroupIds), d?.securityGroupIds],
      ['keyName', p.keyName ?? null, d?.keyName ?? null],
      ['userData', p.userData, d?.userData],
      ['rootVolume', {...p.rootVolume, encrypted: true}, d?.rootVolume],
      ['httpTokens', 'required', d?.httpTokens],
      ['metadataHopLimit', p.metadataHopLimit, d?.metadataHopLimit],
      ['volumeTags', p.volumeTags, d?.volumeTags],
    ).concat(tagChanges(p.tags, a.tags))
  },

  async create(ctx, d, p) {
    const {CreateLaunchTemplateCommand, DescribeLaunchTemplatesCommand} = await ec2Module()
    const client = await ec2(ctx)
    const made = (t: {LaunchTemplateId?: string; LatestVersionNumber?: number}): LaunchTemplateActual => {
      const version = t.LatestVersionNumber ?? 1
      return {
        id: t.LaunchTemplateId!,
        attrs: {id: t.LaunchTemplateId!, name: p.name, latestVersion: String(version)},
        tags: p.tags,
        name: p.name,
        latestVersion: version,
      }
    }
    // The token answers a retried call; a name conflict (a killed run's template) is adopted if ours.
    return createOrAdopt(ctx, {
      what: `launch template ${p.name}`,
      logical: d.name,
      create: async () =>
        made(
          (
            await client.send(
              new CreateLaunchTemplateCommand({
                LaunchTemplateName: p.name,
                ClientToken: ctx.token('lt', p.name, JSON.stringify(p)),
                LaunchTemplateData: toRequest(p),
                TagSpecifications: tagSpec('launch-template', p.tags),
              }),
            )
          ).LaunchTemplate!,
        ),
      find: async () => {
        const t = (await client.send(new DescribeLaunchTemplatesCommand({LaunchTemplateNames: [p.name]})))
          .LaunchTemplates?.[0]
        return t ? {actual: made(t), tags: fromTagList(t.Tags)} : undefined
      },
    })
  },

  async update(ctx, _d, p, a, todo) {
    const {CreateLaunchTemplateVersionCommand, ModifyLaunchTemplateCommand} = await ec2Module()
    const client = await ec2(ctx)
    let version = a.latestVersion
    if (todo.some((c) => !c.field.startsWith('tags.'))) {
      const out = await client.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: a.id,
          ClientToken: ctx.token('ltv', a.id, String(a.latestVersion), JSON.stringify(p)),
          LaunchTemplateData: toRequest(p),
        }),
      )
      version = out.LaunchTemplateVersion?.VersionNumber ?? version + 1
      await client.send(
        new ModifyLaunchTemplateCommand({LaunchTemplateId: a.id, DefaultVersion: String(version)}),
      )
    }
    await createTags(ctx, a.id, tagsFrom(todo))
    return {
      ...a,
      latestVersion: version,
      attrs: {...a.attrs, latestVersion: String(version)},
      tags: {...a.tags, ...p.tags},
    }
  },

  async delete(ctx, a) {
    const {DeleteLaunchTemplateCommand} = await ec2Module()
    const client = await ec2(ctx)
    await idempotentDelete(() => client.send(new DeleteLaunchTemplateCommand({LaunchTemplateId: a.id})))
  },

  // A new cluster's user-data is rendered once the prerequisites exist: the plan says so.
  describe: (p) =>
    `${p.instanceType} ${p.imageId}${isUnknown(p.userData) ? `, user-data ${showValue(p.userData)}` : ''}`,
}
