/** Vpc in a CloudFormation stack (`AWS::EC2::VPC`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {vpcKind} from './vpc.js'

export const vpcCfn = cfnRendering(vpcKind, {
  type: 'AWS::EC2::VPC',
  render: (props) => {
    return {
      Properties: {
        CidrBlock: props.cidr,
        EnableDnsHostnames: props.enableDnsHostnames,
        EnableDnsSupport: props.enableDnsSupport,
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => (attr === 'id' ? 'Ref' : {getAtt: attr === 'cidr' ? 'CidrBlock' : attr}),
})
