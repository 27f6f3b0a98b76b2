/** KmsAlias in a CloudFormation stack (`AWS::KMS::Alias`). */
import {cfnRendering} from '../cfn/kind.js'
import {kmsAliasKind} from './kms-alias.js'

export const kmsAliasCfn = cfnRendering(kmsAliasKind, {
  type: 'AWS::KMS::Alias',
  render: (props) => {
    return {Type: 'AWS::KMS::Alias', Properties: {AliasName: props.name, TargetKeyId: props.targetKeyId}}
  },
  attr: () => 'Ref',
})
