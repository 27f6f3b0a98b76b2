/** RouteTableAssociation in a CloudFormation stack (`AWS::EC2::SubnetRouteTableAssociation`). */
import {cfnRendering} from '../cfn/kind.js'
import {routeTableAssociationKind} from './route-table-association.js'

export const routeTableAssociationCfn = cfnRendering(routeTableAssociationKind, {
  type: 'AWS::EC2::SubnetRouteTableAssociation',
  render: (props) => {
    return {
      Properties: {RouteTableId: props.routeTableId, SubnetId: props.subnetId},
    }
  },
  attr: () => 'Ref',
})
