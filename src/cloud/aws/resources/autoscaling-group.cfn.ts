/** AutoScalingGroup in a CloudFormation stack (`AWS::AutoScaling::AutoScalingGroup`). */
import {cfnRendering} from '../cfn/kind.js'
import {mixedInstancesPolicy} from './autoscaling-fleet.js'
import {autoScalingGroupKind} from './autoscaling-group.js'

export const autoScalingGroupCfn = cfnRendering(autoScalingGroupKind, {
  type: 'AWS::AutoScaling::AutoScalingGroup',
  render: (props) => {
    const template = {LaunchTemplateId: props.launchTemplateId, Version: props.launchTemplateVersion}
    return {
      Properties: {
        AutoScalingGroupName: props.name,
        MinSize: String(props.minSize),
        MaxSize: String(props.maxSize),
        DesiredCapacity: String(props.minSize),
        // The same structure the direct target sends (CreateAutoScalingGroup).
        ...(props.mixedInstances
          ? {MixedInstancesPolicy: mixedInstancesPolicy(props.mixedInstances, template)}
          : {LaunchTemplate: template}),
        ...(props.metrics.length > 0
          ? {MetricsCollection: [{Granularity: '1Minute', Metrics: [...props.metrics]}]}
          : {}),
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
