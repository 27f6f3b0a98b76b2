/** AutoScalingGroup in a CloudFormation stack (`AWS::AutoScaling::AutoScalingGroup`). */
import {cfnRendering} from '../cfn/kind.js'
import {autoScalingGroupKind} from './autoscaling-group.js'

export const autoScalingGroupCfn = cfnRendering(autoScalingGroupKind, {
  type: 'AWS::AutoScaling::AutoScalingGroup',
  render: (props) => {
    return {
      Properties: {
        AutoScalingGroupName: props.name,
        MinSize: String(props.minSize),
        MaxSize: String(props.maxSize),
        DesiredCapacity: String(props.minSize),
        LaunchTemplate: {LaunchTemplateId: props.launchTemplateId, Version: props.launchTemplateVersion},
        VPCZoneIdentifier: props.subnetIds,
        ...(props.targetGroupArns.length > 0 ? {TargetGroupARNs: props.targetGroupArns} : {}),
        Tags: Object.keys(props.tags)
          .sort()
          .map((Key) => ({Key, Value: props.tags[Key], PropagateAtLaunch: true})),
      },
    }
  },
  attr: () => 'Ref',
})
