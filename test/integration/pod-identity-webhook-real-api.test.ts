/**
 * kforge's pod identity webhook registered with the real kube-apiserver (Kubernetes assets), as a
 * control-plane node's pod-identity-webhook phase installs it: its certificates and kubeconfig
 * signed by the cluster CA, its RBAC and MutatingWebhookConfiguration applied, the webhook served
 * on loopback by the bundled node agent with the unit's command line and the files it was given. Pods are then created through the API and the
 * stored objects read back: what the API server persisted after calling the webhook.
 */
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {createServer, type Socket} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {KubeClient} from '../../src/kube/client.js'
import {isForbidden} from '../../src/kube/errors.js'
import {loadKubeconfig} from '../../src/kube/kubeconfig.js'
import {applyAll} from '../../src/kube/manifests/apply.js'
import {applyEbsCsi} from '../../src/kube/manifests/ebs-csi.js'
import {clusterAdminsBinding} from '../../src/kube/manifests/kubeadm-rbac.js'
import {WEBHOOK_CONFIGURATION} from '../../src/kube/manifests/pod-identity-webhook.js'
import {MutatingWebhookConfigurations} from '../../src/kube/resources.js'
import type {Container, Pod} from '../../src/kube/types.js'
import type {JoinData} from '../../src/phases/join/data.js'
import {joinWorkflow} from '../../src/phases/join/workflow.js'
import {installPodIdentityWebhook, WEBHOOK_KUBECONFIG, waitHealthy} from '../../src/podidentity/install.js'
import {distFile} from '../../src/sandbox/dist-path.js'
import {Logger} from '../../src/util/logger.js'
import {runKforge} from '../support/cli.js'
import {freePort} from '../support/moto.js'
import {type RealApiServer, startRealApiServer} from '../support/real-apiserver.js'

const ROLE = 'arn:aws:iam::123456789012:role/kforge/demo/uploader.media'
const OWN_ROLE = 'arn:aws:iam::123456789012:role/chosen-by-the-pod'
const TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'

let real: RealApiServer
let admin: KubeClient
let webhook: {port: number; close(): Promise<void>}
const lines: string[] = []

/** `kforge pod-identity serve` as kforge-pod-identity-webhook.service runs it, from the bundled agent. */
async function startAgentWebhook(port: number): Promise<typeof webhook> {
  const args = [
    'pod-identity',
    'serve',
    '--region',
    'eu-west-1',
    '--port',
    String(port),
    '--sts-regional-endpoints',
  ]
  const child = spawn(
    process.execPath,
    [distFile('node-agent/kforge-node-agent.mjs'), ...args, '--root-dir', real.root],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (!(await waitHealthy(real.caPem, port, 20_000))) {
    child.kill('SIGKILL')
    throw new Error(`the agent's webhook did not answer /healthz:\n${lines.join('\n')}`)
  }
  return {
    port,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

const env = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]))

function pod(name: string, serviceAccountName: string, extra: Partial<Pod['spec']> = {}, labels = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name, labels},
    spec: {serviceAccountName, containers: [{name: 'app', image: 'registry.k8s.io/pause:3.10'}], ...extra},
  } as Pod
}

/** The API server takes a changed MutatingWebhookConfiguration from its informer: wait until it calls `url`. */
async function waitForCall(url: string, called: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!called()) {
    await admin.request('POST', '/api/v1/namespaces/media/pods', {
      body: pod('probe', 'uploader'),
      query: {dryRun: 'All'},
    })
    if (Date.now() > deadline) throw new Error(`the API server never called ${url}`)
  }
}

/** How long the API server took to store a pod, for the report in docs/workload-identity.md. */
const timings: Record<string, number> = {}

async function createPod(p: Pod): Promise<Pod> {
  return admin.request<Pod>('POST', '/api/v1/namespaces/media/pods', {body: p})
}

