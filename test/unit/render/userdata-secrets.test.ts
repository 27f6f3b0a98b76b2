/**
 * No secret in user-data, sealed or not (issue 11 item 5): every user-data the golden clusters
 * render — each group's cloud-config, its delivered bytes when they differ, and every launch
 * template's user-data in the CloudFormation export — is scanned for PEM blocks (a key or a
 * certificate), KMS ciphertexts and tokens. The golden test (test/integration/golden.test.ts)
 * proves these files are byte for byte what kforge renders now; its normalisation turns each
 * made-up value into a placeholder of its shape, so a ciphertext shows as `<base64-N>` and a token
 * as `<token-N>` here.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {GOLDEN_CASES} from '../../fixtures/golden/cases.js'
import {repoRoot} from '../../support/cli.js'

const root = join(repoRoot, 'test', 'fixtures', 'golden')

/** What a secret looks like in a golden file, raw or normalised. */
const SECRET_SHAPES: ReadonlyArray<[string, RegExp]> = [
  ['a PEM block', /-----BEGIN [A-Z0-9 ]+-----/],
  ['a certificate or key placeholder', /<(?:certificate|private-key|public-key)-\d+>/],
  ['a ciphertext (base64 of random bytes)', /<base64-\d+>/],
  ['a sealed asset', /"(?:ciphertext|dataKey|blob)"/],
  ['a bootstrap token', /<token-\d+>|\b[a-z0-9]{6}\.[a-z0-9]{16}\b/],
  ['a token flag', /--(?:tls-bootstrap-)?token[= ]|--discovery-token [^-]/],
]

/** Every file of a case that holds user-data: cloud-configs, delivered bytes, the template's. */
function userDataFiles(dir: string): string[] {
  const out: string[] = []
  for (const sub of ['userdata', 'cloudformation']) {
    const d = join(dir, sub)
    if (!existsSync(d)) continue
    for (const f of readdirSync(d)) {
      if (f.endsWith('.cloud-config.yaml') || f.endsWith('.user-data')) out.push(join(sub, f))
    }
  }
  return out.sort()
}

describe('user-data of every golden cluster', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.dir}: no PEM block, no ciphertext, no token; the control plane names its bundle`, () => {
      const dir = join(root, c.dir)
      const files = userDataFiles(dir)
      expect(files.length).toBeGreaterThan(0)
      for (const f of files) {
        const text = readFileSync(join(dir, f), 'utf8')
        for (const [what, shape] of SECRET_SHAPES)
          expect(shape.test(text), `${c.dir}/${f}: ${what}`).toBe(false)
      }
      // Each launch template of the CloudFormation export carries a scanned user-data: one a group
      // exports byte for byte, or a file of its own under cloudformation/ (scanned above).
      const template = JSON.parse(readFileSync(join(dir, 'cloudformation.json'), 'utf8')) as {
        Resources: Record<string, {Type: string; Properties?: {LaunchTemplateData?: {UserData?: string}}}>
      }
      const launchTemplates = Object.entries(template.Resources).filter(
        ([, r]) => r.Type === 'AWS::EC2::LaunchTemplate',
      )
      expect(launchTemplates.length).toBeGreaterThan(0)
      for (const [id, r] of launchTemplates) {
        expect(r.Properties?.LaunchTemplateData?.UserData, id).toMatch(
          /^<(?:byte for byte the exported user-data of instance group [^>]+|(?:gzip of )?cloudformation\/[^>]+\.user-data: not any group's exported user-data)>$/,
        )
      }
      const controlPlane = files.filter((f) => /control-plane.*\.cloud-config\.yaml$/.test(f))
      expect(controlPlane.length).toBeGreaterThan(0)
      for (const f of controlPlane) {
        expect(readFileSync(join(dir, f), 'utf8')).toMatch(
          /"secrets":\{"url":"s3:\/\/[^"]+\/secrets\/control-plane\/<sha256-\d+>\.json","region":"[a-z0-9-]+","role":"control-plane","sha256":"<sha256-\d+>"\}/,
        )
      }
    })
  }
})
