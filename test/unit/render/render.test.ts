import {createHash} from 'node:crypto'
import {gunzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {parse, parseAllDocuments} from 'yaml'
import type {Cluster} from '../../../src/api/v1alpha1/types.js'
import {placeholderAssets} from '../../../src/render/placeholder.js'
import {renderClusterUserData, renderUserData} from '../../../src/render/render.js'
import {type ClusterAssets, USER_DATA_LIMIT} from '../../../src/render/types.js'
import {cloudInitSchema} from '../../fixtures/render/cloud-init.js'
import {haPrivateCluster} from '../../fixtures/render/clusters.js'

const STORE = 's3://kforge-render-test/state'

function assetsFor(cluster: Cluster, stateStore = STORE): ClusterAssets {
  return placeholderAssets(cluster, {stateStore})
}

interface WrittenFile {
  path: string
  permissions: string
  content: string
}

function writtenFiles(cloudConfig: string): WrittenFile[] {
  return (parse(cloudConfig) as {write_files: WrittenFile[]}).write_files
}

function file(cloudConfig: string, path: string): string {
  const found = writtenFiles(cloudConfig).find((f) => f.path === path)
  if (!found) throw new Error(`no ${path} in the cloud-config`)
  return found.content
}

/** A cloud-config fragment of incompressible keys, so neither plain nor gzip delivery fits. */
function noisyFragment(seed: number): string {
  const keys = Array.from({length: 400}, (_, i) => {
    const key = createHash('sha512').update(`${seed}/${i}`).digest('base64')
    return `  - "ssh-ed25519 ${key} user${i}"`
  })
  return `packages:\n  - jq\nssh_authorized_keys:\n${keys.join('\n')}\n`
}

function byGroup(cluster: Cluster, assets = assetsFor(cluster)): Map<string, Buffer> {
  return new Map(renderClusterUserData(cluster, assets).map((r) => [r.group, r.userData]))
}

describe('renderUserData for a 3-zone HA private cluster with a bastion', () => {
  const cluster = haPrivateCluster()
  const rendered = renderClusterUserData(cluster, assetsFor(cluster))

  it('picks one boot per group: the first control-plane group inits, the others join', () => {
    expect(rendered.map((r) => [r.group, r.template])).toEqual([
      ['control-plane-us-east-1a', 'control-plane-init'],
      ['control-plane-us-east-1b', 'control-plane-join'],
      ['control-plane-us-east-1c', 'control-plane-join'],
      ['nodes', 'node'],
      ['gpu', 'node'],
      ['bastions', 'bastion'],
    ])
  })

  it('keeps every user-data within 16 KB, and the bytes decode to the cloud-config', () => {
    for (const r of rendered) {
      expect(r.userData.length, r.group).toBeLessThanOrEqual(USER_DATA_LIMIT)
      expect(Buffer.from(r.userDataBase64, 'base64').equals(r.userData)).toBe(true)
      if (r.delivery === 'plain') expect(r.userData.toString()).toBe(r.cloudConfig)
      if (r.delivery === 'gzip') expect(gunzipSync(r.userData).toString()).toBe(r.cloudConfig)
      if (r.delivery === 'stub') {
        expect(r.publish?.body).toBe(r.cloudConfig)
        expect(r.userData.toString()).toContain(r.cloudConfigSha256)
      }
    }
  })

  it('passes `cloud-init schema` for every cloud-config', async () => {
    for (const r of rendered) {
      const result = await cloudInitSchema(r.cloudConfig)
      expect(result.output, r.group).toContain('Valid cloud-config')
      expect(result.ok, r.group).toBe(true)
    }
  }, 60_000)

  it('runs the boot steps in order, hostname first', () => {
    const node = rendered.find((r) => r.group === 'nodes')!
    const script = file(node.cloudConfig, '/usr/local/lib/kforge/bootstrap.sh')
    const steps = [...script.matchAll(/^step (\S+)/gm)].map((m) => m[1])
    expect(steps).toEqual([
      'hostname',
      'kernel',
      'containerd',
      'kubernetes',
      'nodejs',
      'agent',
      'assets',
      'kubeadm-config',
      'join',
      'termination-watcher',
    ])
    expect(script).toMatch(/^set -Eeuo pipefail$/m)
    const init = rendered.find((r) => r.template === 'control-plane-init')!
    expect(file(init.cloudConfig, '/usr/local/lib/kforge/bootstrap.sh')).toContain(
      'step init kforge init --config /etc/kforge/kubeadm.yaml',
    )
    const bastion = rendered.find((r) => r.template === 'bastion')!
    const bastionScript = file(bastion.cloudConfig, '/usr/local/lib/kforge/bootstrap.sh')
    expect([...bastionScript.matchAll(/^step (\S+)/gm)].map((m) => m[1])).toEqual(['hostname'])
  })

  it('installs kubelet and kubectl for the spec minor from pkgs.k8s.io, without kubeadm', () => {
    const lib = file(rendered[3]!.cloudConfig, '/usr/local/lib/kforge/lib.sh')
    expect(lib).toContain('https://pkgs.k8s.io/core:/stable:/v1.37/deb/Release.key')
    expect(lib).toContain("'kubelet=1.37.2-*' 'kubectl=1.37.2-*'")
    expect(lib).toContain('signed-by=/etc/apt/keyrings/%s.gpg')
    expect(lib).not.toMatch(/kubeadm[=\s]/)
  })

  it('hands kubeadm a config with the group labels and taints, the CA pin and no token', () => {
    const gpu = rendered.find((r) => r.group === 'gpu')!
    const [join] = parseAllDocuments(file(gpu.cloudConfig, '/etc/kforge/kubeadm.yaml.in')).map((d) =>
      d.toJS(),
    )
    expect(join.kind).toBe('JoinConfiguration')
    expect(join.discovery.bootstrapToken).toEqual({
      apiServerEndpoint: 'api.ha.example.com:443',
      token: '',
      caCertHashes: [`sha256:${'0'.repeat(64)}`],
    })
    expect(join.nodeRegistration.kubeletExtraArgs).toContainEqual({
      name: 'node-labels',
      value: 'example.com/pool=gpu,kforge.dev/instancegroup=gpu',
    })
    expect(join.nodeRegistration.taints).toEqual([
      {key: 'example.com/gpu', value: 'true', effect: 'NoSchedule'},
    ])
    expect(join.controlPlane).toBeUndefined()
    const cpJoin = rendered.find((r) => r.template === 'control-plane-join')!
    const [cp] = parseAllDocuments(file(cpJoin.cloudConfig, '/etc/kforge/kubeadm.yaml.in')).map((d) =>
      d.toJS(),
    )
    expect(cp.controlPlane).toEqual({})
  })

  it('gives files only to the roles that need them, by reference: the control plane its bundle, nodes nothing', () => {
    const manifest = (cloudConfig: string) =>
      JSON.parse(file(cloudConfig, '/etc/kforge/assets.json')) as {
        cluster: string
        region: string
        secrets?: {url: string; region: string; role: string; sha256: string}
      }
    const cp = manifest(rendered[0]!.cloudConfig)
    expect(cp.secrets).toEqual({
      url: expect.stringMatching(/^s3:\/\/[^/]+\/.+\/secrets\/control-plane\/[0-9a-f]{64}\.json$/),
      region: 'us-east-1',
      role: 'control-plane',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    // The PKI comes from the bundle, certificates too: no PEM block in any user-data.
    for (const r of rendered) expect(r.cloudConfig, r.group).not.toContain('-----BEGIN')
    // no join token travels anywhere: nodes get theirs from the node-identity service
    expect(manifest(rendered[3]!.cloudConfig).secrets).toBeUndefined()
    expect(writtenFiles(rendered[3]!.cloudConfig).map((f) => f.path)).not.toContain(
      '/etc/kubernetes/pki/ca.crt',
    )
    expect(writtenFiles(rendered[5]!.cloudConfig).map((f) => f.path)).toEqual([
      '/usr/local/lib/kforge/lib.sh',
      '/usr/local/lib/kforge/bootstrap.sh',
    ])
  })
})

describe('determinism and change propagation', () => {
  it('renders identical bytes twice', () => {
    const a = byGroup(haPrivateCluster())
    const b = byGroup(haPrivateCluster())
    for (const [group, bytes] of a) expect(bytes.equals(b.get(group)!), group).toBe(true)
  })

  it('changes every Kubernetes group with the version, and only those', () => {
    const before = byGroup(haPrivateCluster())
    const changed = haPrivateCluster()
    changed.spec.kubernetesVersion = 'v1.36.5'
    const after = byGroup(changed)
    for (const [group, bytes] of before) {
      expect(bytes.equals(after.get(group)!), group).toBe(group === 'bastions')
    }
  })

  it('changes only the group whose labels change', () => {
    const before = byGroup(haPrivateCluster())
    const changed = haPrivateCluster()
    changed.instanceGroups.find((g) => g.name === 'nodes')!.spec.nodeLabels = {'example.com/pool': 'batch'}
    const after = byGroup(changed)
    for (const [group, bytes] of before)
      expect(bytes.equals(after.get(group)!), group).toBe(group !== 'nodes')
  })

  it('changes the stub when the fetched config changes', () => {
    const cluster = haPrivateCluster()
    const group = cluster.instanceGroups[3]!
    group.spec.additionalCloudConfig = noisyFragment(1)
    const one = renderUserData({cluster, group, assets: assetsFor(cluster)})
    group.spec.additionalCloudConfig = noisyFragment(2)
    const two = renderUserData({cluster, group, assets: assetsFor(cluster)})
    expect(one.delivery).toBe('stub')
    expect(two.delivery).toBe('stub')
    expect(one.userData.equals(two.userData)).toBe(false)
    expect(one.publish!.key).toBe(`ha.example.com/userdata/nodes/${one.cloudConfigSha256}.yaml`)
  })
})

describe('size limit', () => {
  const bigGroup = () => {
    const cluster = haPrivateCluster()
    const group = cluster.instanceGroups[3]!
    group.spec.additionalCloudConfig = noisyFragment(0)
    return {cluster, group}
  }

  it('delivers an oversized cloud-config through a stub that fetches it from S3 and checks it', async () => {
    const {cluster, group} = bigGroup()
    const r = renderUserData({cluster, group, assets: assetsFor(cluster)})
    expect(r.delivery).toBe('stub')
    expect(Buffer.byteLength(r.cloudConfig)).toBeGreaterThan(USER_DATA_LIMIT)
    const stub = r.userData.toString()
    expect(stub).toContain(
      `fetch_verified https://kforge-render-test.s3.us-east-1.amazonaws.com/state/ha.example.com/userdata/nodes/${r.cloudConfigSha256}.yaml ${r.cloudConfigSha256}`,
    )
    // The modules of the user's keys run after the fetched files are in place.
    expect(stub).toMatch(
      /single --name ssh --frequency always[\s\S]*single --name package_update_upgrade_install/,
    )
    expect(stub.indexOf('step hostname')).toBeLessThan(stub.indexOf('step fetch-config'))
    const check = await cloudInitSchema(stub)
    expect(check.ok, check.output).toBe(true)
  })

  it('refuses, naming the group and the way out, when the state store is not in S3', () => {
    const {cluster, group} = bigGroup()
    expect(() =>
      renderUserData({cluster, group, assets: assetsFor(cluster, '/home/u/.kforge/state')}),
    ).toThrow(
      /userdata\/nodes: the cloud-config is \d+ bytes, over EC2's 16384-byte user-data limit even compressed, and the state store "\/home\/u\/.kforge\/state" is not in S3/,
    )
  })
})

describe('inputs the renderer refuses', () => {
  it('a label the kubelet may not set on itself', () => {
    const cluster = haPrivateCluster()
    cluster.instanceGroups[3]!.spec.nodeLabels = {'node-role.kubernetes.io/worker': ''}
    expect(() => renderClusterUserData(cluster, assetsFor(cluster))).toThrow(
      /InstanceGroup "nodes": spec.nodeLabels\["node-role.kubernetes.io\/worker"\]: a kubelet may not set labels/,
    )
  })

  it('a first control-plane group of more than one instance', () => {
    const cluster = haPrivateCluster()
    cluster.instanceGroups[0]!.spec.maxSize = 3
    expect(() => renderClusterUserData(cluster, assetsFor(cluster))).toThrow(
      /InstanceGroup "control-plane-us-east-1a": the first control-plane group runs `kforge init`/,
    )
  })

  it('a node agent checksum that is not a sha256', () => {
    const cluster = haPrivateCluster()
    const assets = {...assetsFor(cluster), nodeAgent: {url: 's3://b/agent.mjs', sha256: 'abc'}}
    expect(() => renderClusterUserData(cluster, assets)).toThrow(
      /node agent: sha256 "abc" is not 64 lowercase hex/,
    )
  })
})

describe('air-gapped clusters', () => {
  it('fetch every package from the mirror with its sha256 and touch no public repository', async () => {
    const cluster = haPrivateCluster()
    const sum = (c: string) => c.repeat(64)
    cluster.spec.mirror = {
      baseUrl: 's3://mirror-bucket/kforge',
      kubelet: {path: 'k8s/v1.37.2/kubelet', sha256: sum('1')},
      kubectl: {path: 'k8s/v1.37.2/kubectl', sha256: sum('2')},
      containerd: {path: 'containerd-1.7.27-linux-amd64.tar.gz', sha256: sum('3')},
      runc: {path: 'runc.amd64', sha256: sum('4')},
      cniPlugins: {path: 'cni-plugins-linux-amd64-v1.6.2.tgz', sha256: sum('5')},
      nodejs: {path: 'node-v22.12.0-linux-x64.tar.gz', sha256: sum('6')},
    }
    const r = renderUserData({cluster, group: cluster.instanceGroups[3]!, assets: assetsFor(cluster)})
    const lib = file(r.cloudConfig, '/usr/local/lib/kforge/lib.sh')
    expect(lib).toContain(
      `fetch_verified https://mirror-bucket.s3.us-east-1.amazonaws.com/kforge/k8s/v1.37.2/kubelet ${sum('1')} /usr/local/bin/kubelet us-east-1`,
    )
    for (const c of '123456') expect(lib).toContain(sum(c))
    expect(lib).not.toMatch(/pkgs\.k8s\.io|nodesource|apt_install/)
    expect(writtenFiles(r.cloudConfig).map((f) => f.path)).toEqual(
      expect.arrayContaining([
        '/etc/systemd/system/containerd.service',
        '/etc/systemd/system/kubelet.service',
      ]),
    )
    expect(file(r.cloudConfig, '/etc/systemd/system/kubelet.service.d/10-kforge.conf')).toContain(
      'ExecStart=/usr/local/bin/kubelet ',
    )
    expect((await cloudInitSchema(r.cloudConfig)).ok).toBe(true)
  })
})
