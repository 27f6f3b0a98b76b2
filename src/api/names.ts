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
