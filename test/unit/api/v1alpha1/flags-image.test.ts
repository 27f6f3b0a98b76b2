import {describe, expect, it} from 'vitest'
import {clusterFromOptions, imageFromFlag} from '../../../../src/api/v1alpha1/flags.js'

describe('--image', () => {
  it('takes an AMI id or OWNER/NAME-PATTERN, as kops does', () => {
    expect(imageFromFlag('ami-0123456789abcdef0')).toEqual({id: 'ami-0123456789abcdef0'})
    expect(imageFromFlag('099720109477/ubuntu/images/hvm-ssd/ubuntu-*')).toEqual({
      lookup: {owner: '099720109477', namePattern: 'ubuntu/images/hvm-ssd/ubuntu-*'},
    })
  })

  it('refuses anything else, naming the flag and both forms', () => {
    expect(() => imageFromFlag('ubuntu')).toThrow('--image "ubuntu": expected an AMI id')
    expect(() => imageFromFlag('owner/')).toThrow('OWNER/NAME-PATTERN')
  })

  it('lands in spec.cloud.aws.image', () => {
    const c = clusterFromOptions({
      name: 'img.example.com',
      zones: ['us-east-1a'],
      image: 'ami-0123456789abcdef0',
    })
    expect(c.spec.cloud.aws.image).toEqual({id: 'ami-0123456789abcdef0'})
  })
})
