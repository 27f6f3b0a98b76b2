/**
 * Volume in a CloudFormation stack (`AWS::EC2::Volume`): always retained (cfn/template.ts). A
 * larger Size is an in-place update (CloudFormation calls ModifyVolume); what the direct target
 * refuses (a shrink, another zone or type) is refused before the change set runs.
 */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {volumeKind} from './volume.js'
import {type VolumeShape, volumeRefusals} from './volume-grow.js'

function shapeOf(p: Record<string, unknown>): VolumeShape {
  return {
    zone: String(p.AvailabilityZone ?? ''),
    size: Number(p.Size ?? 0),
    volumeType: String(p.VolumeType ?? ''),
    encrypted: p.Encrypted === true || p.Encrypted === 'true',
  }
}

export const volumeCfn = cfnRendering(volumeKind, {
  type: 'AWS::EC2::Volume',
  render: (props) => ({
    Properties: {
      AvailabilityZone: props.zone,
      Size: props.size,
      VolumeType: props.volumeType,
      Encrypted: props.encrypted,
      Tags: toTagList(props.tags),
    },
  }),
  attr: () => 'Ref',
  refusals: (name, before, after) => volumeRefusals(name, shapeOf(before), shapeOf(after)),
})
