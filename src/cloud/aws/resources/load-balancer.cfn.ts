/** LoadBalancer in a CloudFormation stack (`AWS::ElasticLoadBalancingV2::LoadBalancer`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {loadBalancerKind} from './load-balancer.js'

export const loadBalancerCfn = cfnRendering(loadBalancerKind, {
  type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
  render: (props) => {
    return {
      Properties: {
        Name: props.name,
        Type: 'network',
        Scheme: props.scheme,
        Subnets: props.subnetIds,
        SecurityGroups: props.securityGroupIds,
        Tags: toTagList(props.tags),
      },
    }
  },
  attr: (attr) => {
    if (attr === 'dnsName') return {getAtt: 'DNSName'}
    if (attr === 'canonicalHostedZoneId') return {getAtt: 'CanonicalHostedZoneID'}
    if (attr === 'name') return {getAtt: 'LoadBalancerName'}
    return 'Ref'
  },
})
