/** InternetGateway in a CloudFormation stack (`AWS::EC2::InternetGateway`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {internetGatewayKind} from './internet-gateway.js'

export const internetGatewayCfn = cfnRendering(internetGatewayKind, {
  type: 'AWS::EC2::InternetGateway',
  render: (props) => ({
    Properties: {Tags: toTagList(props.tags)},
  }),
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr}),
})
