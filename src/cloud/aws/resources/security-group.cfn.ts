/** SecurityGroup in a CloudFormation stack (`AWS::EC2::SecurityGroup`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {securityGroupKind} from './security-group.js'

export const securityGroupCfn = cfnRendering(securityGroupKind, {
  type: 'AWS::EC2::SecurityGroup',
  render: (props) => {
    return {
      Properties: {
        GroupName: props.groupName,
        GroupDescription: props.description,
        VpcId: props.vpcId,
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => (attr === 'id' ? {getAtt: 'GroupId'} : {getAtt: attr}),
})
