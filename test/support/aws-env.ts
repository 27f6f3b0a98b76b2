/**
 * Environment for talking to the emulator: fake credentials (moto accepts any), a region, and the
 * endpoint. Never real credentials: tests must not reach anything but loopback.
 */
import {inject} from 'vitest'

export function emulatorEnv(region = 'us-east-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: inject('awsEndpoint'),
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  }
}
