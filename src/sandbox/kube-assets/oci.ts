/**
 * OCI image archives made from local files, so a node's containerd can `ctr images import` every
 * image the cluster's manifests name and never pull. One archive holds many images: each manifest
 * is listed in index.json under the exact reference the manifests use (containerd reads the
 * `io.containerd.image.name` annotation).
 */
import {createHash} from 'node:crypto'
import {gzipSync} from 'node:zlib'
import {type TarEntry, tar} from './tar.js'

export interface ImageSpec {
  /** registry.k8s.io/kube-apiserver:v1.37.2 */
  reference: string
  /** The image's one layer. */
  files: TarEntry[]
  entrypoint?: string[]
  cmd?: string[]
  env?: string[]
  user?: string
}

interface Blob {
  digest: string
  bytes: Buffer
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

function blob(bytes: Buffer): Blob {
  return {digest: digestOf(bytes), bytes}
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value))
}

function tagOf(reference: string): string {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  return colon > slash ? reference.slice(colon + 1) : 'latest'
}

/** The image's blobs and the index.json descriptor of its manifest. */
function buildImage(image: ImageSpec): {blobs: Blob[]; descriptor: Record<string, unknown>} {
  // Compressed, as registries serve layers: every node keeps its own copy of each blob in its
  // content store beside the unpacked snapshot, and Go binaries shrink to about a third. The
  // config names the uncompressed digest (diff_id), as the OCI image spec requires.
  const uncompressed = tar(image.files)
  const layer = blob(gzipSync(uncompressed))
  const diffId = digestOf(uncompressed)
  const config = blob(
    json({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Env: image.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(image.entrypoint ? {Entrypoint: image.entrypoint} : {}),
        ...(image.cmd ? {Cmd: image.cmd} : {}),
        ...(image.user ? {User: image.user} : {}),
      },
      rootfs: {type: 'layers', diff_ids: [diffId]},
    }),
  )
  const manifest = blob(
    json({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: config.digest,
        size: config.bytes.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: layer.digest,
          size: layer.bytes.length,
        },
      ],
    }),
  )
  return {
    blobs: [layer, config, manifest],
    descriptor: {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: manifest.digest,
      size: manifest.bytes.length,
      platform: {architecture: 'amd64', os: 'linux'},
      annotations: {
        'io.containerd.image.name': image.reference,
        'org.opencontainers.image.ref.name': tagOf(image.reference),
      },
    },
  }
}

/** One OCI image-layout archive (a tar) holding every image given. */
export function ociArchive(images: readonly ImageSpec[]): Buffer {
  const seen = new Set<string>()
  const entries: TarEntry[] = [
    {type: 'file', path: 'oci-layout', mode: 0o644, data: json({imageLayoutVersion: '1.0.0'})},
  ]
  const descriptors: Record<string, unknown>[] = []
  const blobEntries: TarEntry[] = [
    {type: 'dir', path: 'blobs', mode: 0o755},
    {type: 'dir', path: 'blobs/sha256', mode: 0o755},
  ]
  for (const image of images) {
    const built = buildImage(image)
    descriptors.push(built.descriptor)
    for (const b of built.blobs) {
      if (seen.has(b.digest)) continue
      seen.add(b.digest)
      blobEntries.push({type: 'file', path: `blobs/sha256/${b.digest.slice(7)}`, mode: 0o644, data: b.bytes})
    }
  }
  entries.push(
    {type: 'file', path: 'index.json', mode: 0o644, data: json({schemaVersion: 2, manifests: descriptors})},
    ...blobEntries,
  )
  return tar(entries)
}
