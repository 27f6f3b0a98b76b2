/** NatGateway in a CloudFormation stack (`AWS::EC2::NatGateway`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {natGatewayKind} from './nat-gateway.js'

export const natGatewayCfn = cfnRendering(natGatewayKind, {
  type: 'AWS::EC2::NatGateway',
  render: (props) => {
    return {
      Properties: {SubnetId: props.subnetId, AllocationId: props.allocationId, Tags: toTagList(props.tags)},
    }
  },
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr}),
})
