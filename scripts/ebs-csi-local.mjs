#!/usr/bin/env node
/**
 * Dynamic provisioning in a local real cluster, as far as this machine allows
 * (docs/storage.md, "What the local run proves"). Root, `npm run build` and the kube assets needed;
 * run it under the machine-wide lock, as every local real cluster:
 *
 *   flock /work/helpers/real.lock node scripts/ebs-csi-local.mjs
 *
 * 1. Builds, from kube-assets/ebs-csi (go.sum committed), the real csi-provisioner
 *    (github.com/kubernetes-csi/external-provisioner/v6) and kforge's stand-in for the EBS CSI
 *    controller (the driver's own module is not served by the Go module proxy), into
 *    ~/.cache/kforge/ebs-csi/, and makes one OCI archive of both images.
 * 2. Starts the AWS emulator on the local clusters' bridge, boots a one-node local cluster and
 *    imports the images.
 * 3. Applies kforge's EBS CSI manifests (RBAC, CSIDriver, the controller DaemonSet, the gp3
 *    StorageClass) with only what this machine forces changed, and prints every change.
 * 4. A claim in an Immediate class reaches Bound: the provisioner calls CreateVolume, the
 *    stand-in creates the volume in the emulator with the driver's tags; deleting the claim
 *    deletes the volume. A claim in the default class (WaitForFirstConsumer) with a pod shows the
 *    step this machine cannot do.
 *
 * `--build-only` stops after step 1: build outside the lock, then run. It prints what it finds and
 * exits non-zero when a step fails. Not part of `npm test`: building
 * the provisioner with a cold Go cache took 26 minutes on a loaded 2-core machine.
 */
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {stringify} from 'yaml'
import {ebsCsiManifests} from '../dist/kube/manifests/ebs-csi.js'
import {findKubeAssets} from '../dist/sandbox/kube-assets/build.js'
import {ociArchive} from '../dist/sandbox/kube-assets/oci.js'
import {MODULE_ROOT} from '../dist/sandbox/kube-assets/paths.js'
import {downLocalCluster, kubectl, nodeExec, upLocalCluster, waitFor} from '../dist/sandbox/nodes/cluster.js'
import {BRIDGE_ADDRESS} from '../dist/sandbox/nodes/network.js'

const ZONE = 'us-east-1a'
const PROVISIONER_VERSION = 'v6.4.0'
const PROVISIONER_IMAGE = `kforge.local/csi-provisioner:${PROVISIONER_VERSION}`
const STANDIN_IMAGE = 'kforge.local/ebs-csi-controller-standin:dev'
const log = (line) => process.stdout.write(`${line}\n`)

