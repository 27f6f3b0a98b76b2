/**
 * Reading a Go binary's build information: the module set a part links decides whether a change to
 * its Go module (another binary added to it) has to rebuild it.
 */
import {describe, expect, it} from 'vitest'
import {linkedModules} from '../../../src/sandbox/kube-assets/build-info.js'

const ETCD = `/cache/bin/etcd: go1.26.8
\tpath\tgo.etcd.io/etcd/server/v3
\tmod\tgo.etcd.io/etcd/server/v3\tv3.7.0\th1:Scd=
\tdep\tgo.etcd.io/bbolt\tv1.5.0\th1:abc=
\tdep\tk8s.io/api\tv0.0.0
\t=>\tk8s.io/api\tv0.37.2\th1:Pnx=
\tbuild\t-trimpath=true
\tbuild\tCGO_ENABLED=0
`

describe('linkedModules', () => {
  it('lists the main package module and every dependency, replacements included, with the toolchain', () => {
    expect(linkedModules(ETCD)).toEqual({
      go: 'go1.26.8',
      modules: [
        'go.etcd.io/bbolt v1.5.0',
        'go.etcd.io/etcd/server/v3 v3.7.0',
        'k8s.io/api v0.0.0 => k8s.io/api v0.37.2',
      ],
    })
  })

  it('leaves out a main module built from a working tree (it has no version to compare)', () => {
    const local =
      'bin/pause: go1.26.8\n\tpath\tkforge.dev/kube-assets/pause\n\tmod\tkforge.dev/kube-assets/pause\t(devel)\t\n'
    expect(linkedModules(local).modules).toEqual([])
  })
})
