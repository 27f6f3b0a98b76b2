/**
 * vitest globalSetup: one moto server for the run, its endpoint handed to tests through
 * `inject('awsEndpoint')`. Tests keep apart by using distinct cluster names (each test file
 * names its clusters after itself), so they can share the emulator safely.
 */
import type {TestProject} from 'vitest/node'
import {startMoto} from './moto.js'

declare module 'vitest' {
  export interface ProvidedContext {
    awsEndpoint: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto()
  project.provide('awsEndpoint', moto.endpoint)
  return () => moto.stop()
}
