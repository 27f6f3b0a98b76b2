/**
 * spec.serviceAccountIssuerDiscovery and spec.iam.serviceAccountExternalPermissions: what AWS
 * would refuse later (an issuer URL its certificate cannot serve, a policy that is not an ARN,
 * a trust for a service account twice) is refused when the spec is read.
 */
import {isDnsLabel, isDnsName} from '../names.js'
import type {Problems, Subject} from '../problems.js'
import {EBS_CSI_CONTROLLER_ACCOUNT, ebsCsiControllerHasOwnRole, parseDiscoveryStore} from './identity.js'
import type {Cluster} from './types.js'

/** S3 bucket names: 3-63 of [a-z0-9.-], starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/
/** A managed policy: AWS's own (`aws`) or an account's, in any partition. */
const POLICY_ARN = /^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/

export function validateIdentity(cluster: Cluster, problems: Problems): void {
  const c: Subject = {kind: 'Cluster', name: cluster.name}
  const d = cluster.spec.serviceAccountIssuerDiscovery
  const at = ['spec', 'serviceAccountIssuerDiscovery'] as const
  if (d) {
    const store = parseDiscoveryStore(d.discoveryStore)
    if (!store) {
      problems.field(
        c,
        [...at, 'discoveryStore'],
        `("${d.discoveryStore}") must be an s3://bucket[/prefix] location`,
      )
    } else if (!BUCKET.test(store.bucket)) {
      problems.field(c, [...at, 'discoveryStore'], `("${store.bucket}") is not an S3 bucket name`)
    } else if (store.bucket.includes('.')) {
      // The issuer is served as https://<bucket>.s3.<region>.amazonaws.com: S3's wildcard
      // certificate covers one label there, so a dotted bucket fails TLS for STS and everyone.
      problems.field(
        c,
        [...at, 'discoveryStore'],
        `("${store.bucket}") has dots: its issuer URL https://${store.bucket}.s3.<region>.amazonaws.com would not match S3's certificate; use a bucket name without dots`,
      )
    } else if (/[^\w!\-.*'()/]/.test(store.prefix)) {
      problems.field(
        c,
        [...at, 'discoveryStore'],
        `("${d.discoveryStore}") has a prefix with characters a URL would have to escape; use letters, digits and -_.!*'()/`,
      )
    }
  }
  const permissions = cluster.spec.iam?.serviceAccountExternalPermissions ?? []
  const pat = ['spec', 'iam', 'serviceAccountExternalPermissions'] as const
  if (permissions.length > 0 && !d?.enableAWSOIDCProvider) {
    problems.field(
      c,
      [...pat],
      'needs spec.serviceAccountIssuerDiscovery with enableAWSOIDCProvider: true (the roles trust that OIDC provider)',
    )
  }
  const seen = new Set<string>()
  permissions.forEach((p, i) => {
    if (!isDnsLabel(p.namespace))
      problems.field(c, [...pat, i, 'namespace'], `("${p.namespace}") is not a namespace name (a DNS label)`)
    if (!isDnsName(p.name))
      problems.field(c, [...pat, i, 'name'], `("${p.name}") is not a service account name (a DNS subdomain)`)
    const key = `${p.namespace}/${p.name}`
    if (seen.has(key)) problems.field(c, [...pat, i], `(${key}) is mapped twice`)
    seen.add(key)
    // kforge makes this account's role itself: a second trust for it would be a second role.
    const ebs = EBS_CSI_CONTROLLER_ACCOUNT
    if (p.namespace === ebs.namespace && p.name === ebs.name && ebsCsiControllerHasOwnRole(cluster.spec))
      problems.field(
        c,
        [...pat, i],
        `(${key}) is the EBS CSI controller's account: kforge makes its role, with the driver's volume statements, whenever spec.addons.ebsCSI is enabled with an AWS OIDC provider`,
      )
    if (p.aws.policyARNs.length === 0)
      problems.field(c, [...pat, i, 'aws', 'policyARNs'], 'must list at least one policy ARN')
    // IAM attaches at most 10 managed policies to a role by default (quota can be raised to 20).
    if (p.aws.policyARNs.length > 20)
      problems.field(
        c,
        [...pat, i, 'aws', 'policyARNs'],
        `(${p.aws.policyARNs.length}) exceeds IAM's 20 managed policies per role`,
      )
    p.aws.policyARNs.forEach((arn, j) => {
      if (!POLICY_ARN.test(arn))
        problems.field(
          c,
          [...pat, i, 'aws', 'policyARNs', j],
          `("${arn}") is not a managed policy ARN like arn:aws:iam::111122223333:policy/name`,
        )
      else if (p.aws.policyARNs.indexOf(arn) !== j)
        problems.field(c, [...pat, i, 'aws', 'policyARNs', j], `("${arn}") is listed twice`)
    })
  })
}
