import {describe, expect, it} from 'vitest'
import {describePhases, splitPhaseArgs} from '../../../../src/cli/phase-command.js'
import {initWorkflow} from '../../../../src/phases/init/workflow.js'
import {joinWorkflow} from '../../../../src/phases/join/workflow.js'
import type {Workflow} from '../../../../src/phases/workflow.js'

describe('the init workflow', () => {
  const paths = initWorkflow.list().map((p) => p.path)

  it("lists kubeadm's phases in kubeadm's order", () => {
    const kubeadm = [
      'preflight',
      'certs',
      'certs/ca',
      'certs/apiserver',
      'certs/apiserver-kubelet-client',
      'certs/front-proxy-ca',
      'certs/front-proxy-client',
      'certs/etcd-ca',
      'certs/etcd-server',
      'certs/etcd-peer',
      'certs/etcd-healthcheck-client',
      'certs/apiserver-etcd-client',
      'certs/sa',
      'kubeconfig',
      'kubeconfig/admin',
      'kubeconfig/super-admin',
      'kubeconfig/kubelet',
      'kubeconfig/controller-manager',
      'kubeconfig/scheduler',
      'etcd',
      'etcd/local',
      'control-plane',
      'control-plane/apiserver',
      'control-plane/controller-manager',
      'control-plane/scheduler',
      'kubelet-start',
    ]
    // kforge's own first phase mounts etcd's volume before preflight looks at the data dir.
    expect(paths[0]).toBe('etcd-volume')
    expect(paths.slice(1, kubeadm.length + 2)).toEqual([...kubeadm, 'kubelet-start/start'])
    expect(paths.at(-1)).toBe('show-join-command')
  })
})

describe('phase command arguments', () => {
  const wf = initWorkflow as unknown as Workflow<unknown>

  it('takes the longest phase name and leaves the rest', () => {
    expect(splitPhaseArgs(wf, ['certs', 'apiserver'])).toEqual({phase: 'certs/apiserver', rest: []})
    expect(splitPhaseArgs(wf, ['certs', 'all'])).toEqual({phase: 'certs/all', rest: []})
    expect(splitPhaseArgs(wf, ['certs/apiserver'])).toEqual({phase: 'certs/apiserver', rest: []})
    expect(
      splitPhaseArgs(joinWorkflow as unknown as Workflow<unknown>, ['discovery', '10.0.0.1:6443']),
    ).toEqual({
      phase: 'discovery',
      rest: ['10.0.0.1:6443'],
    })
    expect(() => splitPhaseArgs(wf, ['nope'])).toThrow(/^invalid phase name: nope/)
  })

  it('describes every phase by its full name', () => {
    const text = describePhases(wf, 'init')
    expect(text.split('\n')[0]).toBe('The "init" command executes the following phases:')
    expect(text).toMatch(/\ncerts\/etcd-healthcheck-client +etcd health check client certificate\n/)
    expect(text.split('\n')).toHaveLength(initWorkflow.list().length + 1)
  })
})
