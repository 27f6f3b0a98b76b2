/** KmsKey in a CloudFormation stack (`AWS::KMS::Key`). */
import {cfnRendering} from '../cfn/kind.js'
import {kmsKeyKind} from './kms-key.js'

export const kmsKeyCfn = cfnRendering(kmsKeyKind, {
  type: 'AWS::KMS::Key',
  render: (props) => {
    return {
      Properties: {
        Description: props.description,
        EnableKeyRotation: true,
        // What CreateKey gives a key without a policy: the account administers it through IAM.
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Enable IAM policies',
              Effect: 'Allow',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
              Principal: {AWS: {'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}},
              Action: 'kms:*',
              Resource: '*',
            },
          ],
        },
        Tags: Object.keys(props.tags)
          .sort()
          .map((Key) => ({Key, Value: props.tags[Key]})),
      },
    }
  },
  attr: (attr) => (attr === 'arn' ? {getAtt: 'Arn'} : 'Ref'),
})
