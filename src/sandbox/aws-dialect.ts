/**
 * What the fault proxy needs to know of each AWS wire protocol: the action a request names, its
 * parameters, the identifiers a create's answer brings into the world, each service's own
 * throttling and NotFound errors, and how to show a resource in a state it has not left yet.
 * Plain string work on the bytes the SDK and the emulator exchange: no XML library, so what the
 * proxy forwards is exactly what the emulator wrote, apart from the one element it rewrites.
 */
import {createHash} from 'node:crypto'
import type {IncomingMessage} from 'node:http'

export interface Call {
  /** The signing service (`ec2`, `autoscaling`, `iam`, `elasticloadbalancing`, `kms`, `route53`, `s3`...). */
  service: string
  /** `DescribeVpcs`, `CreateKey`, `CreateHostedZone`...; `''` when it cannot be told (S3). */
  action: string
  /** Query parameters (query protocols), top-level JSON fields (KMS), or path ids (Route53). */
  params: Map<string, string>
}

export interface Reply {
  status: number
  headers: Record<string, string>
  body: string
}

/** The signing service in `Credential=AKID/date/region/<service>/aws4_request`. */
export function serviceOf(req: IncomingMessage): string {
  const auth = String(req.headers.authorization ?? '')
  return /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown'
}

export function parseCall(req: IncomingMessage, body: Buffer): Call {
  const service = serviceOf(req)
  const params = new Map<string, string>()
  const target = String(req.headers['x-amz-target'] ?? '')
  if (target !== '') {
    // JSON protocols (KMS): `TrentService.CreateKey`, fields in the body.
    try {
      const json = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>
      for (const [k, v] of Object.entries(json)) if (typeof v === 'string') params.set(k, v)
    } catch {
      // Not JSON: no parameters to look at.
    }
    return {service, action: target.split('.').pop() ?? '', params}
  }
  const type = String(req.headers['content-type'] ?? '')
  if (type.includes('x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v)
    return {service, action: params.get('Action') ?? '', params}
  }
  if (service === 'route53')
    return {service, action: route53Action(req, body), params: route53Params(req, body)}
  return {service, action: '', params}
}

/** Route53 is REST: the action is the method and the path. */
function route53Action(req: IncomingMessage, body: Buffer): string {
  const path = ((req.url ?? '').split('?')[0] ?? '').replace(/^\/\d{4}-\d{2}-\d{2}/, '')
  if (path.startsWith('/tags/'))
    return req.method === 'POST' ? 'ChangeTagsForResource' : 'ListTagsForResource'
  if (req.method === 'POST' && path === '/hostedzone') return 'CreateHostedZone'
  if (req.method === 'GET' && /^\/hostedzone\/[^/]+$/.test(path)) return 'GetHostedZone'
  if (req.method === 'DELETE' && /^\/hostedzone\/[^/]+$/.test(path)) return 'DeleteHostedZone'
  if (/\/rrset$/.test(path))
    return req.method === 'POST' ? 'ChangeResourceRecordSets' : 'ListResourceRecordSets'
  return body.length > 0 ? 'Route53Change' : 'Route53Read'
}

function route53Params(req: IncomingMessage, body: Buffer): Map<string, string> {
  const params = new Map<string, string>()
  const zone = /\/hostedzone\/([^/?]+)/.exec(req.url ?? '')?.[1]
  if (zone) params.set('HostedZoneId', zone)
  const ref = /<CallerReference>([^<]*)<\/CallerReference>/.exec(body.toString('utf8'))?.[1]
  if (ref !== undefined) params.set('CallerReference', ref)
  return params
}

/** Reads change nothing: what read-after-write lag applies to. */
export function isRead(action: string): boolean {
  return /^(Describe|Get|List|Head)/.test(action)
}

/** Creates: what brings identifiers into the world. */
export function isCreate(action: string): boolean {
  return /^(Create|Allocate|Import|Run)/.test(action)
}

function requestId(): string {
  return createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 32)
}

const QUERY_ERROR = (code: string, message: string, type = 'Sender') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${code}</Code>` +
  `<Message>${message}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`

const EC2_ERROR = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code>` +
  `<Message>${message}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`

