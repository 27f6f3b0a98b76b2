/**
 * The cluster's CNI, addons and self-hosted choice reach the node agent through
 * /etc/kforge/node.yaml (parsed back here by init's own reader), and a self-hosted control plane
 * gets the `kforge pivot recover` service and timer (checked by systemd-analyze).
 */
import {execFile, execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {NODE_CONFIG_FILE} from '../../../src/api/v1alpha1/node-bootstrap.js'
import type {Cluster} from '../../../src/api/v1alpha1/types.js'
import {loadNodeConfig} from '../../../src/phases/init/api/addon/node-config.js'
import {placeholderAssets} from '../../../src/render/placeholder.js'
import {renderClusterUserData} from '../../../src/render/render.js'
import {USER_DATA_LIMIT} from '../../../src/render/types.js'
import {cloudInitSchema} from '../../fixtures/render/cloud-init.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'
import {tempDir} from '../../support/cli.js'

const STORE = 's3://kforge-render-test/state'
const SERVICE = '/etc/systemd/system/kforge-pivot-recover.service'
const TIMER = '/etc/systemd/system/kforge-pivot-recover.timer'

interface WrittenFile {
  path: string
  permissions: string
  content: string
}

function render(cluster: Cluster) {
  return renderClusterUserData(cluster, placeholderAssets(cluster, {stateStore: STORE}))
}

function files(cloudConfig: string): Map<string, WrittenFile> {
  const written = (parse(cloudConfig) as {write_files: WrittenFile[]}).write_files
  return new Map(written.map((f) => [f.path, f]))
}

function selfHosted(): Cluster {
  const cluster = haPrivateCluster()
  cluster.spec.selfHosted = true
  return cluster
}

/** Write the rendered node.yaml under a root dir and read it with `kforge init`'s reader. */
async function readBack(cloudConfig: string) {
  const file = files(cloudConfig).get(NODE_CONFIG_FILE)
  if (!file) throw new Error(`no ${NODE_CONFIG_FILE} in the cloud-config`)
  const root = tempDir('kforge-node-yaml-')
  mkdirSync(join(root, 'etc/kforge'), {recursive: true})
  writeFileSync(join(root, NODE_CONFIG_FILE), file.content)
  return {file, config: await loadNodeConfig(root)}
}

describe('/etc/kforge/node.yaml', () => {
  it('carries the default spec to every control-plane node, and nowhere else', async () => {
    const cluster = haPrivateCluster()
    for (const r of render(cluster)) {
      if (r.template === 'node' || r.template === 'bastion') {
        expect(files(r.cloudConfig).has(NODE_CONFIG_FILE), r.group).toBe(false)
        continue
      }
      const {file, config} = await readBack(r.cloudConfig)
      expect(file.permissions, r.group).toBe('0644')
      expect(config, r.group).toEqual({
        cni: 'flannel',
        cloudControllerManager: true,
        ebsCSI: {enabled: true, defaultStorageClass: true},
        selfHosted: false,
        etcdBackups: {
          stateStore: STORE,
          schedule: '*:0/15',
          retention: {all: '1h', hourly: '7d', daily: '30d'},
        },
      })
    }
  })

  it('follows the spec: another CNI, addons off, self-hosted', async () => {
    const cluster = selfHosted()
    cluster.spec.networking.cni = 'hostgw'
    cluster.spec.addons.cloudControllerManager.enabled = false
    cluster.spec.addons.ebsCSI = {enabled: true, defaultStorageClass: false}
    const [init] = render(cluster)
    expect((await readBack(init!.cloudConfig)).config).toEqual({
      cni: 'hostgw',
      cloudControllerManager: false,
      ebsCSI: {enabled: true, defaultStorageClass: false},
      selfHosted: true,
      etcdBackups: {
        stateStore: STORE,
        schedule: '*:0/15',
        retention: {all: '1h', hourly: '7d', daily: '30d'},
      },
    })
    cluster.spec.networking.cni = 'flannel'
    cluster.spec.addons.ebsCSI.enabled = false
    const [again] = render(cluster)
    expect((await readBack(again!.cloudConfig)).config).toMatchObject({
      cni: 'flannel',
      ebsCSI: {enabled: false, defaultStorageClass: false},
    })
  })

  it('asks control-plane nodes for the pod identity webhook, in the cluster region, once the issuer is published', async () => {
    const cluster = haPrivateCluster()
    cluster.spec.serviceAccountIssuerDiscovery = {
      discoveryStore: 's3://render-oidc/clusters/demo',
      enableAWSOIDCProvider: true,
    }
    for (const r of render(cluster)) {
      if (r.template === 'node' || r.template === 'bastion') continue
      expect((await readBack(r.cloudConfig)).config.podIdentityWebhook, r.group).toEqual({
        region: cluster.spec.cloud.aws.region,
      })
    }
    const [plain] = render(haPrivateCluster())
    expect((await readBack(plain!.cloudConfig)).config.podIdentityWebhook).toBeUndefined()
  })

  it('refuses a webhook region that is not one', async () => {
    const root = tempDir('kforge-node-yaml-')
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(root, NODE_CONFIG_FILE),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\npodIdentityWebhook: {region: "eu west"}\n',
    )
    await expect(loadNodeConfig(root)).rejects.toThrow(
      /node\.yaml: podIdentityWebhook\.region: expected an AWS region like eu-west-1, got "eu west"/,
    )
  })

  it('refuses a pod network kforge would install only in part, on the node too', async () => {
    const root = tempDir('kforge-node-yaml-')
    mkdirSync(join(root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(root, NODE_CONFIG_FILE),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\ncni: calico\n',
    )
    await expect(loadNodeConfig(root)).rejects.toThrow(
      /node\.yaml: cni \("calico"\) is not installed whole by this kforge .* use flannel, the default$/,
    )
  })

  it('holds only the NodeBootstrap fields (no endpoint, token or key material)', () => {
    const [init] = render(haPrivateCluster())
    const doc = parse(files(init!.cloudConfig).get(NODE_CONFIG_FILE)!.content) as Record<string, unknown>
    expect(Object.keys(doc).sort()).toEqual([
      'addons',
      'apiVersion',
      'cni',
      'etcdBackups',
      'kind',
      'selfHosted',
    ])
    expect(doc).toMatchObject({apiVersion: 'kforge.dev/v1alpha1', kind: 'NodeBootstrap'})
    // The backup timer's settings: where the store is and the spec's schedule, nothing secret.
    expect(Object.keys(doc.etcdBackups as object).sort()).toEqual(['retention', 'schedule', 'stateStore'])
  })
})

function systemdVerify(dir: string, units: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', '--man=no', ...units.map((u) => join(dir, u))], (_err, out, err) =>
      resolve(`${out}${err}`),
    )
  })
}

