/**
 * The CloudFormation target's contract for a kind: its resource type, its body rendered from
 * typed props (Refs already turned into Ref / Fn::GetAtt), and how it exposes attributes. A kind's
 * rendering lives beside the kind (`resources/<kind>.cfn.ts`); another target (Terraform JSON,
 * say) would add its own contract here and its own file per kind, editing none of these.
 */
import type {Actual, Desired, FieldRefusal, Rendered, ResourceKind} from '../model/types.js'

/** What a Ref becomes in a template. */
export type CfnRef = {Ref: string} | {'Fn::GetAtt': [string, string]}

/** A kind's props with every Ref replaced by its CloudFormation expression. */
export type CfnProps<P> = Rendered<P, CfnRef>

/** A resource body; `Type` comes from the rendering and DependsOn from the renderer. */
export interface CfnBody {
  Properties: Record<string, unknown>
  Metadata?: Record<string, unknown>
}

export interface CfnRendering<P> {
  /** The kind this renders (`Vpc`). */
  readonly kind: string
  /** The CloudFormation resource type (`AWS::EC2::VPC`). */
  readonly type: string
  /** Undefined: not part of the stack (it must exist before the stack is deployed). */
  render(props: CfnProps<P>, desired: Desired<P>): CfnBody | undefined
  /** How CloudFormation expresses `attr` of this kind: `Ref`, or the Fn::GetAtt attribute name. */
  attr(attr: string): 'Ref' | {getAtt: string}
  /**
   * True for a resource that holds data (etcd's volumes): the stack gets DeletionPolicy and
   * UpdateReplacePolicy Retain on it. Default: false, except AWS::EC2::Volume (always retained).
   */
  retain?(desired: Desired<P>): boolean
  /**
   * Changes between the stack's template and the new one that kforge refuses before
   * CloudFormation tries them (the kind's own rule, ResourceKind.refusals, in template terms).
   */
  refusals?(name: string, before: CfnBody['Properties'], after: CfnBody['Properties']): FieldRefusal[]
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds renderings of every props type
export type AnyCfnRendering = CfnRendering<any>

/** Ties a rendering to its kind, so `render` sees that kind's props type. */
export function cfnRendering<P, A extends Actual>(
  kind: ResourceKind<P, A>,
  rendering: Omit<CfnRendering<P>, 'kind'>,
): CfnRendering<P> {
  return {kind: kind.kind, ...rendering}
}
