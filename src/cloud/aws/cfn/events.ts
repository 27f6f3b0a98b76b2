/**
 * A stack's events as progress and as the reason for a failure. CloudFormation returns events
 * newest first and keeps every event the stack ever had, so a tail remembers which ids it has
 * shown and pages back only until it meets one of them (or the mark taken before the operation).
 */
import type {CloudFormationClient, StackEvent} from '@aws-sdk/client-cloudformation'

/** `LtNodes (AWS::EC2::LaunchTemplate): CREATE_FAILED — reason`. */
export function eventLine(e: StackEvent): string {
  const reason = e.ResourceStatusReason ? ` — ${e.ResourceStatusReason}` : ''
  return `${e.LogicalResourceId ?? '?'} (${e.ResourceType ?? '?'}): ${e.ResourceStatus ?? '?'}${reason}`
}

/** A resource's own failure, not the stack's summary of it ("The following resource(s) failed"). */
export function isResourceFailure(e: StackEvent): boolean {
  return /_FAILED$/.test(e.ResourceStatus ?? '') && e.ResourceType !== 'AWS::CloudFormation::Stack'
}

export class EventTail {
  private readonly seen = new Set<string>()
  /** Every event read since the mark, oldest first. */
  readonly events: StackEvent[] = []

  constructor(
    private readonly cfn: CloudFormationClient,
    /** The stack's id (ARN): events of a deleted stack are only found by it. */
    private readonly stackId: string,
  ) {}

  /** Remember what the stack already had, so only the coming operation's events are shown. */
  async mark(): Promise<void> {
    for (const e of await this.newest()) this.seen.add(e.EventId!)
  }

  /** Events since the last call, oldest first. */
  async next(): Promise<StackEvent[]> {
    const fresh = (await this.newest()).filter((e) => !this.seen.has(e.EventId!)).reverse()
    for (const e of fresh) this.seen.add(e.EventId!)
    this.events.push(...fresh)
    return fresh
  }

  /** The resources that failed in this operation, each with CloudFormation's reason. */
  failures(): string[] {
    return this.events.filter(isResourceFailure).map(eventLine)
  }

  /** Newest first, paging back until an event already seen. */
  private async newest(): Promise<StackEvent[]> {
    const {DescribeStackEventsCommand} = await import('@aws-sdk/client-cloudformation')
    const out: StackEvent[] = []
    let token: string | undefined
    do {
      const page = await this.cfn.send(
        new DescribeStackEventsCommand({StackName: this.stackId, ...(token ? {NextToken: token} : {})}),
      )
      const events = page.StackEvents ?? []
      const known = events.findIndex((e) => this.seen.has(e.EventId!))
      if (known >= 0) {
        out.push(...events.slice(0, known))
        return out
      }
      out.push(...events)
      token = page.NextToken
    } while (token)
    return out
  }
}
