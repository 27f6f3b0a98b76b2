/**
 * Workload identity in the spec (kops's serviceAccountIssuerDiscovery and
 * iam.serviceAccountExternalPermissions): defaults, the issuer URL it implies, the printed spec,
 * and an error naming each wrong field.
 */
import {describe, expect, it} from 'vitest'
import {publishedIssuer} from '../../../../src/api/v1alpha1/identity.js'
import {loadSpec, renderSpec} from '../../../../src/api/v1alpha1/index.js'
import {edited, messagesOf} from './helpers.js'

const C = 'cluster.yaml: Cluster "demo.example.com":'
const PERMS = 'spec.iam.serviceAccountExternalPermissions'

const withIrsa = (edit: (spec: Record<string, unknown>) => void = () => {}) =>
  edited((d) => {
    d[0].spec.serviceAccountIssuerDiscovery = {
      discoveryStore: 's3://demo-oidc/clusters/demo',
      enableAWSOIDCProvider: true,
    }
    d[0].spec.iam = {
      serviceAccountExternalPermissions: [
        {
          name: 'uploader',
          namespace: 'media',
          aws: {policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']},
        },
      ],
    }
    edit(d[0].spec)
  })

describe('service-account issuer discovery', () => {
  it("publishes at kops's S3 URL in the cluster's region, and prints back the same spec", () => {
    const cluster = loadSpec(withIrsa(), 'cluster.yaml')
    expect(cluster.spec.serviceAccountIssuerDiscovery).toEqual({
      discoveryStore: 's3://demo-oidc/clusters/demo',
      enableAWSOIDCProvider: true,
    })
    const issuer = publishedIssuer(cluster.spec)!
    expect(issuer.url).toBe(
      `https://demo-oidc.s3.${cluster.spec.cloud.aws.region}.amazonaws.com/clusters/demo`,
    )
    expect(issuer.jwksUri).toBe(`${issuer.url}/openid/v1/jwks`)
    const printed = renderSpec(cluster)
    expect(printed).toContain('serviceAccountIssuerDiscovery:')
    expect(renderSpec(loadSpec(printed, 'printed.yaml'))).toBe(printed)
  })

  it('is absent unless written, and enableAWSOIDCProvider defaults to false', () => {
    expect(
      loadSpec(
        edited(() => {}),
        'cluster.yaml',
      ).spec.serviceAccountIssuerDiscovery,
    ).toBeUndefined()
    const text = edited((d) => {
      d[0].spec.serviceAccountIssuerDiscovery = {discoveryStore: 's3://demo-oidc'}
    })
    const spec = loadSpec(text, 'cluster.yaml').spec
    expect(spec.serviceAccountIssuerDiscovery?.enableAWSOIDCProvider).toBe(false)
    expect(publishedIssuer(spec)?.url).toBe(`https://demo-oidc.s3.${spec.cloud.aws.region}.amazonaws.com`)
  })

  it('refuses a store that is not s3://, a dotted bucket (S3 certificate) and needs the provider for mappings', () => {
    expect(
      messagesOf(
        withIrsa(
          (s) =>
            (s.serviceAccountIssuerDiscovery = {discoveryStore: 'https://x', enableAWSOIDCProvider: true}),
        ),
      ),
    ).toEqual([
      `${C} spec.serviceAccountIssuerDiscovery.discoveryStore ("https://x") must be an s3://bucket[/prefix] location`,
    ])
    expect(
      messagesOf(
        withIrsa(
          (s) =>
            (s.serviceAccountIssuerDiscovery = {
              discoveryStore: 's3://oidc.example.com',
              enableAWSOIDCProvider: true,
            }),
        ),
      )[0],
    ).toMatch(
      /^cluster.yaml: Cluster "demo.example.com": spec.serviceAccountIssuerDiscovery.discoveryStore \("oidc.example.com"\) has dots: its issuer URL/,
    )
    expect(
      messagesOf(withIrsa((s) => (s.serviceAccountIssuerDiscovery = {discoveryStore: 's3://demo-oidc'}))),
    ).toEqual([
      `${C} ${PERMS} needs spec.serviceAccountIssuerDiscovery with enableAWSOIDCProvider: true (the roles trust that OIDC provider)`,
    ])
  })
})

describe('service accounts mapped to IAM roles', () => {
  it('names each wrong field: namespace, name, duplicates, policy ARNs', () => {
    const text = withIrsa((s) => {
      s.iam = {
        serviceAccountExternalPermissions: [
          {name: 'Uploader', namespace: 'media.x', aws: {policyARNs: []}},
          {
            name: 'a',
            namespace: 'b',
            aws: {
              policyARNs: [
                'AmazonS3ReadOnlyAccess',
                'arn:aws:iam::111122223333:policy/p',
                'arn:aws:iam::111122223333:policy/p',
              ],
            },
          },
          {name: 'a', namespace: 'b', aws: {policyARNs: ['arn:aws:iam::aws:policy/ReadOnlyAccess']}},
        ],
      }
    })
    expect(messagesOf(text)).toEqual([
      `${C} ${PERMS}[0].namespace ("media.x") is not a namespace name (a DNS label)`,
      `${C} ${PERMS}[0].name ("Uploader") is not a service account name (a DNS subdomain)`,
      `${C} ${PERMS}[0].aws.policyARNs must list at least one policy ARN`,
      `${C} ${PERMS}[1].aws.policyARNs[0] ("AmazonS3ReadOnlyAccess") is not a managed policy ARN like arn:aws:iam::111122223333:policy/name`,
      `${C} ${PERMS}[1].aws.policyARNs[2] ("arn:aws:iam::111122223333:policy/p") is listed twice`,
      `${C} ${PERMS}[2] (b/a) is mapped twice`,
    ])
  })

  it('a missing aws block is a shape error naming the field', () => {
    const text = withIrsa((s) => {
      s.iam = {serviceAccountExternalPermissions: [{name: 'a', namespace: 'b'}]}
    })
    expect(messagesOf(text).join('\n')).toMatch(/spec\.iam\.serviceAccountExternalPermissions\[0\]\.aws/)
  })
})