describe('kforge-pivot-recover on a self-hosted control plane', () => {
  const plain = render(haPrivateCluster())
  const hosted = render(selfHosted())

  it('is written and enabled on control-plane instances only when spec.selfHosted', () => {
    for (const r of plain) {
      expect(files(r.cloudConfig).has(SERVICE), r.group).toBe(false)
      expect(r.cloudConfig, r.group).not.toContain('kforge-pivot-recover')
    }
    for (const r of hosted) {
      const controlPlane = r.template === 'control-plane-init' || r.template === 'control-plane-join'
      const written = files(r.cloudConfig)
      expect(written.has(SERVICE), r.group).toBe(controlPlane)
      expect(written.has(TIMER), r.group).toBe(controlPlane)
      if (!controlPlane) continue
      const script = written.get('/usr/local/lib/kforge/bootstrap.sh')!.content
      const steps = [...script.matchAll(/^step (\S+)/gm)].map((m) => m[1])
      // The first group's init-or-join branch is indented under its `claim` step.
      const boot = r.template === 'control-plane-init' ? 'claim' : 'join'
      // enabled once the node is part of the cluster, so the first run finds admin.conf (as the
      // termination watcher is installed, which drains with the kubelet's kubeconfig)
      expect(steps.slice(-5), r.group).toEqual([
        boot,
        'identity',
        'termination-watcher',
        'pivot-recover',
        'pivot-recover-timer',
      ])
      expect(script).toContain(
        'step pivot-recover systemctl enable kforge-pivot-recover.service kforge-pivot-recover.timer',
      )
      expect(script).toContain('step pivot-recover-timer systemctl start kforge-pivot-recover.timer')
      execFileSync('bash', ['-n'], {input: script}) // throws on a syntax error
    }
  })

  it('runs `kforge pivot recover` after the kubelet, at boot and every 2 minutes', async () => {
    const written = files(hosted[0]!.cloudConfig)
    const service = written.get(SERVICE)!
    const timer = written.get(TIMER)!
    expect(service.permissions).toBe('0644')
    expect(service.content).toMatch(/^After=kubelet\.service$/m)
    expect(service.content).toMatch(/^ExecStart=\/usr\/local\/bin\/kforge pivot recover$/m)
    expect(service.content).toMatch(/^WantedBy=multi-user\.target$/m)
    expect(timer.content).toMatch(/^OnUnitActiveSec=2min$/m)
    expect(timer.content).toMatch(/^WantedBy=timers\.target$/m)

    const dir = tempDir('kforge-units-')
    writeFileSync(join(dir, 'kforge-pivot-recover.service'), service.content)
    writeFileSync(join(dir, 'kforge-pivot-recover.timer'), timer.content)
    const output = await systemdVerify(dir, ['kforge-pivot-recover.service', 'kforge-pivot-recover.timer'])
    // The agent wrapper is installed at boot, not on this machine: that is the only complaint allowed.
    const complaints = output
      .split('\n')
      .filter((l) => l.trim() !== '')
      .filter((l) => !l.includes('Command /usr/local/bin/kforge is not executable'))
    expect(complaints, output).toEqual([])
  })

  it('keeps every cloud-config valid for cloud-init', async () => {
    for (const r of hosted.filter((x) => x.template.startsWith('control-plane'))) {
      const result = await cloudInitSchema(r.cloudConfig)
      expect(result.ok, `${r.group}: ${result.output}`).toBe(true)
    }
  }, 60_000)

  it('renders deterministically; the toggle changes the control-plane groups only', () => {
    const again = render(selfHosted())
    for (const [i, r] of hosted.entries()) {
      expect(r.userData.equals(again[i]!.userData), r.group).toBe(true)
      const controlPlane = r.template.startsWith('control-plane')
      expect(r.userData.equals(plain[i]!.userData), r.group).toBe(!controlPlane)
    }
  })

  it('still fits EC2 user-data without the state-store stub for the 3-zone HA private cluster', () => {
    for (const r of hosted) {
      expect(r.userData.length, r.group).toBeLessThanOrEqual(USER_DATA_LIMIT)
      expect(r.delivery, r.group).not.toBe('stub')
    }
  })
})