function goBuild(moduleDir, pkg, out) {
  const t0 = Date.now()
  execFileSync('go', ['build', '-trimpath', '-o', out, pkg], {
    cwd: moduleDir,
    env: {...process.env, CGO_ENABLED: '0'},
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  log(`built ${pkg} in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
}

function buildImages() {
  const moduleDir = join(MODULE_ROOT, 'ebs-csi')
  const out = join(process.env.KFORGE_EBS_CSI_DIR ?? join(homedir(), '.cache', 'kforge', 'ebs-csi'))
  mkdirSync(out, {recursive: true})
  const provisioner = join(out, 'csi-provisioner')
  const standin = join(out, 'ebs-csi-standin')
  const stamp = join(out, 'stamp')
  const want =
    readFileSync(join(moduleDir, 'go.sum'), 'utf8') + readFileSync(join(moduleDir, 'standin', 'main.go'))
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== want) {
    goBuild(moduleDir, `github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner`, provisioner)
    goBuild(moduleDir, './standin', standin)
    writeFileSync(stamp, want)
  } else log(`reusing ${out}`)
  const file = (path, bytes) => ({type: 'file', path, mode: 0o755, data: bytes})
  const archive = join(out, 'images.tar')
  writeFileSync(
    archive,
    ociArchive([
      {
        reference: PROVISIONER_IMAGE,
        files: [file('csi-provisioner', readFileSync(provisioner))],
        entrypoint: ['/csi-provisioner'],
      },
      {
        reference: STANDIN_IMAGE,
        files: [file('bin/aws-ebs-csi-driver', readFileSync(standin))],
        entrypoint: ['/bin/aws-ebs-csi-driver'],
      },
    ]),
  )
  log(`images: ${PROVISIONER_IMAGE}, ${STANDIN_IMAGE} (${(statSync(archive).size / 2 ** 20).toFixed(0)} MiB)`)
  return archive
}

async function startMoto() {
  const port = 35000 + Math.floor(Math.random() * 2000)
  const child = spawn('python3', ['-m', 'moto.server', '-H', BRIDGE_ADDRESS, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'ignore'],
  })
  const endpoint = `http://${BRIDGE_ADDRESS}:${port}`
  await waitFor('moto', 60_000, async () => {
    try {
      await fetch(`${endpoint}/moto-api/`)
      return true
    } catch {
      return undefined
    }
  })
  return {endpoint, stop: () => child.kill('SIGTERM')}
}

/**
 * kforge's manifests, with only what this machine forces changed, each change printed: the
 * stand-in and the locally built provisioner instead of the pinned images (nothing can be pulled
 * here), the emulator's endpoint and test credentials instead of the instance role, and no
 * attacher, resizer or liveness sidecars and no node plugin (their modules are not served).
 */
function localManifests(clusterName, kubernetesVersion, endpoint) {
  const manifests = ebsCsiManifests({clusterName, kubernetesVersion, defaultStorageClass: true})
  const out = []
  for (const m of manifests) {
    if (m.object.metadata.name === 'ebs-csi-node') {
      log(
        '  local change: no ebs-csi-node DaemonSet (the driver and node-driver-registrar modules are not served)',
      )
      continue
    }
    if (m.object.metadata.name === 'ebs-csi-controller') {
      const spec = m.object.spec.template.spec
      const kept = spec.containers.filter((c) => c.name === 'ebs-plugin' || c.name === 'csi-provisioner')
      log(
        `  local change: controller containers ${kept.map((c) => c.name).join(', ')} (dropped: ${spec.containers
          .filter((c) => !kept.includes(c))
          .map((c) => c.name)
          .join(', ')})`,
      )
      for (const c of kept) {
        if (c.name === 'ebs-plugin') {
          log(
            `  local change: ebs-plugin image ${c.image} -> ${STANDIN_IMAGE}; liveness/readiness probes dropped`,
          )
          c.image = STANDIN_IMAGE
          delete c.livenessProbe
          delete c.readinessProbe
          c.env = [
            ...c.env,
            {name: 'AWS_EC2_ENDPOINT', value: endpoint},
            {name: 'AWS_REGION', value: 'us-east-1'},
            {name: 'AWS_ACCESS_KEY_ID', value: 'testing'},
            {name: 'AWS_SECRET_ACCESS_KEY', value: 'testing'},
            {name: 'STANDIN_ZONE', value: ZONE},
          ]
          log(
            `  local change: ebs-plugin env AWS_EC2_ENDPOINT=${endpoint}, test credentials (no instance role here)`,
          )
        } else {
          log(
            `  local change: csi-provisioner image ${c.image} -> ${PROVISIONER_IMAGE} (built from its module)`,
          )
          c.image = PROVISIONER_IMAGE
        }
        c.imagePullPolicy = 'Never'
      }
      spec.containers = kept
    }
    out.push(m)
  }
  return out
}

async function main() {
  if (process.getuid?.() !== 0 && !process.argv.includes('--build-only'))
    throw new Error('needs root (namespaces, mounts, cgroups)')
  const assets = findKubeAssets(MODULE_ROOT)
  if (!assets) throw new Error('the Kubernetes assets are missing or out of date: run `npm run kube-assets`')
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
  const archive = buildImages()
  if (process.argv.includes('--build-only')) return
  const base = mkdtempSync(join(tmpdir(), 'kforge-ebs-csi-'))
  let moto
  try {
    const t0 = Date.now()
    const lc = await upLocalCluster({base, assets, controlPlanes: 1, workers: 0, log})
    log(`cluster ${lc.name} up in ${((Date.now() - t0) / 1000).toFixed(0)} s`)
    moto = await startMoto()
    log(`AWS emulator on ${moto.endpoint}`)
    const cp = lc.nodes[0]
    await nodeExec(cp, [
      'ctr',
      '--address',
      '/run/containerd/containerd.sock',
      '-n',
      'k8s.io',
      'images',
      'import',
      archive,
    ])
    const dir = mkdtempSync(join(tmpdir(), 'kforge-ebs-csi-objects-'))
    const apply = async (name, yaml) => {
      writeFileSync(join(dir, name), yaml)
      return kubectl(lc, ['apply', '-f', join(dir, name)])
    }
    log('applying kforge EBS CSI manifests:')
    const docs = localManifests(lc.name, assets.versions.kubernetes, moto.endpoint).map((m) =>
      stringify({
        apiVersion: m.type.group ? `${m.type.group}/${m.type.version}` : m.type.version,
        kind: m.type.kind,
        ...m.object,
      }),
    )
    for (const line of (await apply('ebs-csi.yaml', docs.join('---\n'))).trim().split('\n')) log(`  ${line}`)
    await kubectl(lc, [
      '-n',
      'kube-system',
      'rollout',
      'status',
      'daemonset/ebs-csi-controller',
      '--timeout=300s',
    ])
    log('controller running on the control plane:')
    log(await kubectl(lc, ['-n', 'kube-system', 'get', 'pods', '-l', 'app=ebs-csi-controller', '-o', 'wide']))

    // Immediate binding: the provisioner needs no node topology, which only the node plugin gives.
    await apply(
      'immediate.yaml',
      `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: gp3-immediate}
provisioner: ebs.csi.aws.com
parameters: {type: gp3, encrypted: "true"}
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: gp3-immediate
  resources: {requests: {storage: 4Gi}}
`,
    )
    const t1 = Date.now()
    const volumeName = await waitFor('claim data Bound', 180_000, async () => {
      const phase = await kubectl(lc, ['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase}'])
      return phase.trim() === 'Bound'
        ? (await kubectl(lc, ['get', 'pvc', 'data', '-o', 'jsonpath={.spec.volumeName}'])).trim()
        : undefined
    })
    log(`claim data: Bound to ${volumeName} in ${((Date.now() - t1) / 1000).toFixed(1)} s`)
    const pv = JSON.parse(await kubectl(lc, ['get', 'pv', volumeName, '-o', 'json']))
    const volumeId = pv.spec.csi.volumeHandle
    log(
      `PersistentVolume ${volumeName}: driver ${pv.spec.csi.driver}, volumeHandle ${volumeId}, ${pv.spec.capacity.storage}`,
    )
    const ec2 = new EC2Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
    })
    const described = await ec2.send(new DescribeVolumesCommand({VolumeIds: [volumeId]}))
    const vol = described.Volumes[0]
    const tags = Object.fromEntries(vol.Tags.map((t) => [t.Key, t.Value]))
    log(
      `emulator: ${vol.VolumeId} ${vol.Size} GiB ${vol.VolumeType} encrypted=${vol.Encrypted} in ${vol.AvailabilityZone}`,
    )
    for (const [k, v] of Object.entries(tags).sort()) log(`  tag ${k}=${v}`)
    const expect = (ok, what) => {
      if (!ok) throw new Error(`expected ${what}`)
      log(`  ok: ${what}`)
    }
    expect(vol.Size === 4 && vol.VolumeType === 'gp3' && vol.Encrypted === true, '4 GiB gp3, encrypted')
    expect(
      tags.KubernetesCluster === lc.name,
      `KubernetesCluster=${lc.name} (what the role's conditions require)`,
    )
    expect(tags['ebs.csi.aws.com/cluster'] === 'true', 'ebs.csi.aws.com/cluster=true')
    expect(tags[`kubernetes.io/cluster/${lc.name}`] === 'owned', `kubernetes.io/cluster/${lc.name}=owned`)
    expect(
      tags['kubernetes.io/created-for/pvc/name'] === 'data',
      'the claim name, from --extra-create-metadata',
    )

    await kubectl(lc, ['delete', 'pvc', 'data', '--wait=true', '--timeout=120s'])
    await waitFor('the volume deleted in the emulator', 120_000, async () => {
      const left = await ec2.send(
        new DescribeVolumesCommand({Filters: [{Name: 'volume-id', Values: [volumeId]}]}),
      )
      return left.Volumes.length === 0 ? true : undefined
    })
    log(`claim data deleted: ${volumeId} deleted in the emulator (reclaimPolicy Delete)`)

    // The default class binds when a pod is scheduled; then the volume must be attached and mounted.
    await apply(
      'wffc-claim.yaml',
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: logs, namespace: default}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`,
    )
    await new Promise((r) => setTimeout(r, 10_000))
    const waiting = await kubectl(lc, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=logs',
      '-o',
      'jsonpath={range .items[*]}{.reason}; {end}',
    ])
    const pending = `${(await kubectl(lc, ['get', 'pvc', 'logs', '-o', 'jsonpath={.status.phase}'])).trim()} (${waiting.trim()})`
    await apply(
      'wffc-pod.yaml',
      `apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: default}
spec:
  tolerations: [{operator: Exists}]
  containers:
  - {name: w, image: "registry.k8s.io/pause:3.10.2", volumeMounts: [{name: logs, mountPath: /logs}]}
  volumes:
  - {name: logs, persistentVolumeClaim: {claimName: logs}}
`,
    )
    const logsVolume = await waitFor('claim logs Bound once the pod is scheduled', 180_000, async () => {
      const phase = (await kubectl(lc, ['get', 'pvc', 'logs', '-o', 'jsonpath={.status.phase}'])).trim()
      return phase === 'Bound'
        ? (await kubectl(lc, ['get', 'pvc', 'logs', '-o', 'jsonpath={.spec.volumeName}'])).trim()
        : undefined
    })
    log(
      `claim logs (default class gp3, WaitForFirstConsumer): ${pending} before a pod uses it, Bound to ${logsVolume} once one is scheduled`,
    )
    const attachment = await waitFor('a VolumeAttachment for the pod', 120_000, async () => {
      const out = await kubectl(lc, [
        'get',
        'volumeattachments',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name} {.spec.source.persistentVolumeName} node={.spec.nodeName} attached={.status.attached}; {end}',
      ])
      return out.includes(logsVolume) ? out.trim() : undefined
    })
    log(`  VolumeAttachment: ${attachment}`)
    await new Promise((r) => setTimeout(r, 20_000))
    log(
      `  pod writer: ${(await kubectl(lc, ['get', 'pod', 'writer', '-o', 'jsonpath={.status.phase}'])).trim()}`,
    )
    const podEvents = await kubectl(lc, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=writer',
      '-o',
      'jsonpath={range .items[*]}{.reason}: {.message}; {end}',
    ])
    log(`  pod writer events: ${podEvents.trim()}`)
    log(
      "  not done here: ControllerPublishVolume (csi-attacher -> EC2 AttachVolume for the node's instance) and " +
        'NodeStageVolume (the node plugin formats and mounts the attached block device): the node is a namespace, ' +
        'not an instance, and an attachment in the emulator makes no block device appear in it',
    )
    log(await kubectl(lc, ['-n', 'kube-system', 'logs', 'daemonset/ebs-csi-controller', '-c', 'ebs-plugin']))
    log('done')
  } finally {
    moto?.stop()
    await downLocalCluster(base)
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
