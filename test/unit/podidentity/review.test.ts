/**
 * The webhook's review and its HTTPS face: which requests it mutates, what it answers when it
 * cannot read the ServiceAccount (admitted, unchanged, with a warning kubectl prints), and what the
 * install writes on a node: a serving certificate for 127.0.0.1 and a client certificate for its
 * own user, both verified by openssl against the cluster CA, the key files 0600, and the unit.
 */
import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {request} from 'node:https'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {podIdentityWebhookConfiguration} from '../../../src/kube/manifests/pod-identity-webhook.js'
import type {Pod} from '../../../src/kube/types.js'
import {createCA} from '../../../src/pki/cert.js'
import {pairPaths, writePair} from '../../../src/pki/files.js'
import {generateKey} from '../../../src/pki/keys.js'
import {webhookUnit, writeWebhookCredentials} from '../../../src/podidentity/install.js'
import {type AdmissionRequest, reviewPod} from '../../../src/podidentity/review.js'
import {type RunningWebhook, startWebhookServer} from '../../../src/podidentity/server.js'
import {openssl, subjectOf} from '../pki/helpers.js'

const ROLE = 'arn:aws:iam::111122223333:role/r'
const pod = (annotations?: Record<string, string>): Pod => ({
  metadata: {generateName: 'web-', ...(annotations ? {annotations} : {})},
  spec: {serviceAccountName: 'app', containers: [{name: 'c'}]},
})
const req = (over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  uid: 'u-1',
  kind: {group: '', version: 'v1', kind: 'Pod'},
  resource: {group: '', version: 'v1', resource: 'pods'},
  namespace: 'media',
  operation: 'CREATE',
  object: pod(),
  ...over,
})
const annotated = async () => ({'eks.amazonaws.com/role-arn': ROLE})

