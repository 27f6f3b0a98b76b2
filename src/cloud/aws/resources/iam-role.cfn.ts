/** IamRole in a CloudFormation stack (`AWS::IAM::Role`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {iamRoleKind} from './iam-role.js'

export const iamRoleCfn = cfnRendering(iamRoleKind, {
  type: 'AWS::IAM::Role',
  render: (props) => {
    return {
      Properties: {
        RoleName: props.name,
        Path: props.path,
        Description: props.description,
        AssumeRolePolicyDocument: props.assumeRolePolicy,
        ...(props.managedPolicyArns ? {ManagedPolicyArns: [...props.managedPolicyArns].sort()} : {}),
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => (attr === 'arn' ? {getAtt: 'Arn'} : 'Ref'),
})
