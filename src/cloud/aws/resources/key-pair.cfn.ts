/** KeyPair in a CloudFormation stack (`AWS::EC2::KeyPair`). */
import {cfnRendering} from '../cfn/kind.js'
import {toTagList} from '../tags.js'
import {keyPairKind} from './key-pair.js'

export const keyPairCfn = cfnRendering(keyPairKind, {
  type: 'AWS::EC2::KeyPair',
  render: (props) => {
    return {
      Properties: {KeyName: props.name, PublicKeyMaterial: props.publicKey, Tags: toTagList(props.tags)},
    }
  },
  attr: (attr) => (attr === 'id' ? {getAtt: 'KeyPairId'} : 'Ref'),
})
