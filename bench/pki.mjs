#!/usr/bin/env node
// `kforge init phase certs all` against the openssl CLI making the same set (3 CAs, 7 signed leaves
// with the same subjects/SANs/usages, the sa key pair), for RSA-2048 and ECDSA-P256. Median wall
// time of BENCH_RUNS runs (default 5), every run in a fresh directory, all in the same process run.
// Figures only; nothing is asserted. Run after `npm run build`: `node bench/pki.mjs`.
import {execFile, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const exec = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const bin = join(root, 'bin', 'run.js')
const runs = Number(process.env.BENCH_RUNS ?? 5)
const work = mkdtempSync(join(tmpdir(), 'kforge-bench-pki-'))

const node = {name: 'cp-1', ip: '192.0.2.10'}
const apiSans = `DNS:${node.name},DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1,IP:${node.ip}`
const etcdSans = `DNS:${node.name},DNS:localhost,IP:${node.ip},IP:127.0.0.1,IP:0:0:0:0:0:0:0:1`
const cas = [
  ['ca', '/CN=kubernetes'],
  ['front-proxy-ca', '/CN=front-proxy-ca'],
  ['etcd/ca', '/CN=etcd-ca'],
]
const leaves = [
  ['apiserver', 'ca', '/CN=kube-apiserver', 'serverAuth', apiSans],
  [
    'apiserver-kubelet-client',
    'ca',
    '/O=kubeadm:cluster-admins/CN=kube-apiserver-kubelet-client',
    'clientAuth',
  ],
  ['front-proxy-client', 'front-proxy-ca', '/CN=front-proxy-client', 'clientAuth'],
  ['etcd/server', 'etcd/ca', `/CN=${node.name}`, 'serverAuth,clientAuth', etcdSans],
  ['etcd/peer', 'etcd/ca', `/CN=${node.name}`, 'serverAuth,clientAuth', etcdSans],
  ['etcd/healthcheck-client', 'etcd/ca', '/CN=kube-etcd-healthcheck-client', 'clientAuth'],
  ['apiserver-etcd-client', 'etcd/ca', '/CN=kube-apiserver-etcd-client', 'clientAuth'],
]

const keyArgs = (alg) =>
  alg === 'RSA-2048'
    ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
const keyUsage = (alg, ca) =>
  `critical,digitalSignature${alg === 'RSA-2048' ? ',keyEncipherment' : ''}${ca ? ',keyCertSign' : ''}`

function extFile(dir, name, alg, eku, sans) {
  const file = join(dir, `${name.replace('/', '-')}.ext`)
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    `keyUsage=${keyUsage(alg, false)}`,
    `extendedKeyUsage=${eku}`,
    'authorityKeyIdentifier=keyid',
  ]
  if (sans) lines.push(`subjectAltName=${sans}`)
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

const genkey = (dir, name, alg) => ['genpkey', ...keyArgs(alg), '-out', join(dir, `${name}.key`)]
const caCert = (dir, name, subj, alg) => [
  'req',
  '-x509',
  '-new',
  '-key',
  join(dir, `${name}.key`),
  '-out',
  join(dir, `${name}.crt`),
  '-subj',
  subj,
  '-days',
  '3650',
  '-addext',
  'basicConstraints=critical,CA:TRUE',
  '-addext',
  `keyUsage=${keyUsage(alg, true)}`,
]
const csr = (dir, name, subj) => [
  'req',
  '-new',
  '-key',
  join(dir, `${name}.key`),
  '-subj',
  subj,
  '-out',
  join(dir, `${name}.csr`),
]
const sign = (dir, name, ca, ext) => [
  'x509',
  '-req',
  '-in',
  join(dir, `${name}.csr`),
  '-CA',
  join(dir, `${ca}.crt`),
  '-CAkey',
  join(dir, `${ca}.key`),
  '-set_serial',
  `0x${Math.floor(Math.random() * 2 ** 48).toString(16)}`,
  '-days',
  '365',
  '-extfile',
  ext,
  '-out',
  join(dir, `${name}.crt`),
]

function fresh(label) {
  const dir = mkdtempSync(join(work, `${label}-`))
  mkdirSync(join(dir, 'etcd'))
  return dir
}

/** A shell script's way: one openssl command after another. */
function opensslSequential(alg) {
  const dir = fresh('openssl-seq')
  const run = (args) => {
    const r = spawnSync('openssl', args, {stdio: ['ignore', 'ignore', 'pipe']})
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`)
  }
  const t0 = performance.now()
  for (const [name, subj] of cas) {
    run(genkey(dir, name, alg))
    run(caCert(dir, name, subj, alg))
  }
  for (const [name, ca, subj, eku, sans] of leaves) {
    run(genkey(dir, name, alg))
    run(csr(dir, name, subj))
    run(sign(dir, name, ca, extFile(dir, name, alg, eku, sans)))
  }
  run(genkey(dir, 'sa', alg))
  run(['pkey', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')])
  return performance.now() - t0
}

/** openssl with the same parallelism kforge uses: every key at once, then the signing chain. */
async function opensslParallel(alg) {
  const dir = fresh('openssl-par')
  const run = (args) => exec('openssl', args)
  const t0 = performance.now()
  await Promise.all(
    [...cas.map(([n]) => n), ...leaves.map(([n]) => n), 'sa'].map((n) => run(genkey(dir, n, alg))),
  )
  await Promise.all([
    ...cas.map(([name, subj]) => run(caCert(dir, name, subj, alg))),
    run(['pkey', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')]),
  ])
  await Promise.all(
    leaves.map(async ([name, ca, subj, eku, sans]) => {
      await run(csr(dir, name, subj))
      await run(sign(dir, name, ca, extFile(dir, name, alg, eku, sans)))
    }),
  )
  return performance.now() - t0
}

function kforge(alg) {
  const dir = fresh('kforge')
  const config = join(dir, 'kubeadm.yaml')
  writeFileSync(
    config,
    `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
nodeRegistration: {name: ${node.name}}
localAPIEndpoint: {advertiseAddress: ${node.ip}}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ${alg}
`,
  )
  const t0 = performance.now()
  const r = spawnSync(
    process.execPath,
    [bin, 'init', 'phase', 'certs', 'all', '--config', config, '--root-dir', join(dir, 'root')],
    {encoding: 'utf8'},
  )
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`kforge failed: ${r.stderr}`)
  return ms
}

function startup() {
  const t0 = performance.now()
  spawnSync(process.execPath, [bin, 'token', 'generate'])
  return performance.now() - t0
}

function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const fmt = (ms) => `${ms.toFixed(0).padStart(6)} ms`
const openssl = spawnSync('openssl', ['version'], {encoding: 'utf8'}).stdout.trim()
console.log(
  `PKI set (3 CAs, 7 leaves, sa key pair): median of ${runs} runs; node ${process.version}, ${openssl}, ${cpus().length} CPUs`,
)
for (const alg of ['RSA-2048', 'ECDSA-P256']) {
  const t = {kforge: [], seq: [], par: [], startup: []}
  // interleaved so machine load drifts affect every contender alike
  for (let i = 0; i < runs; i++) {
    t.kforge.push(kforge(alg))
    t.seq.push(opensslSequential(alg))
    t.par.push(await opensslParallel(alg))
    t.startup.push(startup())
  }
  const k = median(t.kforge)
  const s = median(t.seq)
  const p = median(t.par)
  console.log(`\n${alg}`)
  console.log(
    `  kforge init phase certs all        ${fmt(k)}  (of which CLI start-up ~${fmt(median(t.startup)).trim()})`,
  )
  console.log(`  openssl CLI, one command at a time ${fmt(s)}  kforge/openssl = ${(k / s).toFixed(2)}`)
  console.log(`  openssl CLI, keys in parallel      ${fmt(p)}  kforge/openssl = ${(k / p).toFixed(2)}`)
}
rmSync(work, {recursive: true, force: true})
