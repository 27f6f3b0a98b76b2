/**
 * How long kforge waits between polls, as one object: built once at the CLI edge
 * (src/cli/timings.ts, from the environment tests and slow links set) and passed down to the
 * workflows, so no code below the CLI reads the environment for it. A field left unset keeps each
 * wait's own default (kubeadm's, for the node workflows).
 */
export interface Timings {
  /** Between polls from the provisioner's side (instance refresh, drain, validate, upgrade). */
  pollMs?: number
  /** Between polls in the node workflows (init, join, pivot). */
  nodePollMs?: number
  /**
   * How long the provisioner waits for AWS reads to show a write it is unsure of (a create whose
   * answer was lost); four times that when AWS said the thing exists. Default: 30 s.
   */
  settleMs?: number
  /** The first pause between delete rounds while dependents go away. Default: 1 s. */
  deleteBackoffMs?: number
}

/** `{intervalMs}` for a provisioner-side wait when the timings set one; else the wait's own default. */
export function pollOption(t: Timings): {intervalMs?: number} {
  return t.pollMs ? {intervalMs: t.pollMs} : {}
}
