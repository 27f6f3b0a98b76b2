/** InstanceProfile in a CloudFormation stack (`AWS::IAM::InstanceProfile`). */
import {cfnRendering} from '../cfn/kind.js'
import {instanceProfileKind} from './instance-profile.js'

export const instanceProfileCfn = cfnRendering(instanceProfileKind, {
  type: 'AWS::IAM::InstanceProfile',
  render: (props) => {
    return {
      Properties: {InstanceProfileName: props.name, Path: props.path, Roles: [props.roleName]},
    }
  },
  attr: (attr) => (attr === 'arn' ? {getAtt: 'Arn'} : 'Ref'),
})
