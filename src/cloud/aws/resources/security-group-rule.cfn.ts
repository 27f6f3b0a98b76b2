/** SecurityGroupRule in a CloudFormation stack (`AWS::EC2::SecurityGroupIngress`). */
import {cfnRendering} from '../cfn/kind.js'
import {securityGroupRuleKind} from './security-group-rule.js'

export const securityGroupRuleCfn = cfnRendering(securityGroupRuleKind, {
  type: 'AWS::EC2::SecurityGroupIngress',
  render: (props) => {
    const numbered = props.protocol === 'tcp' || props.protocol === 'udp' || props.protocol === 'icmp'
    // A protocol number other than -1 gets explicit -1 ports, as in the direct target: AWS ignores
    // them, and the emulator refuses the rule without them.
    const explicit = numbered || props.protocol !== '-1'
    return {
      ...(explicit && !numbered ? {Metadata: {'cfn-lint': {config: {ignore_checks: ['W3687']}}}} : {}),
      Properties: {
        GroupId: props.groupId,
        IpProtocol: props.protocol,
        ...(explicit ? {FromPort: numbered ? props.fromPort : -1, ToPort: numbered ? props.toPort : -1} : {}),
        ...(props.cidr ? {CidrIp: props.cidr} : {}),
        ...(props.sourceIp === undefined
          ? {}
          : {
              CidrIp:
                typeof props.sourceIp === 'string'
                  ? `${props.sourceIp}/32`
                  : {'Fn::Join': ['', [props.sourceIp, '/32']]},
            }),
        ...(props.sourceGroupId ? {SourceSecurityGroupId: props.sourceGroupId} : {}),
        Description: props.description,
      },
    }
  },
  attr: () => 'Ref',
})
