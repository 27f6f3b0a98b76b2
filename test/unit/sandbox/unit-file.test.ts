/**
 * The local nodes' supervisor runs kforge's rendered systemd units the way systemd would: these
 * are the units kforge writes on an instance, read by src/sandbox/nodes/unit.ts.
 */
import {describe, expect, it} from 'vitest'
import {growUnit, mountUnit} from '../../../src/lifecycle/block-device.js'
import {renderTemplate} from '../../../src/render/templates.js'
import {commandLine, parseMountUnit, parseUnits} from '../../../src/sandbox/nodes/unit.js'

const kubelet = [
  renderTemplate('files/kubelet.service', {}),
  renderTemplate('files/kubelet-dropin.conf', {kubeletPath: '/usr/local/bin/kubelet'}),
]

describe('systemd units as the node supervisor reads them', () => {
  it("the kubelet: the drop-in's empty ExecStart resets the unit's, and its variables expand as systemd's", () => {
    const unit = parseUnits(kubelet)
    expect(unit).toMatchObject({type: 'simple', restart: 'always', restartSec: 10})
    expect(unit.environmentFiles).toEqual([
      {path: '/var/lib/kubelet/kubeadm-flags.env', optional: true},
      {path: '/etc/default/kubelet', optional: true},
    ])
    const argv = commandLine(unit.execStart!, {
      ...unit.environment,
      KUBELET_KUBEADM_ARGS: '--node-ip=10.0.0.5 --cgroup-root=/x',
      KUBELET_EXTRA_ARGS: '--config-dir=/etc/kubelet.conf.d',
    })
    expect(argv).toEqual([
      '/usr/local/bin/kubelet',
      '--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf',
      '--kubeconfig=/etc/kubernetes/kubelet.conf',
      '--config=/var/lib/kubelet/config.yaml',
      '--node-ip=10.0.0.5',
      '--cgroup-root=/x',
      '--config-dir=/etc/kubelet.conf.d',
    ])
  })

  it("etcd's mount unit: what to mount where", () => {
    const text = mountUnit({where: '/var/lib/etcd', uuid: 'u-1', type: 'ext4', volumeId: 'vol-1'})
    expect(parseMountUnit([text])).toEqual({
      what: '/dev/disk/by-uuid/u-1',
      where: '/var/lib/etcd',
      type: 'ext4',
      options: 'defaults,noatime',
    })
    expect(parseMountUnit(['[Unit]\nDescription=no mount section\n'])).toBeUndefined()
  })

  it('the growfs unit is a oneshot', () => {
    const text = growUnit({where: '/var/lib/etcd', uuid: 'u-1', volumeId: 'vol-1'})
    const unit = parseUnits([text])
    expect(unit.type).toBe('oneshot')
    expect(commandLine(unit.execStart!, {})).toEqual(['/sbin/resize2fs', '/dev/disk/by-uuid/u-1'])
  })
})
