/**
 * Machine images: an explicit id, or a lookup (owner + name pattern → the newest available).
 * One DescribeImages for all explicit ids and one per distinct lookup, however many groups share
 * them. Both targets need the result: the root device name decides the launch template's
 * block-device mapping.
 */
import type {Image} from '@aws-sdk/client-ec2'
import type {Cluster, ImageSpec} from '../../api/v1alpha1/types.js'
import {KforgeError} from '../../util/errors.js'
import type {AwsClients} from './clients.js'

export interface ResolvedImage {
  id: string
  rootDeviceName: string
}

/** Instance group name → image. */
export type ImageMap = ReadonlyMap<string, ResolvedImage>

function imageOf(cluster: Cluster, group: string): {spec: ImageSpec; field: string} {
  const ig = cluster.instanceGroups.find((g) => g.name === group)!
  return ig.spec.image
    ? {spec: ig.spec.image, field: `InstanceGroup ${group} spec.image`}
    : {spec: cluster.spec.cloud.aws.image, field: 'spec.cloud.aws.image'}
}

export async function resolveImages(cluster: Cluster, aws: AwsClients): Promise<ImageMap> {
  const {DescribeImagesCommand} = await import('@aws-sdk/client-ec2')
  const client = await aws.ec2()
  const wanted = cluster.instanceGroups.map((g) => ({group: g.name, ...imageOf(cluster, g.name)}))

  const ids = [...new Set(wanted.flatMap((w) => (w.spec.id ? [w.spec.id] : [])))]
  const byId = new Map<string, Image>()
  if (ids.length > 0) {
    try {
      const out = await client.send(new DescribeImagesCommand({ImageIds: ids}))
      for (const img of out.Images ?? []) byId.set(img.ImageId!, img)
    } catch (err) {
      const code = (err as {name?: string}).name ?? ''
      if (!/NotFound|Malformed/.test(code)) throw err
    }
  }

  const lookups = new Map<string, Promise<Image | undefined>>()
  const lookup = (owner: string, namePattern: string) => {
    const key = `${owner}\u0000${namePattern}`
    let hit = lookups.get(key)
    if (!hit) {
      hit = client
        .send(
          new DescribeImagesCommand({
            Owners: [owner],
            Filters: [
              {Name: 'name', Values: [namePattern]},
              {Name: 'state', Values: ['available']},
            ],
          }),
        )
        .then(
          (out) =>
            // Newest first; the name breaks ties so the choice is deterministic.
            [...(out.Images ?? [])].sort(
              (a, b) =>
                (b.CreationDate ?? '').localeCompare(a.CreationDate ?? '') ||
                (b.Name ?? '').localeCompare(a.Name ?? ''),
            )[0],
        )
      lookups.set(key, hit)
    }
    return hit
  }

  const out = new Map<string, ResolvedImage>()
  for (const w of wanted) {
    let img: Image | undefined
    if (w.spec.id) {
      img = byId.get(w.spec.id)
      if (!img) throw new KforgeError(`${w.field}.id: image ${w.spec.id} was not found in ${aws.region}`)
    } else {
      const {owner, namePattern} = w.spec.lookup!
      img = await lookup(owner, namePattern)
      if (!img) {
        throw new KforgeError(
          `${w.field}.lookup: no available image owned by ${owner} matches "${namePattern}" in ${aws.region}`,
        )
      }
    }
    out.set(w.group, {id: img.ImageId!, rootDeviceName: img.RootDeviceName ?? '/dev/sda1'})
  }
  return out
}
