/**
 * The TypeScript input types (types.ts, where each field documents its default) held to the
 * shape (schema.ts), the one source of the spec's structure: a field typed in types.ts but absent
 * from the shape, or typed differently, fails the build. The reverse direction is the round-trip
 * test's (every field the shape knows renders and reads back).
 */
import type {Infer} from '../shape.js'
import type {clusterSpecShape, instanceGroupSpecShape, metadataShape} from './schema.js'
import type {ClusterSpecInput, InstanceGroupSpecInput, ObjectMeta} from './types.js'

/** Field names in A (at any depth) that B does not have; `never` when A's fields all exist in B. */
type UnknownFields<A, B> = A extends readonly (infer X)[]
  ? B extends readonly (infer Y)[]
    ? UnknownFields<X, Y>
    : never
  : A extends object
    ? B extends object
      ? {
          [K in keyof A]-?: K extends keyof B ? UnknownFields<NonNullable<A[K]>, NonNullable<B[K]>> : K
        }[keyof A]
      : never
    : never

/** `true` when every value of type A passes the shape whose checked type is B, and A names no field B lacks. */
type Fits<A, B> = [A] extends [B] ? ([UnknownFields<A, B>] extends [never] ? true : false) : false

export const SHAPES_HOLD_THE_TYPES: [
  Fits<ClusterSpecInput, Infer<typeof clusterSpecShape>>,
  Fits<InstanceGroupSpecInput, Infer<typeof instanceGroupSpecShape>>,
  Fits<ObjectMeta, Infer<typeof metadataShape>>,
] = [true, true, true]
