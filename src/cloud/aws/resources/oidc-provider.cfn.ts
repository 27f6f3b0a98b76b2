/** OidcProvider in a CloudFormation stack (`AWS::IAM::OIDCProvider`; Ref is its ARN). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {oidcProviderKind} from './oidc-provider.js'

export const oidcProviderCfn = cfnRendering(oidcProviderKind, {
  type: 'AWS::IAM::OIDCProvider',
  render: (props) => ({
    Properties: {Url: props.url, ClientIdList: props.clientIds, Tags: toTagList(props.tags)},
  }),
  attr: (attr) => (attr === 'arn' ? {getAtt: 'Arn'} : 'Ref'),
})
