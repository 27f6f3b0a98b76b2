/** RouteTable in a CloudFormation stack (`AWS::EC2::RouteTable`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {routeTableKind} from './route-table.js'

export const routeTableCfn = cfnRendering(routeTableKind, {
  type: 'AWS::EC2::RouteTable',
  render: (props) => {
    return {Type: 'AWS::EC2::RouteTable', Properties: {VpcId: props.vpcId, Tags: toTagList(props.tags)}}
  },
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr}),
})
