/** `create cluster --vpc-id --subnet-ids`: the spec records what EC2 (the emulator) says exists. */
import {CreateSubnetCommand, CreateVpcCommand} from '@aws-sdk/client-ec2'
import {beforeAll, describe, expect, inject, it} from 'vitest'
import {parseAllDocuments} from 'yaml'
import {AwsClients} from '../../src/cloud/aws/clients.js'
import {emulatorEnv} from '../support/aws-env.js'
import {runKforge} from '../support/cli.js'

const region = 'eu-central-1'
const zones = ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']
let vpcId: string
let otherSubnet: string
const privateIds: string[] = []
const utilityIds: string[] = []

async function makeVpc(cidr: string): Promise<string> {
  const ec2 = await aws().ec2()
  return (await ec2.send(new CreateVpcCommand({CidrBlock: cidr}))).Vpc!.VpcId!
}

async function makeSubnet(vpc: string, zone: string, cidr: string): Promise<string> {
  const ec2 = await aws().ec2()
  return (await ec2.send(new CreateSubnetCommand({VpcId: vpc, AvailabilityZone: zone, CidrBlock: cidr})))
    .Subnet!.SubnetId!
}

const aws = () => new AwsClients({region, endpoint: inject('awsEndpoint')})

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'testing'
  process.env.AWS_SECRET_ACCESS_KEY = 'testing'
  vpcId = await makeVpc('10.50.0.0/16')
  for (const [i, zone] of zones.entries()) {
    privateIds.push(await makeSubnet(vpcId, zone, `10.50.${i * 16}.0/20`))
    utilityIds.push(await makeSubnet(vpcId, zone, `10.50.${100 + i}.0/24`))
  }
  const other = await makeVpc('10.60.0.0/16')
  otherSubnet = await makeSubnet(other, zones[0]!, '10.60.0.0/20')
})

const create = (...extra: string[]) =>
  runKforge(['create', 'cluster', 'shared.example.com', '--zones', zones.join(','), '--dry-run', ...extra], {
    env: emulatorEnv(region),
  })

describe('create cluster in an existing VPC', () => {
  it('reads the VPC CIDR and each subnet zone and CIDR from EC2', async () => {
    const r = await create(
      '--topology',
      'private',
      '--vpc-id',
      vpcId,
      '--subnet-ids',
      [...privateIds].reverse().join(','),
      '--utility-subnet-ids',
      utilityIds.join(','),
      '-o',
      'yaml',
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const [cluster] = parseAllDocuments(r.stdout).map((d) => d.toJS())
    expect(cluster.spec.cloud.aws.vpcId).toBe(vpcId)
    expect(cluster.spec.networking.networkCIDR).toBe('10.50.0.0/16')
    expect(cluster.spec.networking.subnets).toEqual([
      {
        name: 'eu-central-1c',
        zone: 'eu-central-1c',
        type: 'private',
        cidr: '10.50.32.0/20',
        id: privateIds[2],
      },
      {
        name: 'eu-central-1b',
        zone: 'eu-central-1b',
        type: 'private',
        cidr: '10.50.16.0/20',
        id: privateIds[1],
      },
      {
        name: 'eu-central-1a',
        zone: 'eu-central-1a',
        type: 'private',
        cidr: '10.50.0.0/20',
        id: privateIds[0],
      },
      {
        name: 'utility-eu-central-1a',
        zone: 'eu-central-1a',
        type: 'utility',
        cidr: '10.50.100.0/24',
        id: utilityIds[0],
      },
      {
        name: 'utility-eu-central-1b',
        zone: 'eu-central-1b',
        type: 'utility',
        cidr: '10.50.101.0/24',
        id: utilityIds[1],
      },
      {
        name: 'utility-eu-central-1c',
        zone: 'eu-central-1c',
        type: 'utility',
        cidr: '10.50.102.0/24',
        id: utilityIds[2],
      },
    ])
  })

  it('refuses a subnet of another VPC and a VPC that does not exist', async () => {
    const wrong = await create('--vpc-id', vpcId, '--subnet-ids', `${privateIds[0]},${otherSubnet}`)
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(
      new RegExp(`^Error: --subnet-ids ${otherSubnet}: belongs to vpc-[0-9a-f]+, not --vpc-id ${vpcId}\\n$`),
    )
    const missing = await create('--vpc-id', 'vpc-0123456789abcdef0')
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/^Error: --vpc-id vpc-0123456789abcdef0: not found in eu-central-1/)
  })

  it('needs a utility subnet per private zone, as for a new VPC', async () => {
    const r = await create('--topology', 'private', '--vpc-id', vpcId, '--subnet-ids', privateIds.join(','))
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      'Cluster "shared.example.com": spec.networking.subnets has no utility subnet in zone eu-central-1a (its NAT gateway lives there)',
    )
  })
})
