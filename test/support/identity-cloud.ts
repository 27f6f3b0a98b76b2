/**
 * The AWS side the node-identity service checks an instance against, made in the suite's
 * (unenforced) emulator: a cluster's node role, a node auto-scaling group with running instances,
 * an instance of the cluster in no group, and the credentials EC2 hands an instance through its
 * profile (registered with the STS front of test/support/sts-presign.ts, which checks presigned
 * requests as STS does). The service test and the CLI join test made this the same way; one place
 * does it now, so both check the service against the same cloud.
 */
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling'
import {
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2'
import {CreateRoleCommand, IAMClient} from '@aws-sdk/client-iam'
import {AssumeRoleCommand, STSClient} from '@aws-sdk/client-sts'
import {awsNames} from '../../src/cloud/aws/build/names.js'
import type {AwsCredentials} from '../../src/identity/proof.js'
import type {StsFront} from './sts-presign.js'

const ACCOUNT = '123456789012'
const IMAGE = 'ami-12c6146b'

export interface Instance {
  id: string
  nodeName: string
}

export function identityCloud(region: string, endpoint: () => string) {
  const admin = () => ({
    region,
    endpoint: endpoint(),
    credentials: {accessKeyId: 'AKIAADMIN', secretAccessKey: 'x'},
  })

  async function describeInstances(ids: string[]): Promise<Instance[]> {
    const out = await new EC2Client(admin()).send(new DescribeInstancesCommand({InstanceIds: ids}))
    return out
      .Reservations!.flatMap((r) => r.Instances!)
      .map((i) => ({id: i.InstanceId!, nodeName: i.PrivateDnsName!}))
  }

  return {
    /** The cluster's node instance role, trusting EC2 as kforge's does: its ARN. */
    async nodeRole(cluster: string): Promise<string> {
      const name = awsNames.instanceRole('nodes', cluster)
      await new IAMClient(admin()).send(
        new CreateRoleCommand({
          RoleName: name,
          Path: `/kforge/${cluster}/`,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {Effect: 'Allow', Principal: {Service: 'ec2.amazonaws.com'}, Action: 'sts:AssumeRole'},
            ],
          }),
        }),
      )
      return `arn:aws:iam::${ACCOUNT}:role/kforge/${cluster}/${name}`
    },

    /** The cluster's node group (kforge's names and tags) with `size` instances: its instances. */
    async nodeGroup(cluster: string, size: number): Promise<Instance[]> {
      const asg = new AutoScalingClient(admin())
      const group = awsNames.autoScalingGroup('nodes', cluster)
      const template = awsNames.launchTemplate('nodes', cluster)
      await new EC2Client(admin()).send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: template,
          LaunchTemplateData: {ImageId: IMAGE, InstanceType: 't3.medium'},
        }),
      )
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: group,
          LaunchTemplate: {LaunchTemplateName: template, Version: '$Latest'},
          MinSize: size,
          MaxSize: size,
          DesiredCapacity: size,
          AvailabilityZones: [`${region}a`],
          Tags: [
            {Key: 'KubernetesCluster', Value: cluster, PropagateAtLaunch: true},
            {Key: 'k8s.io/role/node', Value: '1', PropagateAtLaunch: true},
          ],
        }),
      )
      const ids = (
        await asg.send(new DescribeAutoScalingGroupsCommand({AutoScalingGroupNames: [group]}))
      ).AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId!)
      return describeInstances(ids)
    },

    /** An instance tagged with the cluster's name but launched by no auto-scaling group. */
    async strayInstance(cluster: string): Promise<Instance> {
      const run = await new EC2Client(admin()).send(
        new RunInstancesCommand({
          ImageId: IMAGE,
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'KubernetesCluster', Value: cluster}]}],
        }),
      )
      return (await describeInstances([run.Instances![0]!.InstanceId!]))[0]!
    },

    /**
     * What EC2 hands the instance through its profile: the role's credentials, the session named
     * after the instance; registered with `front` so that it can check what they sign.
     */
    async instanceCredentials(
      front: StsFront,
      roleArn: string,
      instanceId: string,
    ): Promise<AwsCredentials & {sessionToken: string}> {
      const c = (
        await new STSClient(admin()).send(
          new AssumeRoleCommand({RoleArn: roleArn, RoleSessionName: instanceId}),
        )
      ).Credentials!
      const creds = {
        accessKeyId: c.AccessKeyId!,
        secretAccessKey: c.SecretAccessKey!,
        sessionToken: c.SessionToken!,
      }
      front.register(creds)
      return creds
    },
  }
}