describe('reviewPod', () => {
  it('answers a pod create with a base64 JSONPatch and the request uid', async () => {
    const seen: string[] = []
    const {review} = await reviewPod(
      req(),
      async (ns, name) => {
        seen.push(`${ns}/${name}`)
        return annotated()
      },
      {},
    )
    expect(seen).toEqual(['media/app'])
    expect(review).toMatchObject({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview'})
    expect(review.response).toMatchObject({uid: 'u-1', allowed: true, patchType: 'JSONPatch'})
    const ops = JSON.parse(Buffer.from(review.response.patch!, 'base64').toString()) as {path: string}[]
    expect(ops.map((o) => o.path)).toEqual([
      '/spec/containers/0/env',
      '/spec/containers/0/volumeMounts',
      '/spec/volumes',
    ])
  })

  it('leaves updates, subresources and mirror pods alone without asking the API', async () => {
    const never = async () => {
      throw new Error('asked')
    }
    for (const r of [
      req({operation: 'UPDATE'}),
      req({subResource: 'ephemeralcontainers'}),
      req({object: pod({'kubernetes.io/config.mirror': 'abc'})}),
    ]) {
      const {review} = await reviewPod(r, never, {})
      expect(review.response).toEqual({uid: 'u-1', allowed: true})
    }
  })

  it('admits unchanged, with a warning, when the ServiceAccount cannot be read; unchanged and silent when it does not exist', async () => {
    const failing = await reviewPod(
      req(),
      async () => {
        throw new Error('connection refused')
      },
      {},
    )
    expect(failing.review.response.allowed).toBe(true)
    expect(failing.review.response.patch).toBeUndefined()
    expect(failing.review.response.warnings![0]).toContain(
      'could not read ServiceAccount media/app (connection refused)',
    )
    const missing = await reviewPod(req(), async () => undefined, {})
    expect(missing.review.response).toEqual({uid: 'u-1', allowed: true})
  })

  it('reads the ServiceAccount `default` when the pod names none', async () => {
    const names: string[] = []
    const p = pod()
    delete p.spec.serviceAccountName
    await reviewPod(
      req({object: p}),
      async (_, n) => {
        names.push(n)
        return undefined
      },
      {},
    )
    expect(names).toEqual(['default'])
  })
})

describe('the webhook on a node', () => {
  let dir: string
  let server: RunningWebhook
  let caPem: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kforge-pod-identity-'))
    const ca = await createCA({subject: {commonName: 'kubernetes'}}, await generateKey('ECDSA-P256'))
    caPem = ca.certPem
    await writePair(pairPaths(join(dir, 'etc/kubernetes/pki'), 'ca'), ca)
    await writeWebhookCredentials(dir, 'https://10.0.0.10:6443')
    server = await startWebhookServer({
      certPem: readFileSync(join(dir, 'etc/kubernetes/pki/pod-identity-webhook.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'etc/kubernetes/pki/pod-identity-webhook.key'), 'utf8'),
      host: '127.0.0.1',
      port: 0,
      lookup: annotated,
      defaults: {},
    })
  })
  afterAll(async () => {
    await server?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  const post = (body: string) =>
    new Promise<{status: number; body: string}>((resolve, reject) => {
      const r = request(
        `https://127.0.0.1:${server.port}/mutate`,
        {method: 'POST', ca: caPem, headers: {'content-type': 'application/json'}},
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString()}))
        },
      )
      r.on('error', reject)
      r.end(body)
    })

  it('serves a review over TLS that the cluster CA verifies for 127.0.0.1; refuses what is not a review', async () => {
    const ok = await post(
      JSON.stringify({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: req()}),
    )
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body).response.patchType).toBe('JSONPatch')
    expect((await post('not json')).status).toBe(400)
    expect(
      (await post(JSON.stringify({kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1beta1'}))).status,
    ).toBe(400)
  })

  it('writes certificates the cluster CA signed, keys 0600, and a kubeconfig for its own user', () => {
    const pki = join(dir, 'etc/kubernetes/pki')
    expect(
      openssl(['verify', '-CAfile', join(pki, 'ca.crt'), join(pki, 'pod-identity-webhook.crt')]),
    ).toContain(': OK')
    expect(statSync(join(pki, 'pod-identity-webhook.key')).mode & 0o777).toBe(0o600)
    const conf = join(dir, 'etc/kubernetes/pod-identity-webhook.conf')
    expect(statSync(conf).mode & 0o777).toBe(0o600)
    const kubeconfig = parse(readFileSync(conf, 'utf8'))
    expect(kubeconfig.clusters[0].cluster.server).toBe('https://10.0.0.10:6443')
    const client = join(dir, 'client.crt')
    writeFileSync(client, Buffer.from(kubeconfig.users[0].user['client-certificate-data'], 'base64'))
    expect(subjectOf(client)).toBe('CN=system:kforge:pod-identity-webhook')
    expect(openssl(['verify', '-CAfile', join(pki, 'ca.crt'), client])).toContain(': OK')
  })

  it('the unit passes systemd-analyze verify', async () => {
    const unit = join(dir, 'kforge-pod-identity-webhook.service')
    writeFileSync(unit, webhookUnit({region: 'eu-west-1'}))
    const output = await new Promise<string>((resolve) =>
      execFile('systemd-analyze', ['verify', '--man=no', unit], (_e, out, err) => resolve(`${out}${err}`)),
    )
    // The agent is installed at boot, not on this machine: the only complaint allowed.
    const complaints = output
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.includes('Command /usr/local/bin/kforge is not executable'))
    expect(complaints, output).toEqual([])
  })

  it('the unit and the registration', () => {
    expect(webhookUnit({region: 'eu-west-1'})).toContain(
      'ExecStart=/usr/local/bin/kforge pod-identity serve --region eu-west-1 --port 3990 --sts-regional-endpoints',
    )
    expect(() => webhookUnit({region: 'eu-west-1; rm -rf /'})).toThrow(/not one word/)
    const [hook] = podIdentityWebhookConfiguration(caPem, 3990).object.webhooks
    expect(hook).toMatchObject({
      clientConfig: {url: 'https://127.0.0.1:3990/mutate'},
      rules: [{operations: ['CREATE'], resources: ['pods']}],
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
    })
    expect(Buffer.from(hook!.clientConfig.caBundle!, 'base64').toString()).toBe(caPem)
  })
})
