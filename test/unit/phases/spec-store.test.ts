import {describe, expect, it} from 'vitest'
import {clusterFromOptions} from '../../../src/api/v1alpha1/flags.js'
import {renderSpec} from '../../../src/api/v1alpha1/index.js'
import type {Cluster} from '../../../src/api/v1alpha1/types.js'
import {VALIDATE_PHASES, validateSpecText, validateWorkflow} from '../../../src/phases/validate.js'
import {createCluster, editCluster, stripProblems, withProblems} from '../../../src/specs/store.js'
import {loadClusterText} from '../../../src/state/clusters.js'
import {LocalStateStore} from '../../../src/state/local.js'
import {tempDir} from '../../support/cli.js'

const demo = () => clusterFromOptions({name: 'demo.example.com', zones: ['us-east-1a']})

describe('createCluster', () => {
  it('stores, then hands the stored cluster to the apply hook', async () => {
    const store = new LocalStateStore(tempDir())
    const seen: Array<{stored: string; yes: boolean}> = []
    const result = await createCluster(store, demo(), {
      yes: true,
      apply: async (c: Cluster, o) => {
        seen.push({stored: await loadClusterText(store, c.name), yes: o.yes})
      },
    })
    expect(seen).toEqual([{stored: renderSpec(demo()), yes: true}])
    expect(result).toEqual({
      cluster: 'demo.example.com',
      stored: `${store.location}/demo.example.com/config.yaml`,
      planned: true,
    })
  })

  it('without a hook, says what to run next', async () => {
    const result = await createCluster(new LocalStateStore(tempDir()), demo())
    expect(result.planned).toBe(false)
    expect(result.next).toBe('kforge update cluster demo.example.com --yes')
  })
})

describe('editCluster', () => {
  it('strips the problem header it adds, and only that', () => {
    const text = 'apiVersion: x\n'
    const shown = withProblems(text, ['a: b'])
    expect(shown).toBe(
      '# kforge: the edited spec is not valid and was not saved. Fix the problems below and save,\n' +
        '# or exit without changes to give up (the stored spec stays as it was).\n# a: b\napiVersion: x\n',
    )
    expect(stripProblems(shown)).toBe(text)
    expect(stripProblems(withProblems(shown, ['c']))).toBe(text)
    expect(stripProblems('# my own comment\napiVersion: x\n')).toBe('# my own comment\napiVersion: x\n')
  })

  it('runs the editor loop on in-memory files', async () => {
    const store = new LocalStateStore(tempDir())
    await createCluster(store, demo())
    const files = new Map<string, string>()
    const io = {
      write: async (t: string) => {
        files.set('f', t)
        return 'f'
      },
      read: async (p: string) => files.get(p)!,
    }
    const edits = [
      (t: string) => t.replace('maxSize: 2', 'maxSize: 1'),
      (t: string) =>
        t.replace(
          'maxSize: 1\n  subnets:\n    - us-east-1a\n  rootVolume:\n    size: 128',
          'maxSize: 4\n  subnets:\n    - us-east-1a\n  rootVolume:\n    size: 128',
        ),
    ]
    const result = await editCluster(
      store,
      'demo.example.com',
      async (p) => {
        files.set(p, edits.shift()!(files.get(p)!))
      },
      io,
    )
    expect(result.status).toBe('saved')
    expect(edits).toEqual([])
    expect(await loadClusterText(store, 'demo.example.com')).toContain('maxSize: 4')
  })
})

describe('validate workflow', () => {
  it('starts with the spec phase and collects problems instead of throwing', async () => {
    expect(validateWorkflow.list().map((p) => p.path)).toEqual(VALIDATE_PHASES.map((p) => p.name))
    expect(validateWorkflow.list()[0]!.path).toBe('spec')
    const bad = await validateSpecText('kind: Cluster\n', 'x.yaml')
    expect(bad.cluster).toBeUndefined()
    expect(bad.problems).toEqual([
      'x.yaml: document 1 (line 1): apiVersion: required field is missing',
      'x.yaml: document 1 (line 1): metadata: required field is missing',
      'x.yaml: document 1 (line 1): spec: required field is missing',
    ])
    const good = await validateSpecText(renderSpec(demo()), 'ok.yaml')
    expect(good.problems).toEqual([])
    expect(good.cluster?.name).toBe('demo.example.com')
  })
})
