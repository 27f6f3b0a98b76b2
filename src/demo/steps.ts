/**
 * The demo's script: each step is a real CLI invocation (or a direct look at the emulator).
 * Steps are added here as kforge grows; the runner in run.ts stays the same.
 */
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {parseAllDocuments} from 'yaml'
import type {DemoContext, DemoStep} from './types.js'

function head(text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.length <= lines
    ? all.join('\n')
    : `${all.slice(0, lines).join('\n')}\n… (${all.length - lines} more lines)`
}

/** The last lines of a command's stderr: where progress and plans go. */
function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.length <= lines
    ? all.join('\n')
    : `… (${all.length - lines} lines before)\n${all.slice(-lines).join('\n')}`
}

const CLUSTER_TAG = (c: DemoContext) => `kubernetes.io/cluster/${c.cluster}`

/** Instances of the cluster, with the tags the AWS cloud provider and the autoscaler read. */
async function showInstances(c: DemoContext): Promise<string> {
  const {DescribeInstancesCommand, EC2Client} = await import('@aws-sdk/client-ec2')
  const ec2 = new EC2Client({})
  const out = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        {Name: `tag:${CLUSTER_TAG(c)}`, Values: ['owned']},
        {Name: 'instance-state-name', Values: ['pending', 'running']},
      ],
    }),
  )
  const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])
  const rows = instances.map((i) => {
    const tag = (k: string) => i.Tags?.find((t) => t.Key === k)?.Value ?? ''
    const role =
      (i.Tags ?? []).find((t) => t.Key?.startsWith('k8s.io/role/'))?.Key?.slice('k8s.io/role/'.length) ?? ''
    return `${i.InstanceId}  ${i.InstanceType}  ${i.Placement?.AvailabilityZone}  ${role.padEnd(13)}  ${tag('kforge.dev/instancegroup')}  ${CLUSTER_TAG(c)}=${tag(CLUSTER_TAG(c))}`
  })
  return `${instances.length} instances\n${rows.sort().join('\n')}`
}

/** Everything still tagged as owned by the cluster, across the services kforge uses. */
async function ownedLeft(c: DemoContext): Promise<string> {
  const ec2 = await import('@aws-sdk/client-ec2')
  const client = new ec2.EC2Client({})
  const filter = [{Name: `tag:${CLUSTER_TAG(c)}`, Values: ['owned']}]
  const asg = await import('@aws-sdk/client-auto-scaling')
  const groups = await new asg.AutoScalingClient({}).send(
    new asg.DescribeAutoScalingGroupsCommand({Filters: [{Name: `tag:${CLUSTER_TAG(c)}`, Values: ['owned']}]}),
  )
  const [vpcs, subnets, sgs, lts, instances] = await Promise.all([
    client.send(new ec2.DescribeVpcsCommand({Filters: filter})),
    client.send(new ec2.DescribeSubnetsCommand({Filters: filter})),
    client.send(new ec2.DescribeSecurityGroupsCommand({Filters: filter})),
    client.send(new ec2.DescribeLaunchTemplatesCommand({Filters: filter})),
    client.send(
      new ec2.DescribeInstancesCommand({
        Filters: [...filter, {Name: 'instance-state-name', Values: ['pending', 'running']}],
      }),
    ),
  ])
  return [
    `VPCs ${vpcs.Vpcs?.length ?? 0}`,
    `subnets ${subnets.Subnets?.length ?? 0}`,
    `security groups ${sgs.SecurityGroups?.length ?? 0}`,
    `launch templates ${lts.LaunchTemplates?.length ?? 0}`,
    `auto-scaling groups ${groups.AutoScalingGroups?.length ?? 0}`,
    `running instances ${(instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).length}`,
  ].join(', ')
}

/** Edit the stored spec file: the nodes group grows to `size`. */
function scaleNodes(c: DemoContext, size: number): void {
  const file = join(c.work, 'cluster.yaml')
  const docs = parseAllDocuments(readFileSync(file, 'utf8'))
  for (const doc of docs) {
    if (doc.get('kind') === 'InstanceGroup' && doc.getIn(['metadata', 'name']) === 'nodes') {
      doc.setIn(['spec', 'minSize'], size)
      doc.setIn(['spec', 'maxSize'], size)
    }
  }
  writeFileSync(file, docs.map((d) => d.toString()).join(''))
}

