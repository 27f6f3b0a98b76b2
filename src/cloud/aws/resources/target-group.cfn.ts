/** TargetGroup in a CloudFormation stack (`AWS::ElasticLoadBalancingV2::TargetGroup`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {targetGroupKind} from './target-group.js'

export const targetGroupCfn = cfnRendering(targetGroupKind, {
  type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
  render: (props) => {
    return {
      Properties: {
        Name: props.name,
        Protocol: 'TCP',
        Port: props.port,
        VpcId: props.vpcId,
        TargetType: 'instance',
        HealthCheckProtocol: 'TCP',
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => (attr === 'name' ? {getAtt: 'TargetGroupName'} : 'Ref'),
})
