/**
 * The emulator's DeleteStack deletes a stack's resources dependents first, whatever Python's
 * string hashing. moto walks a set of logical names, whose order follows PYTHONHASHSEED: with most
 * seeds its target group went before the auto-scaling group that names it, the group's delete
 * then failed (TargetGroupNotFound) and so did `delete cluster` on a stack-deployed cluster, on
 * some CI runs only. Seeds 0, 2 and 3 failed that way before the launcher's fix (moto-cfn.ts).
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation'
import {describe, expect, it} from 'vitest'
import {startMoto} from '../support/moto.js'

const region = 'us-east-1'

const template = {
  Resources: {
    Vpc: {Type: 'AWS::EC2::VPC', Properties: {CidrBlock: '10.0.0.0/16'}},
    Subnet: {
      Type: 'AWS::EC2::Subnet',
      Properties: {VpcId: {Ref: 'Vpc'}, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${region}a`},
    },
    Targets: {
      Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
      Properties: {Port: 443, Protocol: 'TCP', VpcId: {Ref: 'Vpc'}, TargetType: 'instance'},
    },
    Template: {
      Type: 'AWS::EC2::LaunchTemplate',
      Properties: {LaunchTemplateData: {ImageId: 'ami-12c6146b', InstanceType: 't3.small'}},
    },
    Group: {
      Type: 'AWS::AutoScaling::AutoScalingGroup',
      Properties: {
        MinSize: '1',
        MaxSize: '1',
        VPCZoneIdentifier: [{Ref: 'Subnet'}],
        LaunchTemplate: {
          LaunchTemplateId: {Ref: 'Template'},
          Version: {'Fn::GetAtt': ['Template', 'LatestVersionNumber']},
        },
        TargetGroupARNs: [{Ref: 'Targets'}],
      },
    },
  },
}

describe('the emulator deletes a stack dependents first', () => {
  it.each(['0', '1', '2', '3'])('with PYTHONHASHSEED=%s', {timeout: 60_000}, async (seed) => {
    const moto = await startMoto({env: {PYTHONHASHSEED: seed}})
    try {
      const cfn = new CloudFormationClient({
        region,
        endpoint: moto.endpoint,
        credentials: {accessKeyId: 'testing', secretAccessKey: 'testing'},
      })
      const made = await cfn.send(
        new CreateStackCommand({StackName: 'order', TemplateBody: JSON.stringify(template)}),
      )
      await cfn.send(new DeleteStackCommand({StackName: 'order'}))
      const {Stacks} = await cfn.send(new DescribeStacksCommand({StackName: made.StackId}))
      expect(Stacks?.[0]?.StackStatus).toBe('DELETE_COMPLETE')
    } finally {
      await moto.stop()
    }
  })
})
