/** What the demo's runner (run.ts) and its steps (steps.ts) share: a step, its context and result. */

export interface DemoContext {
  cluster: string
  zones: string[]
  state: string
  work: string
  env: Record<string, string>
}

export interface StepResult {
  code: number
  stdout: string
  stderr: string
}

export interface DemoStep {
  title: string
  args: (ctx: DemoContext) => string[]
  /** What to show of the output; default: all of stdout. */
  show?: (result: StepResult, ctx: DemoContext) => string
  /** Work done after the command (e.g. edit a spec file for the next step). */
  after?: (result: StepResult, ctx: DemoContext) => Promise<void> | void
  /** Instead of a CLI command, a direct check against the emulator. */
  check?: (ctx: DemoContext) => Promise<string>
}
