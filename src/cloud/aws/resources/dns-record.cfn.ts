/** DnsRecord in a CloudFormation stack (`AWS::Route53::RecordSet`). */
import {cfnRendering} from '../cfn/kind.js'
import {dnsRecordKind} from './dns-record.js'
import {fqdn} from './route53.js'

export const dnsRecordCfn = cfnRendering(dnsRecordKind, {
  type: 'AWS::Route53::RecordSet',
  render: (props) => {
    return {
      Properties: {
        HostedZoneName: fqdn(props.zoneName),
        Name: fqdn(props.name),
        Type: 'A',
        AliasTarget: {
          DNSName: props.alias.dnsName,
          HostedZoneId: props.alias.hostedZoneId,
          EvaluateTargetHealth: false,
        },
      },
    }
  },
  attr: () => 'Ref',
})
