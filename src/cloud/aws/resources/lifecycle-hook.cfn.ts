/**
 * LifecycleHook in a CloudFormation stack (`AWS::AutoScaling::LifecycleHook`). It refers to its
 * group, so CloudFormation deletes it before the group: a stack deletion does not wait on drains.
 */
import {cfnRendering} from '../cfn/kind.js'
import {lifecycleHookKind} from './lifecycle-hook.js'

export const lifecycleHookCfn = cfnRendering(lifecycleHookKind, {
  type: 'AWS::AutoScaling::LifecycleHook',
  render: (props) => ({
    Properties: {
      AutoScalingGroupName: props.groupName,
      LifecycleHookName: props.name,
      LifecycleTransition: props.transition,
      HeartbeatTimeout: props.heartbeatTimeout,
      DefaultResult: props.defaultResult,
    },
  }),
  attr: () => 'Ref',
})