/** An error in the service's own dialect, as the SDK parses it (the code becomes the error's name). */
export function errorReply(service: string, status: number, code: string, message: string): Reply {
  if (service === 'kms') {
    return {
      status,
      headers: {'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId()},
      body: JSON.stringify({__type: code, message}),
    }
  }
  if (service === 'ec2')
    return {status, headers: {'content-type': 'text/xml'}, body: EC2_ERROR(code, message)}
  if (service === 's3') {
    return {
      status,
      headers: {'content-type': 'application/xml'},
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId()}</RequestId></Error>`,
    }
  }
  // AutoScaling, IAM, ELBv2, CloudFormation, STS (query protocol) and Route53 (REST-XML).
  return {
    status,
    headers: {'content-type': 'text/xml', 'x-amzn-requestid': requestId()},
    body: QUERY_ERROR(code, message),
  }
}

/** Each service's throttling error: EC2's RequestLimitExceeded, KMS's ThrottlingException, S3's SlowDown. */
export function throttleReply(service: string): Reply {
  if (service === 'kms') return errorReply(service, 400, 'ThrottlingException', 'Rate exceeded')
  if (service === 'ec2') return errorReply(service, 503, 'RequestLimitExceeded', 'Request limit exceeded.')
  if (service === 's3') return errorReply(service, 503, 'SlowDown', 'Please reduce your request rate.')
  return errorReply(service, 400, 'Throttling', 'Rate exceeded')
}

/**
 * An identifier a create brought into the world, with the NotFound error its service answers
 * for it while the create has not propagated (EC2's eventual consistency; IAM's, ELBv2's, KMS's).
 */
export interface Born {
  id: string
  notFound: {status: number; code: string; message: string}
}

const EC2_PREFIXES: Record<string, string> = {
  vpc: 'InvalidVpcID.NotFound',
  subnet: 'InvalidSubnetID.NotFound',
  igw: 'InvalidInternetGatewayID.NotFound',
  rtb: 'InvalidRouteTableID.NotFound',
  nat: 'NatGatewayNotFound',
  eipalloc: 'InvalidAllocationID.NotFound',
  sg: 'InvalidGroup.NotFound',
  lt: 'InvalidLaunchTemplateId.NotFound',
  i: 'InvalidInstanceID.NotFound',
  eni: 'InvalidNetworkInterfaceID.NotFound',
  vol: 'InvalidVolume.NotFound',
  key: 'InvalidKeyPair.NotFound',
}

/** The kind of id each EC2 create makes (its answer also names parents, which are not new). */
const EC2_MADE: Record<string, string> = {
  CreateVpc: 'vpc',
  CreateSubnet: 'subnet',
  CreateInternetGateway: 'igw',
  CreateRouteTable: 'rtb',
  CreateNatGateway: 'nat',
  AllocateAddress: 'eipalloc',
  CreateSecurityGroup: 'sg',
  CreateLaunchTemplate: 'lt',
  RunInstances: 'i',
  CreateNetworkInterface: 'eni',
  CreateVolume: 'vol',
  ImportKeyPair: 'key',
  CreateKeyPair: 'key',
}

/** What a successful create answered into existence (ids in the answer, names in the request). */
export function bornBy(call: Call, reply: string): Born[] {
  const out: Born[] = []
  const nf = (id: string, status: number, code: string) =>
    out.push({id, notFound: {status, code, message: `The resource '${id}' does not exist`}})
  if (call.service === 'ec2') {
    const prefix = EC2_MADE[call.action]
    if (prefix) {
      for (const m of reply.matchAll(new RegExp(`\\b${prefix}-[0-9a-f]{8,17}\\b`, 'g'))) {
        nf(m[0], 400, EC2_PREFIXES[prefix]!)
      }
    }
    const lt = call.params.get('LaunchTemplateName')
    if (call.action === 'CreateLaunchTemplate' && lt)
      nf(lt, 400, 'InvalidLaunchTemplateName.NotFoundException')
    const key = call.params.get('KeyName')
    if ((call.action === 'ImportKeyPair' || call.action === 'CreateKeyPair') && key) {
      nf(key, 400, 'InvalidKeyPair.NotFound')
    }
  } else if (call.service === 'elasticloadbalancing') {
    for (const m of reply.matchAll(/arn:aws:elasticloadbalancing:[^<\s"]+/g)) {
      const code = m[0].includes(':targetgroup/')
        ? 'TargetGroupNotFound'
        : m[0].includes(':listener/')
          ? 'ListenerNotFound'
          : 'LoadBalancerNotFound'
      nf(m[0], 400, code)
    }
  } else if (call.service === 'iam') {
    for (const p of ['RoleName', 'InstanceProfileName']) {
      const name = call.params.get(p)
      if (name && (call.action === 'CreateRole' || call.action === 'CreateInstanceProfile')) {
        nf(name, 404, 'NoSuchEntity')
      }
    }
  } else if (call.service === 'kms' && call.action === 'CreateKey') {
    try {
      const meta = (JSON.parse(reply) as {KeyMetadata?: {KeyId?: string; Arn?: string}}).KeyMetadata
      for (const id of [meta?.KeyId, meta?.Arn]) if (id) nf(id, 400, 'NotFoundException')
    } catch {
      // An answer that is not JSON made nothing we can name.
    }
  } else if (call.service === 'route53' && call.action === 'CreateHostedZone') {
    const id = /<Id>\/hostedzone\/([^<]+)<\/Id>/.exec(reply)?.[1]
    if (id) nf(id, 404, 'NoSuchHostedZone')
  } else if (call.service === 'autoscaling' && call.action === 'CreateAutoScalingGroup') {
    // DescribeAutoScalingGroups answers an empty list for a group it does not know yet.
    const name = call.params.get('AutoScalingGroupName')
    if (name) out.push({id: name, notFound: {status: 200, code: '', message: ''}})
  }
  return out
}

/**
 * The identifiers a read names directly (not filter values: a filter that matches nothing is
 * an empty answer, not an error). `VpcId.1`, `LoadBalancerArns.member.1`, `RoleName`, `KeyId`...
 */
export function namedIds(call: Call): string[] {
  const out: string[] = []
  for (const [k, v] of call.params) {
    if (k.startsWith('Filter') || k === 'Action' || k === 'Version') continue
    if (/(Id|Ids|Name|Names|Arn|Arns)(\.member)?(\.\d+)?$/.test(k)) out.push(v)
  }
  return out
}

/** The answer a read of a not-yet-visible resource gets. */
export function notYetVisible(call: Call, born: Born): Reply {
  if (call.service === 'autoscaling' && call.action === 'DescribeAutoScalingGroups') {
    return {
      status: 200,
      headers: {'content-type': 'text/xml', 'x-amzn-requestid': requestId()},
      body:
        '<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/">' +
        '<DescribeAutoScalingGroupsResult><AutoScalingGroups/></DescribeAutoScalingGroupsResult>' +
        `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></DescribeAutoScalingGroupsResponse>`,
    }
  }
  return errorReply(call.service, born.notFound.status, born.notFound.code, born.notFound.message)
}

/**
 * The innermost `<tag>…</tag>` element around `index`, by counting open and close tags (the
 * answers nest items in items: a NAT gateway's addresses, an instance's tags).
 */
export function enclosing(xml: string, index: number, tag: string): [number, number] | undefined {
  const open = new RegExp(`<${tag}>|</${tag}>`, 'g')
  const marks = [...xml.matchAll(open)].map((m) => ({at: m.index, close: m[0].startsWith('</')}))
  let depth = 0
  let start = -1
  for (let i = marks.length - 1; i >= 0; i--) {
    const m = marks[i]!
    if (m.at >= index) continue
    if (m.close) depth++
    else if (depth === 0) {
      start = m.at
      break
    } else depth--
  }
  if (start < 0) return undefined
  depth = 0
  for (const m of marks) {
    if (m.at <= index) continue
    if (!m.close) depth++
    else if (depth === 0) return [start, m.at + tag.length + 3]
    else depth--
  }
  return undefined
}

/** A resource shown in a state it has not left yet: what the proxy rewrites in a read's answer. */
export interface Held {
  /** The element naming the resource, e.g. `<natGatewayId>nat-1</natGatewayId>`. */
  marker: (id: string) => string
  /** The element enclosing one resource in the listing. */
  block: string
  from: RegExp
  to: string
}

/** NAT gateways `pending`, load balancers `provisioning`, instances `pending` (and `Pending` in their group). */
export const HELD: Record<string, {action: string; service: string; held: Held}[]> = {
  nat: [
    {
      service: 'ec2',
      action: 'DescribeNatGateways',
      held: {
        marker: (id) => `<natGatewayId>${id}</natGatewayId>`,
        block: 'item',
        from: /<state>available<\/state>/,
        to: '<state>pending</state>',
      },
    },
  ],
  loadBalancer: [
    {
      service: 'elasticloadbalancing',
      action: 'DescribeLoadBalancers',
      held: {
        marker: (id) => `<LoadBalancerArn>${id}</LoadBalancerArn>`,
        block: 'member',
        from: /<State>\s*<Code>active<\/Code>/,
        to: '<State><Code>provisioning</Code>',
      },
    },
  ],
  instance: [
    {
      service: 'ec2',
      action: 'DescribeInstances',
      held: {
        marker: (id) => `<instanceId>${id}</instanceId>`,
        block: 'item',
        from: /<instanceState>\s*<code>16<\/code>\s*<name>running<\/name>/,
        to: '<instanceState><code>0</code><name>pending</name>',
      },
    },
    {
      service: 'autoscaling',
      action: 'DescribeAutoScalingGroups',
      held: {
        marker: (id) => `<InstanceId>${id}</InstanceId>`,
        block: 'member',
        from: /<LifecycleState>InService<\/LifecycleState>/,
        to: '<LifecycleState>Pending</LifecycleState>',
      },
    },
  ],
}

/** Rewrites each listed resource in `ids` that the answer shows past its held state; returns how many. */
export function hold(xml: string, held: Held, ids: Iterable<string>): {xml: string; count: number} {
  let out = xml
  let count = 0
  for (const id of ids) {
    const at = out.indexOf(held.marker(id))
    if (at < 0) continue
    const span = enclosing(out, at, held.block)
    if (!span) continue
    const block = out.slice(span[0], span[1])
    if (!held.from.test(block)) continue
    out = out.slice(0, span[0]) + block.replace(held.from, held.to) + out.slice(span[1])
    count++
  }
  return {xml: out, count}
}

/** Instance ids an answer shows (first sight of an instance the emulator launched for a group). */
export function instanceIdsIn(xml: string): string[] {
  return [...xml.matchAll(/<(?:instanceId|InstanceId)>(i-[0-9a-f]+)<\/(?:instanceId|InstanceId)>/g)].map(
    (m) => m[1]!,
  )
}
