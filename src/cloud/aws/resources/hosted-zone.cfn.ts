/** HostedZone in a CloudFormation stack (`AWS::Route53::HostedZone`). */
import {cfnRendering} from '../cfn/kind.js'
import {hostedZoneKind} from './hosted-zone.js'

export const hostedZoneCfn = cfnRendering(hostedZoneKind, {
  type: 'AWS::Route53::HostedZone',
  render: () => undefined,
  attr: (attr) => (attr === 'name' ? {getAtt: 'Name'} : 'Ref'),
})
