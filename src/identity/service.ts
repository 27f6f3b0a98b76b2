/**
 * The node-identity service, without its transport: a proof in, a short-lived bootstrap token
 * bound to the proving instance's node name out — or a refusal that says why. Order matters: the
 * proof's shape and cluster are checked before anything is sent anywhere, the replay check before
 * STS is asked, and EC2 before the API server is written to.
 */
import type {AwsClients} from '../cloud/aws/clients.js'
import type {KubeClient} from '../kube/client.js'
import type {Logger} from '../util/logger.js'
import {approvePending} from './approver.js'
import {clusterMember} from './instance.js'
import {checkProof, ProofRefused, SeenProofs} from './proof.js'
import {callerOf, type StsTarget} from './sts.js'
import {type IssuedToken, issueToken, sweepTokens} from './tokens.js'

export interface NodeIdentityOptions {
  cluster: string
  region: string
  aws: AwsClients
  kube: KubeClient
  logger: Logger
  sts?: StsTarget
  /** Default: 1 h (tokens.ts) */
  tokenTtlMs?: number
  now?: () => Date
}

/** What the node receives: the token (secret), the node name it is bound to, when it expires. */
export interface NodeTokenAnswer {
  token: string
  nodeName: string
  expires: string
}

export class NodeIdentityService {
  private readonly seen = new SeenProofs()

  constructor(private readonly o: NodeIdentityOptions) {}

  private now(): Date {
    return this.o.now ? this.o.now() : new Date()
  }

  /** Check a proof and issue its instance's token. Throws ProofRefused with the reason. */
  async issue(body: unknown): Promise<NodeTokenAnswer> {
    const {cluster, region} = this.o
    const proof = checkProof(body, {cluster, region, now: this.now()})
    if (!this.seen.claim(proof, this.now())) throw new ProofRefused('this proof was used already (replay)')
    const caller = await callerOf(proof, this.o.sts)
    const member = await clusterMember(this.o.aws, cluster, caller)
    const issued: IssuedToken = await issueToken(this.o.kube, member, proof, {
      ...(this.o.tokenTtlMs ? {ttlMs: this.o.tokenTtlMs} : {}),
      now: this.now(),
    })
    // The token is never logged; its id is public (it names the Secret) and ties the log to the node.
    this.o.logger.info(
      `node-identity: issued token ${issued.token.id} to instance ${member.instanceId} (group ${member.group}) for node ${member.nodeName}, expires ${issued.expires.toISOString()}`,
    )
    return {
      token: `${issued.token.id}.${issued.token.secret}`,
      nodeName: issued.nodeName,
      expires: issued.expires.toISOString(),
    }
  }

  /** One round of the background work: answer pending requests, delete spent tokens. */
  async tick(): Promise<void> {
    for (const [name, d] of await approvePending(this.o.kube)) {
      this.o.logger.info(
        d.approve
          ? `node-identity: approved ${name} for node ${d.nodeName}`
          : `node-identity: denied ${name}: ${d.reason}`,
      )
    }
    const deleted = await sweepTokens(this.o.kube, this.now())
    if (deleted.length > 0) this.o.logger.info(`node-identity: deleted spent tokens ${deleted.join(', ')}`)
  }
}
