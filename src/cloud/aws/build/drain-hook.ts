/**
 * The termination lifecycle hook kforge puts on every group whose instances run a kubelet: the
 * group holds a terminating instance in `Terminating:Wait` until the node agent on it has cordoned
 * and drained its node and completed the action (docs/termination.md). One place for its settings,
 * read by the resource model (compute.ts), the instance roles' policy and the node agent's unit.
 */
import type {InstanceGroupRole} from '../../../api/v1alpha1/types.js'
import {awsNames} from './names.js'

export const DRAIN_HOOK = {
  transition: 'autoscaling:EC2_INSTANCE_TERMINATING',
  /**
   * How long the group waits for a heartbeat or a completion before it goes on with the default
   * result. The agent records a heartbeat every third of this while a drain runs, so a long drain
   * keeps the instance; an agent that died lets termination go on after this long. Default: 300 s
   */
  heartbeatTimeoutSeconds: 300,
  /**
   * What the group does when nobody completes the action in time. For a terminating instance both
   * results terminate it; CONTINUE also lets any other hook of the group run.
   */
  defaultResult: 'CONTINUE',
} as const

/** Bastions run no kubelet: nothing would complete their action, so they get no hook. */
export function hasDrainHook(role: InstanceGroupRole): boolean {
  return role !== 'bastion'
}

/** The hook's name on each group of the cluster (unique per group, collision-free across clusters). */
export function drainHookName(cluster: string): string {
  return awsNames.lifecycleHook(cluster)
}
