/**
 * The spec's JSON Schema, generated from the shapes: the committed file and reference are current,
 * the example specs validate against it with a standard validator (ajv, draft 2020-12), the shape
 * mutations kforge's validator rejects are rejected by the schema too, and every spec kforge prints
 * points editors at it.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Ajv2020} from 'ajv/dist/2020.js'
import {describe, expect, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {clusterFromOptions} from '../../../../src/api/v1alpha1/flags.js'
import {renderSpec, SCHEMA_MODELINE} from '../../../../src/api/v1alpha1/render.js'
import {kforgeJsonSchema, SCHEMA_FILE, SCHEMA_URL} from '../../../../src/api/v1alpha1/schema.js'
import {schemaText, specReference} from '../../../../src/api/v1alpha1/schema-doc.js'
import {haPrivateCluster, publicSingleCluster} from '../../../fixtures/cloud/clusters.js'
import {type Doc, edited, fixture, problemsOf} from './helpers.js'

const root = join(import.meta.dirname, '..', '..', '..', '..')
const validate = new Ajv2020({allErrors: true, strict: true}).compile(kforgeJsonSchema())

function docsOf(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => (d as {toJS(): unknown}).toJS())
}

/** The schema's verdict on every document of a spec file: the errors of those it rejects. */
function schemaErrors(text: string): string[] {
  return docsOf(text).flatMap((doc, i) =>
    validate(doc) ? [] : (validate.errors ?? []).map((e) => `#${i + 1} ${e.instancePath} ${e.message}`),
  )
}

describe('the committed schema and spec reference', () => {
  it('are what the shapes generate (run `npm run docs` after changing schema.ts)', () => {
    expect(readFileSync(join(root, SCHEMA_FILE), 'utf8')).toBe(schemaText())
    expect(readFileSync(join(root, 'docs', 'spec.md'), 'utf8')).toBe(specReference())
  })
})

describe('example specs', () => {
  const examples: [string, string][] = [
    ['the minimal HA fixture', fixture('minimal-ha.yaml')],
    [
      'a printed public single-zone cluster',
      renderSpec(publicSingleCluster('demo.example.com', 'us-east-1')),
    ],
    ['a printed HA private cluster', renderSpec(haPrivateCluster('ha.example.com', 'us-east-1'))],
    [
      'create cluster flags with a bastion',
      renderSpec(
        clusterFromOptions({name: 'b.example.com', zones: ['eu-west-1a', 'eu-west-1b'], topology: 'private'}),
      ),
    ],
  ]
  it.each(examples)('%s validates against the schema', (_name, text) => {
    expect(problemsOf(text)).toEqual([])
    expect(schemaErrors(text)).toEqual([])
  })

  it('every printed spec names the schema in its first line', () => {
    const text = renderSpec(publicSingleCluster('demo.example.com', 'us-east-1'))
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`)
    expect(text.startsWith(SCHEMA_MODELINE)).toBe(true)
  })
})

describe('mutations the validator rejects, the schema rejects too', () => {
  // Each breaks the minimal fixture in a way a shape can express: the validator must refuse it
  // (with a field path), and so must the schema. Semantic rules (CIDRs, quorum) are not here.
  const cases: [string, (docs: Doc[]) => void][] = [
    ['an unknown top-level field', (d) => (d[0].spec.clodu = {})],
    ['an unknown nested field', (d) => (d[0].spec.cloud.aws.zone = 'us-east-1a')],
    ['a string where a list goes', (d) => (d[0].spec.cloud.aws.zones = 'us-east-1a')],
    ['a number where a string goes', (d) => (d[0].spec.kubernetesVersion = 1.32)],
    ['a string where an integer goes', (d) => (d[1].spec.minSize = 'three')],
    ['a fraction where an integer goes', (d) => (d[1].spec.maxSize = 1.5)],
    ['a string where a boolean goes', (d) => (d[0].spec.selfHosted = 'yes')],
    ['a value outside an enum', (d) => (d[1].spec.role = 'master')],
    ['a taint effect outside its enum', (d) => (d[1].spec.taints = [{key: 'a', effect: 'NoSchedul'}])],
    ['a missing required field (cloud)', (d) => delete d[0].spec.cloud],
    ['a missing required field (role)', (d) => delete d[1].spec.role],
    ['a missing required field (metadata.name)', (d) => delete d[1].metadata.name],
    ['a missing mirror artifact', (d) => (d[0].spec.mirror = {baseUrl: 'https://m.example.com'})],
    ['an unsupported apiVersion', (d) => (d[0].apiVersion = 'kforge.dev/v1')],
    ['an unknown kind', (d) => (d[1].kind = 'InstanceGroups')],
    ['a mapping where a cloud-config block string goes', (d) => (d[1].spec.additionalCloudConfig = {a: 1})],
    ['a label value that is not a string', (d) => (d[1].spec.nodeLabels = {tier: 1})],
  ]
  it.each(cases)('%s', (_name, mutate) => {
    const text = edited(mutate)
    expect(problemsOf(text).length).toBeGreaterThan(0)
    expect(schemaErrors(text).length).toBeGreaterThan(0)
  })
})