describe('the pod identity webhook behind the real kube-apiserver', {timeout: 240_000}, () => {
  beforeAll(async () => {
    real = await startRealApiServer()
    admin = new KubeClient(await loadKubeconfig(real.adminKubeconfig))
    const port = await freePort()
    const logger = new Logger('info', (l) => lines.push(l))
    await installPodIdentityWebhook(real.root, {region: 'eu-west-1', port, server: real.url}, admin, logger)
    // The unit's command line, run by the node agent bundle an instance downloads
    webhook = await startAgentWebhook(port)
    for (const body of [
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'media'}},
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: {name: 'uploader', namespace: 'media', annotations: {'eks.amazonaws.com/role-arn': ROLE}},
      },
      {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'plain', namespace: 'media'}},
    ]) {
      const ns = body.kind === 'Namespace' ? '' : '/namespaces/media'
      await admin.request(
        'POST',
        `/api/v1${ns}/${body.kind === 'Namespace' ? 'namespaces' : 'serviceaccounts'}`,
        {body},
      )
    }
    // The API server picks up a new MutatingWebhookConfiguration from its informer: wait until a
    // dry-run create (sideEffects None allows it) comes back mutated.
    const deadline = Date.now() + 30_000
    for (;;) {
      const probe = await admin.request<Pod>('POST', '/api/v1/namespaces/media/pods', {
        body: pod('probe', 'uploader'),
        query: {dryRun: 'All'},
      })
      if (probe.spec.volumes?.some((v) => v.name === 'aws-iam-token')) break
      if (Date.now() > deadline) throw new Error(`the webhook was never called:\n${lines.join('\n')}`)
      await new Promise((r) => setTimeout(r, 250))
    }
  })
  afterAll(async () => {
    if (process.env.KFORGE_PRINT_TIMINGS === '1')
      process.stderr.write(`pod create ms: ${JSON.stringify(timings)}\n`)
    await webhook?.close()
    admin?.close()
    await real?.close()
  })

  it('gives a pod of an annotated ServiceAccount the role, the token and the region, in every container', async () => {
    const t0 = performance.now()
    const stored = await createPod(
      pod('uploader', 'uploader', {
        initContainers: [{name: 'setup', image: 'registry.k8s.io/pause:3.10'}],
        containers: [
          {name: 'app', image: 'registry.k8s.io/pause:3.10', env: [{name: 'LOG', value: 'debug'}]},
          {
            name: 'own-role',
            image: 'registry.k8s.io/pause:3.10',
            env: [{name: 'AWS_ROLE_ARN', value: OWN_ROLE}],
          },
        ],
      }),
    )
    timings.mutated = Math.round(performance.now() - t0)
    const read = await admin.request<Pod>('GET', '/api/v1/namespaces/media/pods/uploader')
    expect(read.spec).toEqual(stored.spec)
    const [setup, app, own] = [
      read.spec.initContainers![0]!,
      read.spec.containers[0]!,
      read.spec.containers[1]!,
    ]
    const injected = {
      AWS_ROLE_ARN: ROLE,
      AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN_FILE,
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_REGION: 'eu-west-1',
    }
    expect(env(setup)).toEqual(injected)
    expect(env(app)).toEqual({LOG: 'debug', ...injected})
    // the container's own role is kept; the rest is added
    expect(env(own)).toEqual({...injected, AWS_ROLE_ARN: OWN_ROLE})
    expect(own.env![0]).toEqual({name: 'AWS_ROLE_ARN', value: OWN_ROLE})
    for (const c of [setup, app, own]) {
      expect(c.volumeMounts).toContainEqual({
        name: 'aws-iam-token',
        mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
        readOnly: true,
      })
    }
    const volume = read.spec.volumes!.find((v) => v.name === 'aws-iam-token')
    expect(volume?.projected).toMatchObject({
      sources: [
        {serviceAccountToken: {audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token'}},
      ],
    })
    // the API server's own service-account volume is still there
    expect(read.spec.volumes!.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true)
    expect(lines.some((l) => l.includes('pod-identity: media/uploader (ServiceAccount uploader)'))).toBe(true)
  })

  it('leaves a pod of an unannotated ServiceAccount, and an opted-out pod, exactly as sent', async () => {
    const t0 = performance.now()
    const plain = await createPod(pod('plain', 'plain'))
    timings.unannotated = Math.round(performance.now() - t0)
    const optedOut = await createPod(
      pod('opted-out', 'uploader', {}, {'eks.amazonaws.com/skip-pod-identity-webhook': 'true'}),
    )
    for (const p of [plain, optedOut]) {
      expect(p.spec.volumes!.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)])
      expect(p.spec.containers[0]!.env).toBeUndefined()
      expect(p.spec.containers[0]!.volumeMounts!.map((m) => m.mountPath)).toEqual([
        '/var/run/secrets/kubernetes.io/serviceaccount',
      ])
    }
  })

  it("gives the role to the pods a Deployment's ReplicaSet creates (the controller-manager's path)", async () => {
    await admin.request('POST', '/apis/apps/v1/namespaces/media/deployments', {
      body: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'web'},
        spec: {
          replicas: 2,
          selector: {matchLabels: {app: 'web'}},
          template: {
            metadata: {labels: {app: 'web'}},
            spec: {
              serviceAccountName: 'uploader',
              containers: [{name: 'web', image: 'registry.k8s.io/pause:3.10'}],
            },
          },
        },
      },
    })
    const deadline = Date.now() + 60_000
    let pods: Pod[] = []
    while (pods.length < 2) {
      if (Date.now() > deadline) throw new Error('the ReplicaSet made no pods')
      await new Promise((r) => setTimeout(r, 250))
      pods = (
        await admin.request<{items: Pod[]}>('GET', '/api/v1/namespaces/media/pods', {
          query: {labelSelector: 'app=web'},
        })
      ).items
    }
    for (const p of pods) {
      expect(env(p.spec.containers[0]!).AWS_ROLE_ARN, p.metadata.name).toBe(ROLE)
      expect(
        p.spec.volumes!.some((v) => v.name === 'aws-iam-token'),
        p.metadata.name,
      ).toBe(true)
    }
  })

  it("gives the EBS CSI controller's pods (IRSA: kforge's Deployment, its annotated account) its role in every container", async () => {
    const ebsRole =
      'arn:aws:iam::123456789012:role/kforge/demo/ebs-csi-controller-sa.ku.sa-8ca520.demo-0123456789'
    // What the addon phase applies when node.yaml names the controller's role.
    await applyEbsCsi(admin, {
      clusterName: 'demo',
      kubernetesVersion: 'v1.37.2',
      defaultStorageClass: true,
      controllerRoleArn: ebsRole,
    })
    const deadline = Date.now() + 60_000
    let pods: Pod[] = []
    while (pods.length < 2) {
      if (Date.now() > deadline) throw new Error('the ReplicaSet made no ebs-csi-controller pods')
      await new Promise((r) => setTimeout(r, 250))
      pods = (
        await admin.request<{items: Pod[]}>('GET', '/api/v1/namespaces/kube-system/pods', {
          query: {labelSelector: 'app=ebs-csi-controller'},
        })
      ).items
    }
    for (const p of pods) {
      expect(p.spec.hostNetwork, p.metadata.name).toBeUndefined()
      // The plugin runs as uid 1000: the pod's fsGroup lets it read the projected token.
      expect(p.spec.securityContext).toMatchObject({runAsUser: 1000, fsGroup: 1000})
      expect(p.spec.containers.map((c) => c.name)).toEqual([
        'ebs-plugin',
        'csi-provisioner',
        'csi-attacher',
        'csi-resizer',
        'liveness-probe',
      ])
      for (const c of p.spec.containers) {
        expect(env(c), `${p.metadata.name}/${c.name}`).toMatchObject({
          AWS_ROLE_ARN: ebsRole,
          AWS_WEB_IDENTITY_TOKEN_FILE: TOKEN_FILE,
          AWS_REGION: 'eu-west-1',
        })
        expect(c.volumeMounts).toContainEqual({
          name: 'aws-iam-token',
          mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
          readOnly: true,
        })
      }
      // The plugin's own variables are kept beside the injected ones.
      expect(Object.keys(env(p.spec.containers[0]!))).toEqual(
        expect.arrayContaining(['CSI_ENDPOINT', 'CSI_NODE_NAME']),
      )
      expect(p.spec.volumes!.find((v) => v.name === 'aws-iam-token')?.projected).toMatchObject({
        sources: [{serviceAccountToken: {audience: 'sts.amazonaws.com', path: 'token'}}],
      })
    }
  })

  it("honours the pod's token-expiration and skip-containers annotations", async () => {
    const p = pod('annotated', 'uploader', {
      containers: [
        {name: 'app', image: 'registry.k8s.io/pause:3.10'},
        {name: 'sidecar', image: 'registry.k8s.io/pause:3.10'},
      ],
    })
    p.metadata.annotations = {
      'eks.amazonaws.com/token-expiration': '3600',
      'eks.amazonaws.com/skip-containers': 'sidecar',
    }
    const stored = await createPod(p)
    const volume = stored.spec.volumes!.find((v) => v.name === 'aws-iam-token')
    expect(volume?.projected).toMatchObject({sources: [{serviceAccountToken: {expirationSeconds: 3600}}]})
    expect(env(stored.spec.containers[0]!).AWS_ROLE_ARN).toBe(ROLE)
    expect(stored.spec.containers[1]!.env).toBeUndefined()
  })

  it('registers with caBundle, failurePolicy Ignore and a short timeout, and reads with nothing but get serviceaccounts', async () => {
    const config = await admin.request<{webhooks: Record<string, unknown>[]}>(
      'GET',
      `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIGURATION}`,
    )
    expect(config.webhooks[0]).toMatchObject({
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      timeoutSeconds: 3,
      clientConfig: {
        url: `https://127.0.0.1:${webhook.port}/mutate`,
        caBundle: Buffer.from(real.caPem).toString('base64'),
      },
    })
    const own = new KubeClient(await loadKubeconfig(join(real.root, WEBHOOK_KUBECONFIG)))
    try {
      const sa = await own.request<{metadata: {name: string}}>(
        'GET',
        '/api/v1/namespaces/media/serviceaccounts/uploader',
      )
      expect(sa.metadata.name).toBe('uploader')
      for (const path of [
        '/api/v1/namespaces/media/serviceaccounts',
        '/api/v1/namespaces/media/pods',
        '/api/v1/namespaces/kube-system/secrets',
      ]) {
        const err = await own.request('GET', path).catch((e: unknown) => e)
        expect(isForbidden(err), path).toBe(true)
      }
    } finally {
      own.close()
    }
  })

  it('kforge init phase pod-identity-webhook registers it from node.yaml; a webhook that is down or hangs costs pods their role, not their creation', async () => {
    // Nothing serves the webhook from here on: not the one started above, not the node's port.
    await webhook.close()
    // What init does before this phase: admin.conf bound to cluster-admin (kubeadm:cluster-admins)
    await applyAll(admin, clusterAdminsBinding())
    mkdirSync(join(real.root, 'etc/kforge'), {recursive: true})
    writeFileSync(
      join(real.root, 'etc/kforge/node.yaml'),
      'apiVersion: kforge.dev/v1alpha1\nkind: NodeBootstrap\npodIdentityWebhook: {region: eu-west-1}\n',
    )
    const config = join(real.root, '..', 'kubeadm.yaml')
    const r = await runKforge([
      'init',
      'phase',
      'pod-identity-webhook',
      '--config',
      config,
      '--root-dir',
      real.root,
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain('registered MutatingWebhookConfiguration kforge-pod-identity-webhook')
    const live = await admin.get(MutatingWebhookConfigurations, WEBHOOK_CONFIGURATION)
    // The node's port: nothing listens there in this test, as on a node whose unit is not up yet.
    expect(live.webhooks[0]!.clientConfig.url).toBe('https://127.0.0.1:3990/mutate')
    // it reads through this node's own API server (init's localAPIEndpoint)
    expect((await loadKubeconfig(join(real.root, WEBHOOK_KUBECONFIG))).server).toBe(real.url)
    const admittedPlain = async (name: string) => {
      const t0 = performance.now()
      const stored = await createPod(pod(name, 'uploader'))
      timings[name] = Math.round(performance.now() - t0)
      expect(stored.spec.volumes!.map((v) => v.name)).toEqual([expect.stringMatching(/^kube-api-access-/)])
      expect(stored.spec.containers[0]!.env).toBeUndefined()
    }
    await admittedPlain('while-down')

    // A webhook that accepts the connection and never answers: the API server gives up after
    // timeoutSeconds (3) and admits the pod.
    const sockets: Socket[] = []
    const hang = createServer((s) => sockets.push(s))
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve))
    const hangPort = (hang.address() as {port: number}).port
    live.webhooks[0]!.clientConfig.url = `https://127.0.0.1:${hangPort}/mutate`
    await admin.request(
      'PUT',
      `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${WEBHOOK_CONFIGURATION}`,
      {body: live},
    )
    try {
      await waitForCall(`https://127.0.0.1:${hangPort}/mutate`, () => sockets.length > 0)
      await admittedPlain('while-hung')
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => hang.close(resolve))
    }
  })

  it('kforge join --control-plane runs the same phase on its node; a worker join does not', async () => {
    const phase = joinWorkflow.phases.find((p) => p.name === 'pod-identity-webhook')!
    const ctx = {dryRun: false, logger: new Logger('info', (l) => lines.push(l))}
    const port = Number(new URL(real.url).port)
    // The join run data this phase reads: the root, and the controlPlane section's local endpoint.
    const cp = {
      rootDir: real.root,
      config: {controlPlane: {localAPIEndpoint: {advertiseAddress: '127.0.0.1', bindPort: port}}},
    } as unknown as JoinData
    const worker = {rootDir: real.root, config: {}} as unknown as JoinData
    expect(await phase.runIf!(worker, ctx)).toBe(false)
    expect(await phase.runIf!(cp, ctx)).toBe(true)
    await phase.run!(cp, ctx)
    const live = await admin.get(MutatingWebhookConfigurations, WEBHOOK_CONFIGURATION)
    expect(live.webhooks[0]!.clientConfig.url).toBe('https://127.0.0.1:3990/mutate')
    expect((await loadKubeconfig(join(real.root, WEBHOOK_KUBECONFIG))).server).toBe(
      `https://127.0.0.1:${port}`,
    )
  })
})
