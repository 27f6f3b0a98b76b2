/** Listener in a CloudFormation stack (`AWS::ElasticLoadBalancingV2::Listener`). */
import {cfnRendering} from '../cfn/kind.js'
import {listenerKind} from './listener.js'

export const listenerCfn = cfnRendering(listenerKind, {
  type: 'AWS::ElasticLoadBalancingV2::Listener',
  render: (props) => {
    return {
      Properties: {
        LoadBalancerArn: props.loadBalancerArn,
        Protocol: 'TCP',
        Port: props.port,
        DefaultActions: [{Type: 'forward', TargetGroupArn: props.targetGroupArn}],
      },
    }
  },
  attr: () => 'Ref',
})
