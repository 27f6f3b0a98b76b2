/**
 * The resource model: a graph of desired AWS resources that refer to each other by logical name,
 * and the one contract (`ResourceKind`) every kind of resource implements for the direct target:
 * find/diff/create/update/delete through the SDK. Each other target renders a kind in a file of
 * its own beside it (`resources/<kind>.cfn.ts` for CloudFormation).
 */
import type {Cluster} from '../../../api/v1alpha1/types.js'
import type {Logger} from '../../../util/logger.js'
import type {AwsClients} from '../clients.js'

/**
 * The provisioner's phases, in apply order (`kforge update cluster --phase network`).
 * `prerequisites` (the cluster's KMS key and what the state store holds for instances) comes
 * first because every later phase's user-data is rendered from it; the CloudFormation target
 * applies it directly and takes what it made as literal values.
 */
export type PhaseName = 'prerequisites' | 'network' | 'security' | 'cluster'
export const PHASES: readonly PhaseName[] = ['prerequisites', 'network', 'security', 'cluster']

/**
 * A reference to an attribute of another resource in the same model. The direct target resolves
 * it to the real value at apply time; CloudFormation renders it as Ref / Fn::GetAtt.
 */
export class Ref {
  constructor(
    readonly target: string,
    /** `id` is the resource's primary identifier (what CloudFormation's Ref returns for most types). */
    readonly attr: string = 'id',
    /** How a plan shows the value while it is unknown. Default: `known after apply` */
    readonly pending?: string,
  ) {}
  toString(): string {
    return `${this.target}.${this.attr}`
  }
}

export function ref(target: string, attr = 'id', pending?: string): Ref {
  return new Ref(target, attr, pending)
}

/** A string field that may point at another resource. */
export type Val = string | Ref

/** A props type with every Ref replaced by what a target makes of it (`V`). */
export type Rendered<T, V> = T extends Ref
  ? V
  : T extends readonly (infer U)[]
    ? Rendered<U, V>[]
    : T extends object
      ? {[K in keyof T]: Rendered<T[K], V>}
      : T

/** A props type with every Ref replaced by the string it resolves to (the direct target). */
export type Resolved<T> = Rendered<T, string>

export type Tags = Record<string, string>

export interface Desired<P = unknown> {
  kind: string
  /** Logical name, unique in the model; CloudFormation logical ids derive from it. */
  name: string
  phase: PhaseName
  props: P
  /** Ordering that is not visible as a Ref (a route through an IGW waits for its attachment). */
  dependsOn?: string[]
  /**
   * A resource the user brought (`cloud.aws.vpcId`, a subnet `id`): found by this id, tagged
   * `kubernetes.io/cluster/<name>=shared`, otherwise never created, changed or deleted.
   */
  external?: string
}

export interface Output {
  name: string
  description: string
  value: Val
}

export interface Model {
  cluster: string
  region: string
  resources: Desired[]
  outputs: Output[]
}

/** What a kind found in the cloud. `attrs` feed Refs (`id`, `arn`, ...); `tags` as AWS reports them. */
export interface Actual {
  id: string
  attrs: Record<string, string>
  tags: Tags
}

export interface FieldChange {
  field: string
  old: unknown
  new: unknown
}

/** A change a kind refuses (ResourceKind.refusals): the field, and why, naming the spec field. */
export interface FieldRefusal {
  field: string
  message: string
}

export interface FindContext {
  aws: AwsClients
  cluster: string
  /** The cluster's spec when known (always for update; delete may run without one). */
  spec?: Cluster
  logger: Logger
  /** Memoises one batched read per key for the whole run (several kinds read DescribeRouteTables). */
  once<T>(key: string, read: () => Promise<T>): Promise<T>
  /**
   * The state-store half of the prerequisites phase (src/phases/cluster/prerequisites.ts). Absent
   * when the caller gave no state store (`delete cluster`, `validate`): nothing is found, and
   * nothing can be made.
   */
  storeObjects?: StoreObjects
}

/** What the prerequisites keep in the state store for instances, as one resource of the model. */
export interface StoreObjectsActual extends Actual {
  /** The key the secrets are sealed under (its ARN). */
  keyArn: string
  /** Objects instances need that are absent (or sealed under another key), by state-store key. */
  missing: string[]
}

