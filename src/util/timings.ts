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
}
