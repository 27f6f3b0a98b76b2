/** Name rules: DNS names (RFC 1123), Kubernetes label keys and values, AWS identifiers. */

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/

/** A lowercase RFC 1123 label: `nodes-us-east-1a`. */
export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text)
}

/** A lowercase RFC 1123 subdomain: `demo.example.com`. */
export function isDnsName(text: string): boolean {
  return text.length <= 253 && text.split('.').every(isDnsLabel)
}

export const DNS_NAME_RULE = "lowercase letters, digits, '-' and '.', labels of at most 63 characters"
export const DNS_LABEL_RULE = "lowercase letters, digits and '-', at most 63 characters"

/** Why `key` is not a Kubernetes label key (`[prefix/]name`), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/')
  const prefix = slash === -1 ? undefined : key.slice(0, slash)
  const name = slash === -1 ? key : key.slice(slash + 1)
  if (prefix !== undefined && !isDnsName(prefix)) return `has a prefix ("${prefix}") that is not a DNS name`
  if (!LABEL_NAME.test(name)) {
    return "is not a label key (name part: letters, digits, '-', '_' and '.', at most 63 characters)"
  }
  return undefined
}

/** Why `value` is not a Kubernetes label value, or undefined (the empty value is allowed). */
export function labelValueProblem(value: string): string | undefined {
  return value === '' || LABEL_NAME.test(value)
    ? undefined
    : "is not a label value (letters, digits, '-', '_' and '.', at most 63 characters)"
}

/** AWS tag characters: letters, digits, spaces (any script) and `_ . : / = + - @` (EC2, ELB, ASG, KMS, IAM agree on these). */
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u
/** AWS's per-resource tag limit. */
export const AWS_MAX_TAGS = 50

/**
 * Tags kforge sets itself and the AWS cloud provider trusts: a user tag with one of these keys
 * could claim a resource for another cluster (`kubernetes.io/cluster/<other>: owned`), hide it from
 * this one, or pass for kforge's own bookkeeping. `aws:` is AWS's own prefix.
 */
export function reservedTagProblem(key: string): string | undefined {
  if (key === 'KubernetesCluster') return 'is set by kforge (the cluster a resource belongs to)'
  if (key.startsWith('kubernetes.io/cluster/'))
    return 'is set by kforge (which cluster owns or shares a resource)'
  if (key.startsWith('kforge.dev/')) return 'uses the prefix "kforge.dev/", which kforge keeps for itself'
  if (key.toLowerCase().startsWith('aws:')) return 'uses the prefix "aws:", which AWS reserves'
  return undefined
}

/** Why `key` cannot be an AWS tag key, or undefined. */
export function awsTagKeyProblem(key: string): string | undefined {
  if ([...key].length === 0 || [...key].length > 128) return 'must be 1 to 128 characters (an AWS tag key)'
  if (!AWS_TAG_TEXT.test(key))
    return 'has a character AWS tags refuse (letters, digits, spaces and _ . : / = + - @)'
  return reservedTagProblem(key)
}

/** Why `value` cannot be an AWS tag value, or undefined. */
export function awsTagValueProblem(value: string): string | undefined {
  if ([...value].length > 256) return 'is longer than 256 characters (an AWS tag value)'
  if (!AWS_TAG_TEXT.test(value))
    return 'has a character AWS tags refuse (letters, digits, spaces and _ . : / = + - @)'
  return undefined
}

export const AWS_ID = {
  vpc: /^vpc-[0-9a-f]{8,17}$/,
  subnet: /^subnet-[0-9a-f]{8,17}$/,
  ami: /^ami-[0-9a-f]{8,17}$/,
  region: /^[a-z]{2}(-[a-z]+)+-\d+$/,
  kmsKey: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/\S+$/,
  instanceType: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/,
  sshPublicKey:
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/,
} as const