/** The emulator ships older Canonical images only; real AWS uses the default (Ubuntu 24.04). */
const EMULATOR_IMAGE = '099720109477/ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*'

export function demoSteps(): DemoStep[] {
  const zones = (c: DemoContext) => c.zones.join(',')
  return [
    {
      title: 'Build a complete 3-zone HA spec from flags (nothing stored)',
      args: (c) => [
        'create',
        'cluster',
        c.cluster,
        '--zones',
        zones(c),
        '--image',
        EMULATOR_IMAGE,
        '--dry-run',
        '-o',
        'yaml',
      ],
      show: (r) => head(r.stdout, 24),
    },
    {
      title: 'Create the cluster: validate the spec and store it (no cloud calls yet)',
      args: (c) => ['create', 'cluster', c.cluster, '--zones', zones(c), '--image', EMULATOR_IMAGE],
      show: (r) => head(`${r.stdout}${r.stderr}`, 30),
    },
    {title: 'List clusters in the state store', args: () => ['get', 'clusters']},
    {title: 'List its instance groups', args: (c) => ['get', 'instancegroups', '--name', c.cluster]},
    {
      title: 'Preview the plan: Will create … (nothing written, nothing applied)',
      args: (c) => ['update', 'cluster', c.cluster],
      show: (r) => head(`${r.stderr}${r.stdout}`, 24),
    },
    {
      title: 'Apply the plan: prerequisites, network, security, cluster phases, with progress',
      args: (c) => ['update', 'cluster', c.cluster, '--yes'],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 14),
    },
    {title: 'The instances the groups launched, with their tags', args: () => [], check: showInstances},
    {
      title: 'A second update finds nothing to do',
      args: (c) => ['update', 'cluster', c.cluster],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 4),
    },
    {
      title: 'Export the CloudFormation stack (deterministic bytes, for git)',
      args: (c) => ['export', 'cloudformation', c.cluster, '--out', join(c.work, 'stack')],
      show: (_r, c) =>
        readdirSync(join(c.work, 'stack'))
          .map((f) => `${f}  ${statSync(join(c.work, 'stack', f)).size} bytes`)
          .join('\n'),
    },
    {
      title: 'Export an admin kubeconfig (merged, selected, 0600)',
      args: (c) => ['export', 'kubeconfig', c.cluster, '--admin', '--kubeconfig', join(c.work, 'kubeconfig')],
      show: (r, c) =>
        `${r.stdout}${r.stderr}`.trim() +
        `\nmode ${(statSync(join(c.work, 'kubeconfig')).mode & 0o777).toString(8)}, ` +
        `current-context: ${/current-context: (.*)/.exec(readFileSync(join(c.work, 'kubeconfig'), 'utf8'))?.[1]}`,
    },
    {
      title: 'Scale the nodes from 3 to 5: edit the spec, replace it, apply',
      args: (c) => ['get', 'cluster', c.cluster, '-o', 'yaml'],
      show: () => 'saved the spec to cluster.yaml; nodes minSize/maxSize 3 -> 5',
      after: (r, c) => {
        writeFileSync(join(c.work, 'cluster.yaml'), r.stdout)
        scaleNodes(c, 5)
      },
    },
    {title: 'Replace the stored spec', args: (c) => ['replace', '-f', join(c.work, 'cluster.yaml')]},
    {
      title: 'Apply: only the nodes group changes',
      args: (c) => ['update', 'cluster', c.cluster, '--yes'],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 10),
    },
    {
      title: 'Upgrade one patch version (cloud only: the emulator runs no Kubernetes API)',
      args: (c) => [
        'upgrade',
        'cluster',
        c.cluster,
        '--kubernetes-version',
        'v1.37.3',
        '--cloudonly',
        '--yes',
      ],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 16),
    },
    {
      title: 'Rolling update: nothing left out of date',
      args: (c) => ['rolling-update', 'cluster', c.cluster, '--cloudonly'],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 6),
    },
    {
      title: 'Validate the cloud side',
      args: (c) => ['validate', 'cluster', c.cluster, '--cloudonly'],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 6),
    },
    {
      title: 'Delete the cluster: everything tagged owned, in dependency order',
      args: (c) => ['delete', 'cluster', c.cluster, '--yes'],
      show: (r) => tail(`${r.stdout}${r.stderr}`, 8),
    },
    {title: 'Nothing owned remains', args: () => [], check: ownedLeft},
  ]
}