export interface StoreObjects {
  /** The store's location (`s3://bucket/prefix`): where instances fetch from. */
  readonly location: string
  /** Reads only: what exists, with `userData:<group>` attributes once nothing is missing. */
  find(): Promise<StoreObjectsActual | undefined>
  /** Makes what is missing, sealed with `keyArn`; the result has every group's user-data. */
  make(keyArn: string): Promise<StoreObjectsActual>
}

export interface ApplyContext extends FindContext {
  /** A deterministic idempotency token for APIs that take one (`ClientToken`). */
  token(...parts: string[]): string
}

/**
 * What `delete cluster` needs of a kind: list the cluster's resources, delete one. Kinds that
 * Kubernetes creates and kforge never does (EBS volumes, ENIs) implement only this.
 */
export interface Discoverable<A extends Actual = Actual> {
  readonly kind: string
  /** The phase a resource of this kind belongs to, for `--phase` and pruning. */
  readonly phase: PhaseName
  /** Kinds whose resources must be gone before one of this kind can be deleted. */
  readonly deleteAfter: readonly string[]
  /**
   * `tags`: `list` may return resources the cluster does not own (a hosted zone found by name);
   * only those tagged owned are deleted. `parent`: `list` returns only members of owned parents
   * (routes of owned route tables, records named for the cluster), all of which are the cluster's.
   */
  readonly ownership: 'tags' | 'parent'
  /** Every resource of this kind that belongs to the cluster, with batched reads. */
  list(ctx: FindContext, external: readonly string[]): Promise<A[]>
  /** Deletes one; waits until it is gone when later deletions depend on that. */
  delete(ctx: ApplyContext, actual: A): Promise<void>
  /** False when deleting the cluster need not delete this one itself (it goes with its parent). */
  neededOnClusterDelete?(actual: A): boolean
}

/**
 * The contract. `P` is the kind's desired props (may contain Refs); `A` what `list` returns.
 * Adding a kind of resource is one file implementing this, listed in resources/index.ts.
 */
export interface ResourceKind<P = unknown, A extends Actual = Actual> extends Discoverable<A> {
  /** Props whose change cannot be applied in place. */
  readonly immutable: readonly string[]
  /**
   * What to do when an immutable prop changes: `replace` deletes and re-creates (leaves only);
   * `refuse` stops the plan with a message naming the field.
   */
  readonly onImmutableChange: 'replace' | 'refuse'
  /**
   * Whether `update cluster` deletes listed resources the model no longer wants. Only resources
   * carrying kforge's resource tag are ever pruned, so what others added to an owned group
   * (Kubernetes' load balancer rules) stays.
   */
  readonly prune: boolean
  /**
   * Attributes an in-place update changes (a launch template's `latestVersion`): while planned,
   * dependents see them as unknown, so a group that points at the version is modified too.
   */
  readonly attrsChangedByUpdate?: readonly string[]

  /**
   * Changes this kind cannot apply, each with the reason in the user's terms (an EBS volume
   * cannot shrink): the plan refuses them. A field named here is not refused a second time as
   * `immutable`, so the kind's message is the one the user reads.
   */
  refusals?(name: string, props: Resolved<P>, actual: A, changes: FieldChange[]): FieldRefusal[]

  /** The listed resource that realises `desired`, if any. `props` may hold unknown values. */
  match(desired: Desired<P>, props: Resolved<P>, candidates: readonly A[]): A | undefined
  /** Field-by-field differences, desired vs actual. */
  diff(props: Resolved<P>, actual: A): FieldChange[]
  create(ctx: ApplyContext, desired: Desired<P>, props: Resolved<P>): Promise<A>
  /** Applies `changes` (never immutable ones); returns the refreshed actual. */
  update(
    ctx: ApplyContext,
    desired: Desired<P>,
    props: Resolved<P>,
    actual: A,
    changes: FieldChange[],
  ): Promise<A>
  /** For a shared resource (`Desired.external`): set these tags (the cluster's `shared` tag). */
  tagShared?(ctx: ApplyContext, actual: A, tags: Tags): Promise<void>
  /** A short human description for plan output and progress (`10.0.0.0/16`). */
  describe(props: Resolved<P>): string
  /** True when the resource opens something to the whole internet: the plan lists every such one. */
  openToWorld?(props: Resolved<P>): boolean
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of every props type
export type AnyKind = ResourceKind<any, any>
// biome-ignore lint/suspicious/noExplicitAny: the registry holds kinds of every actual type
export type AnyDiscoverable = Discoverable<any>
