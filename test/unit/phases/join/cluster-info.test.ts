import {describe, expect, it} from 'vitest'
import {computePin, PinSet} from '../../../../src/bootstrap/pin.js'
import {discoverClusterInfo, parseEndpoint} from '../../../../src/phases/join/cluster-info.js'
import {silentLogger} from '../../../../src/util/logger.js'
import {
  clusterInfoConfigMap,
  makeTestPki,
  signedClusterInfo,
  startClusterInfoServer,
} from '../../../support/https-server.js'

const token = {id: 'abcdef', secret: '0123456789abcdef'}

describe('API server endpoints', () => {
  it.each([
    ['10.0.0.1:6443', {host: '10.0.0.1', port: 6443, url: 'https://10.0.0.1:6443'}],
    [
      'https://api.example.test:443/',
      {host: 'api.example.test', port: 443, url: 'https://api.example.test:443'},
    ],
    ['[fd00::1]:6443', {host: 'fd00::1', port: 6443, url: 'https://[fd00::1]:6443'}],
  ])('parses %s', (text, want) => expect(parseEndpoint(text)).toEqual(want))

  it.each(['10.0.0.1', 'fd00::1:6443', 'host:99999', ''])('rejects %j', (text) => {
    expect(() => parseEndpoint(text)).toThrow(/is not of the form host:port/)
  })
})

describe('token discovery', () => {
  it('retries through API errors, and accepts a CA bundle where any certificate is pinned', async () => {
    const [pki, other] = await Promise.all([makeTestPki(), makeTestPki('old-ca')])
    const bundle = `${other.ca.certPem}${pki.ca.certPem}`
    const {data} = signedClusterInfo('https://10.0.0.1:6443', bundle, token)
    const server = await startClusterInfoServer(pki.server, (n) =>
      n < 2
        ? {status: 403, body: {kind: 'Status', reason: 'Forbidden'}}
        : {status: 200, body: clusterInfoConfigMap(data)},
    )
    try {
      const found = await discoverClusterInfo({
        endpoint: server.endpoint,
        token,
        pins: new PinSet([computePin(pki.ca.certPem)]),
        pollIntervalMs: 20,
        timeoutMs: 5000,
        logger: silentLogger,
      })
      expect(found.server).toBe('https://10.0.0.1:6443')
      expect(found.caPem).toBe(bundle)
      expect(server.requests()).toBe(4)
    } finally {
      await server.close()
    }
  })
})
