/** self-hosting: placeholder replaced by the pivot below (kept compiling while it is written). */
import type {Phase} from '../../workflow.js'
import type {InitData} from '../data.js'
import {nodeConfig} from './addon/node-config.js'

export const selfHostingPhase: Phase<InitData> = {
  name: 'self-hosting',
  short: 'Pivot the control plane from static pods to self-hosted DaemonSets (kforge spec: selfHosted)',
  runIf: async (d) => (await nodeConfig(d)).selfHosted,
  run: async () => {},
}
