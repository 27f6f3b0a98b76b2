/** Volume in a CloudFormation stack (`AWS::EC2::Volume`): always retained (cfn/template.ts). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {volumeKind} from './volume.js'

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
})
