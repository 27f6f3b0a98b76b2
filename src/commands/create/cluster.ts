import {readFile} from 'node:fs/promises'
import {Args, Flags} from '@oclif/core'
import type {CreateClusterOptions, ExistingNetwork} from '../../api/v1alpha1/flags.js'
import {BaseCommand} from '../../cli/base.js'
import {createdText, createFlags, storeCluster} from '../../cli/create.js'
import {errorMessage, KforgeError} from '../../util/errors.js'

const list = (value: string | undefined) =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')

export default class CreateCluster extends BaseCommand<typeof CreateCluster> {
  static override description = `Build a complete cluster spec from flags, store it, and plan it.

One control-plane node for one zone, three for more, spread over the zones, each in its own instance group of one (control-plane-<zone>, or control-plane-<zone>-<n> when a zone has several) so every node keeps its etcd member; a "nodes" group over every zone; subnets carved from the network CIDR. --dry-run -o yaml prints the spec and stores nothing: edit it and pass it to "kforge create -f".`

  static override examples = [
    '<%= config.bin %> create cluster demo.example.com --zones us-east-1a,us-east-1b,us-east-1c --dry-run -o yaml',
    '<%= config.bin %> create cluster demo.example.com --zones us-east-1a,us-east-1b,us-east-1c --topology private --bastion --dry-run',
    '<%= config.bin %> create cluster demo.example.com --zones us-east-1a',
  ]

  static override args = {
    name: Args.string({required: true, description: 'cluster name, a DNS name (demo.example.com)'}),
  }

  static override flags = {
    zones: Flags.string({required: true, description: 'availability zones, comma-separated'}),
    'control-plane-count': Flags.integer({
      description: 'control-plane nodes, odd, one instance group each (default: 1 for one zone, else 3)',
      min: 1,
    }),
    'node-count': Flags.integer({description: 'worker nodes (default: 2, or one per zone)', min: 0}),
    'control-plane-size': Flags.string({description: 'control-plane instance type (default: t3.medium)'}),
    'node-size': Flags.string({description: 'worker instance type (default: t3.medium)'}),
    'kubernetes-version': Flags.string({description: 'vX.Y.Z (default: v1.37.2)'}),
    'dns-zone': Flags.string({description: "Route53 zone (default: the cluster name's parent domain)"}),
    'network-cidr': Flags.string({description: 'VPC CIDR (default: 10.0.0.0/16)'}),
    'vpc-id': Flags.string({description: 'use this existing VPC (its CIDR and subnets are read from EC2)'}),
    'subnet-ids': Flags.string({
      description: 'existing subnets for nodes, comma-separated',
      dependsOn: ['vpc-id'],
    }),
    'utility-subnet-ids': Flags.string({
      description: 'existing utility subnets (private topology)',
      dependsOn: ['vpc-id'],
    }),
    topology: Flags.string({
      description: 'public or private subnets for nodes',
      options: ['public', 'private'],
      default: 'public',
    }),
    bastion: Flags.boolean({description: 'add a bastion group in the utility subnets (private topology)'}),
    'api-access': Flags.string({
      description: 'CIDRs allowed to reach the API, comma-separated (default: 0.0.0.0/0)',
    }),
    'ssh-access': Flags.string({
      description:
        'CIDRs allowed to SSH to the bastion (or, without one, the nodes), comma-separated (default: none)',
    }),
    'ssh-public-key': Flags.string({
      description: 'OpenSSH public key file to import as the instances key pair',
    }),
    image: Flags.string({
      description:
        'machine image: an AMI id, or OWNER/NAME-PATTERN for the newest match (default: Ubuntu 24.04)',
    }),
    'kms-key': Flags.string({description: 'KMS key ARN for asset encryption (default: kforge creates one)'}),
    ...createFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const {clusterFromOptions} = await import('../../api/v1alpha1/flags.js')
    if (f['network-cidr'] !== undefined && f['vpc-id'] !== undefined) {
      throw new KforgeError(
        '--network-cidr and --vpc-id: the network CIDR of an existing VPC is read from EC2; pass one or the other',
      )
    }
    const options: CreateClusterOptions = {
      name: this.args.name,
      zones: list(f.zones) ?? [],
      topology: f.topology as 'public' | 'private',
      bastion: f.bastion,
      ...(f['control-plane-count'] === undefined ? {} : {controlPlaneCount: f['control-plane-count']}),
      ...(f['node-count'] === undefined ? {} : {nodeCount: f['node-count']}),
      ...(f['control-plane-size'] === undefined ? {} : {controlPlaneSize: f['control-plane-size']}),
      ...(f['node-size'] === undefined ? {} : {nodeSize: f['node-size']}),
      ...(f['kubernetes-version'] === undefined ? {} : {kubernetesVersion: f['kubernetes-version']}),
      ...(f['dns-zone'] === undefined ? {} : {dnsZone: f['dns-zone']}),
      ...(f['network-cidr'] === undefined ? {} : {networkCIDR: f['network-cidr']}),
      ...(f['api-access'] === undefined ? {} : {apiAccess: list(f['api-access'])}),
      ...(f['ssh-access'] === undefined ? {} : {sshAccess: list(f['ssh-access'])}),
      ...(f['kms-key'] === undefined ? {} : {kmsKeyArn: f['kms-key']}),
      ...(f.image === undefined ? {} : {image: f.image}),
      ...(f['ssh-public-key'] === undefined ? {} : {sshPublicKey: await readPublicKey(f['ssh-public-key'])}),
      ...(f['vpc-id'] === undefined ? {} : {existing: await this.existingNetwork(f['vpc-id'])}),
    }
    const cluster = clusterFromOptions(options)
    const {printSpec} = await import('../../api/v1alpha1/print.js')
    if (f['dry-run']) {
      printSpec(cluster, this.outputFormat, 'Dry run: nothing was stored. Use -o yaml for the complete spec.')
      return
    }
    const text = this.outputFormat === 'text'
    const result = await storeCluster(cluster, f, {
      command: `create cluster ${cluster.name}`,
      logger: this.logger,
      onPlan: (plan) => {
        if (text) process.stdout.write(plan)
      },
    })
    this.print(result, () => createdText(result))
  }

  private async existingNetwork(vpcId: string): Promise<ExistingNetwork> {
    const {awsClients} = await import('../../cli/cluster.js')
    const {describeExistingNetwork} = await import('../../specs/existing-network.js')
    const aws = await awsClients(this.flags)
    return describeExistingNetwork(aws, {
      vpcId,
      subnetIds: list(this.flags['subnet-ids']) ?? [],
      utilitySubnetIds: list(this.flags['utility-subnet-ids']) ?? [],
      topology: this.flags.topology as 'public' | 'private',
    })
  }
}

async function readPublicKey(file: string): Promise<string> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new KforgeError(`--ssh-public-key ${file}: cannot read it (${errorMessage(err)})`)
  }
  if (text.includes('PRIVATE KEY')) {
    throw new KforgeError(
      `--ssh-public-key ${file}: this is a private key; pass the public key (the .pub file)`,
    )
  }
  return text.trim()
}
