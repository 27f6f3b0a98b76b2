/** RolePolicy in a CloudFormation stack (`AWS::IAM::Policy`). */
import {cfnRendering} from '../cfn/kind.js'
import {rolePolicyKind} from './role-policy.js'

export const rolePolicyCfn = cfnRendering(rolePolicyKind, {
  type: 'AWS::IAM::Policy',
  render: (props) => {
    return {
      Properties: {PolicyName: props.policyName, PolicyDocument: props.document, Roles: [props.roleName]},
    }
  },
  attr: () => 'Ref',
})
