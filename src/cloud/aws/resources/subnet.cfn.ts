/** Subnet in a CloudFormation stack (`AWS::EC2::Subnet`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {subnetKind} from './subnet.js'

export const subnetCfn = cfnRendering(subnetKind, {
  type: 'AWS::EC2::Subnet',
  render: (props) => {
    return {
      Properties: {
        VpcId: props.vpcId,
        CidrBlock: props.cidr,
        AvailabilityZone: props.zone,
        MapPublicIpOnLaunch: props.mapPublicIpOnLaunch,
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr === 'zone' ? 'AvailabilityZone' : attr}),
})
