import {describe, expect, it} from 'vitest'
import {type Phase, type PhaseEvent, Workflow} from '../../../src/phases/workflow.js'

interface Data {
  ran: string[]
  wantEtcd: boolean
}

function recorder(name: string): Phase<Data> {
  return {name, short: `the ${name} phase`, run: (d) => void d.ran.push(name)}
}

const tree: Phase<Data>[] = [
  recorder('preflight'),
  {
    name: 'certs',
    short: 'certificates',
    phases: [
      recorder('ca'),
      recorder('apiserver'),
      {...recorder('etcd-ca'), phases: [recorder('etcd-server')]},
    ],
  },
  {
    name: 'etcd',
    short: 'etcd',
    runIf: (d) => d.wantEtcd,
    run: (d) => void d.ran.push('etcd'),
    phases: [recorder('local')],
  },
  {
    name: 'addon',
    aliases: ['addons'],
    short: 'addons',
    phases: [recorder('coredns'), recorder('kube-proxy')],
  },
]

function fresh(wantEtcd = true): {data: Data; build: () => Data; builds: () => number} {
  const data: Data = {ran: [], wantEtcd}
  let n = 0
  return {
    data,
    build: () => {
      n++
      return data
    },
    builds: () => n,
  }
}

describe('Workflow', () => {
  const wf = new Workflow('init', tree)

  it('runs every phase depth-first in pre-order', async () => {
    const f = fresh()
    await wf.run(f.build)
    expect(f.data.ran).toEqual([
      'preflight',
      'ca',
      'apiserver',
      'etcd-ca',
      'etcd-server',
      'etcd',
      'local',
      'coredns',
      'kube-proxy',
    ])
  })

  it('lists full names joined by /', () => {
    expect(wf.list().map((p) => p.path)).toContain('certs/etcd-ca/etcd-server')
  })

  it('skips a phase and its descendants with --skip-phases paths', async () => {
    const f = fresh()
    const events = await wf.run(f.build, {skip: ['certs/etcd-ca', 'addon/kube-proxy']})
    expect(f.data.ran).toEqual(['preflight', 'ca', 'apiserver', 'etcd', 'local', 'coredns'])
    expect(events.filter((e) => e.status === 'skipped').map((e) => e.path)).toEqual([
      'certs/etcd-ca',
      'certs/etcd-ca/etcd-server',
      'addon/kube-proxy',
    ])
  })

  it('runs one phase and its children alone; `all` means the parent', async () => {
    for (const only of ['certs', 'certs/all', 'certs all']) {
      const f = fresh()
      await wf.run(f.build, {only})
      expect(f.data.ran).toEqual(['ca', 'apiserver', 'etcd-ca', 'etcd-server'])
    }
    const f = fresh()
    await wf.run(f.build, {only: 'certs/apiserver'})
    expect(f.data.ran).toEqual(['apiserver'])
  })

  it('accepts aliases', async () => {
    const f = fresh()
    await wf.run(f.build, {only: 'addons/coredns'})
    expect(f.data.ran).toEqual(['coredns'])
  })

  it("rejects unknown names with kubeadm's message", async () => {
    await expect(wf.run(fresh().build, {only: 'certs/nope'})).rejects.toThrow(
      'invalid phase name: certs/nope',
    )
    await expect(wf.run(fresh().build, {skip: ['bogus']})).rejects.toThrow('invalid phase name: bogus')
  })

  it('checks runIf before run and skips the subtree when false', async () => {
    const f = fresh(false)
    const events = await wf.run(f.build, {only: 'etcd'})
    expect(f.data.ran).toEqual([])
    expect(events.map((e) => [e.path, e.status])).toEqual([
      ['etcd', 'skipped'],
      ['etcd/local', 'skipped'],
    ])
  })

  it('builds run data once, and not at all when nothing runs', async () => {
    const f = fresh()
    await wf.run(f.build)
    expect(f.builds()).toBe(1)
    const g = fresh()
    await wf.run(g.build, {skip: ['preflight', 'certs', 'etcd', 'addon']})
    expect(g.builds()).toBe(0)
  })

  it('reports running and done per phase, and passes dry-run in the context', async () => {
    const seen: PhaseEvent[] = []
    let dry = false
    const w = new Workflow<null>('x', [
      {
        name: 'a',
        short: 'a',
        run: (_d, ctx) => {
          dry = ctx.dryRun
        },
      },
    ])
    await w.run(() => null, {dryRun: true, reporter: (e) => seen.push(e)})
    expect(dry).toBe(true)
    expect(seen.map((e) => e.status)).toEqual(['running', 'done'])
  })

  it('names the failing phase in the error', async () => {
    const {KforgeError} = await import('../../../src/util/errors.js')
    const w = new Workflow<null>('x', [
      {
        name: 'a',
        short: 'a',
        phases: [{name: 'b', short: 'b', run: () => Promise.reject(new KforgeError('boom'))}],
      },
    ])
    await expect(w.run(() => null)).rejects.toThrow('phase a/b: boom')
  })
})
