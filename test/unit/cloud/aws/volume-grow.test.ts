/**
 * Growing an etcd volume against a scripted EC2 (the emulator finishes every modification at
 * once and never refuses one, so what EBS does between them is scripted here): a modification
 * still running is reported, not raced; one running to the same size is waited for, not repeated;
 * EBS's rate refusal is passed on with the last modification; a failed one says why.
 */
import type {VolumeModification} from '@aws-sdk/client-ec2'
import {describe, expect, it} from 'vitest'
import type {AwsClients} from '../../../../src/cloud/aws/clients.js'
import type {ApplyContext} from '../../../../src/cloud/aws/model/types.js'
import {growVolume} from '../../../../src/cloud/aws/resources/volume-grow.js'
import {silentLogger} from '../../../../src/util/logger.js'

type Answer = (input: Record<string, unknown>) => unknown

/** An EC2 client answering each command from a script (a list is answered in turn), recording calls. */
function fakeEc2(script: Record<string, Answer | Answer[]>) {
  const calls: string[] = []
  const client = {
    async send(cmd: {constructor: {name: string}; input: Record<string, unknown>}) {
      const command = cmd.constructor.name.replace(/Command$/, '')
      calls.push(command)
      const answer = script[command]
      if (!answer) throw new Error(`unexpected ${command}`)
      const next = Array.isArray(answer) ? (answer.length > 1 ? answer.shift()! : answer[0]!) : answer
      return next(cmd.input)
    },
  }
  const ctx = {
    aws: {ec2: async () => client, timings: {pollMs: 1}} as unknown as AwsClients,
    cluster: 'grow.example.com',
    logger: silentLogger,
    once: async <T>(_k: string, read: () => Promise<T>) => read(),
    token: () => 'token',
  } as ApplyContext
  return {ctx, calls}
}

const mod = (state: string, target: number, start = '2026-12-02T10:00:00Z'): VolumeModification => ({
  VolumeId: 'vol-1',
  ModificationState: state as VolumeModification['ModificationState'],
  OriginalSize: 20,
  TargetSize: target,
  Progress: state === 'completed' ? 100 : 40,
  StartTime: new Date(start),
})
const modifications =
  (...m: VolumeModification[]) =>
  () => ({VolumesModifications: m})
const grow = {name: 'etcd-control-plane-a', volumeId: 'vol-1', from: 20, size: 30}

describe('growing an etcd volume', () => {
  it('calls ModifyVolume with the new size and waits until it is usable (optimizing)', async () => {
    const modified: unknown[] = []
    const {ctx, calls} = fakeEc2({
      DescribeVolumesModifications: [
        modifications(),
        modifications(mod('modifying', 30)),
        modifications(mod('optimizing', 30)),
      ],
      ModifyVolume: (input) => {
        modified.push(input)
        return {VolumeModification: mod('modifying', 30)}
      },
    })
    await growVolume(ctx, grow)
    expect(modified).toEqual([{VolumeId: 'vol-1', Size: 30}])
    expect(calls).toEqual([
      'DescribeVolumesModifications',
      'ModifyVolume',
      'DescribeVolumesModifications',
      'DescribeVolumesModifications',
    ])
  })

  it('a modification still running to another size is reported, and nothing is called', async () => {
    const {ctx, calls} = fakeEc2({DescribeVolumesModifications: modifications(mod('optimizing', 25))})
    await expect(growVolume(ctx, grow)).rejects.toThrow(
      /volume vol-1 \(etcd-control-plane-a\): a modification \(started 2026-12-02T10:00:00.000Z, optimizing 40%, 20 -> 25 GiB\) is still running.*one change at a time/,
    )
    expect(calls).toEqual(['DescribeVolumesModifications'])
  })

  it('one running to this size (an apply interrupted after its call) is waited for, not repeated', async () => {
    const {ctx, calls} = fakeEc2({
      DescribeVolumesModifications: [
        modifications(mod('modifying', 30)),
        modifications(mod('completed', 30)),
      ],
    })
    await growVolume(ctx, grow)
    expect(calls).not.toContain('ModifyVolume')
  })

  it("EBS's rate refusal is passed on with the last modification's start", async () => {
    const refusal = Object.assign(
      new Error(
        "You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.",
      ),
      {name: 'VolumeModificationRateExceeded'},
    )
    const {ctx} = fakeEc2({
      DescribeVolumesModifications: modifications(mod('completed', 25, '2026-12-02T11:00:00Z')),
      ModifyVolume: () => {
        throw refusal
      },
    })
    await expect(growVolume(ctx, grow)).rejects.toThrow(
      /EBS refused to grow it from 20 to 30 GiB now \(VolumeModificationRateExceeded: .*6 hours.*\); its last modification started 2026-12-02T11:00:00.000Z, completed 100%/,
    )
  })

  it('a modification that fails says why', async () => {
    const failed = {...mod('failed', 30, '2026-12-02T12:00:00Z'), StatusMessage: 'insufficient capacity'}
    const {ctx} = fakeEc2({
      DescribeVolumesModifications: [modifications(), modifications(failed)],
      ModifyVolume: () => ({VolumeModification: mod('modifying', 30)}),
    })
    await expect(growVolume(ctx, grow)).rejects.toThrow(/growing to 30 GiB failed: insufficient capacity/)
  })
})
