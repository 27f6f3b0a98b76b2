/** Eip in a CloudFormation stack (`AWS::EC2::EIP`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {eipKind} from './eip.js'

export const eipCfn = cfnRendering(eipKind, {
  type: 'AWS::EC2::EIP',
  render: (props) => ({
    Properties: {Domain: 'vpc', Tags: toTagList(props.tags)},
  }),
  attr: (attr) => (attr === 'id' || attr === 'allocationId' ? {getAtt: 'AllocationId'} : 'Ref'),
})
