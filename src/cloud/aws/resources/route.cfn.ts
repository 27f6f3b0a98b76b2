/** Route in a CloudFormation stack (`AWS::EC2::Route`). */
import {cfnRendering} from '../cfn/kind.js'
import {routeKind} from './route.js'

export const routeCfn = cfnRendering(routeKind, {
  type: 'AWS::EC2::Route',
  render: (props) => {
    return {
      Properties: {
        RouteTableId: props.routeTableId,
        DestinationCidrBlock: props.destination,
        ...(props.gatewayId ? {GatewayId: props.gatewayId} : {}),
        ...(props.natGatewayId ? {NatGatewayId: props.natGatewayId} : {}),
      },
    }
  },
  attr: () => 'Ref',
})
