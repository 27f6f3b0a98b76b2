/** What the builders share: the cluster, the model being filled, and tag helpers. */
import {AWS_MAX_TAGS} from '../../../api/names.js'
import type {Cluster} from '../../../api/v1alpha1/types.js'
import {KforgeError} from '../../../util/errors.js'
import type {ImageMap} from '../images.js'
import type {Actual, Desired, Output, ResourceKind, Tags} from '../model/types.js'
import {ownedTags} from '../tags.js'

export interface BuildInputs {
  /** Instance group → image (resolveImages). */
  images: ImageMap
  /**
   * Instance group → the exact user-data bytes (or cloud-config text), for a library caller that
   * brings its own. Default: what the prerequisites phase renders from the state store.
   */
  userData?: UserDataFn
  /**
   * The state store (`s3://bucket/prefix`) instances fetch the node agent and large cloud-configs
   * from: the instance roles may read exactly those objects. Default: none (no S3 read granted).
   */
  stateStore?: string
}

export class ModelBuilder {
  readonly resources: Desired[] = []
  readonly outputs: Output[] = []

  constructor(
    readonly cluster: Cluster,
    readonly inputs: BuildInputs,
  ) {}

  get name(): string {
    return this.cluster.name
  }

  /**
   * Adds one resource of `kind`: `props` are checked against the kind's props type, and the
   * resource's phase is the kind's (a kind belongs to one phase).
   */
  add<P, A extends Actual>(
    kind: ResourceKind<P, A>,
    name: string,
    props: P,
    extra: Pick<Desired<P>, 'dependsOn' | 'external'> = {},
  ): void {
    if (this.resources.some((r) => r.name === name)) throw new Error(`duplicate resource name ${name}`)
    // Props differ per kind; those with tags name them `tags` (read-only look, no kind knowledge).
    const tags = (props as {tags?: Tags}).tags
    if (tags && Object.keys(tags).length > AWS_MAX_TAGS) {
      throw new KforgeError(
        `${kind.kind} ${name} would carry ${Object.keys(tags).length} tags; AWS allows ${AWS_MAX_TAGS} per resource`,
      )
    }
    this.resources.push({kind: kind.kind, name, phase: kind.phase, props, ...extra})
  }

  has(name: string): boolean {
    return this.resources.some((r) => r.name === name)
  }

  /** Owned tags with Name `<what>.<cluster>` (or the cluster name itself). */
  tags(logical: string, what: string | undefined, extra: Tags = {}): Tags {
    return ownedTags(this.name, logical, what ? `${what}.${this.name}` : this.name, extra)
  }
}

/** Instance group → its user-data: text, or bytes (the renderer may gzip). */
export type UserDataFn = (group: string) => string | Uint8Array
