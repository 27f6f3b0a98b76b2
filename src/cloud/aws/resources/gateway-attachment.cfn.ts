/** GatewayAttachment in a CloudFormation stack (`AWS::EC2::VPCGatewayAttachment`). */
import {cfnRendering} from '../cfn/kind.js'
import {gatewayAttachmentKind} from './gateway-attachment.js'

export const gatewayAttachmentCfn = cfnRendering(gatewayAttachmentKind, {
  type: 'AWS::EC2::VPCGatewayAttachment',
  render: (props) => {
    return {
      Properties: {VpcId: props.vpcId, InternetGatewayId: props.internetGatewayId},
    }
  },
  attr: () => 'Ref',
})
