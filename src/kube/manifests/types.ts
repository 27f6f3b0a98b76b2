/** An object to apply, with where it lives in the API. */
import type {ResourceType} from '../resources.js'
import type {KubeObject} from '../types.js'

export interface Manifest<T extends KubeObject = KubeObject> {
  type: ResourceType<T>
  object: T
}

/** Everything an addon consists of, applied in order (RBAC and config before workloads). */
export type ManifestSet = Manifest[]
