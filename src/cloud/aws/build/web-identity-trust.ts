/** The trust policy every service-account role of kforge's has (identity.ts, ebs-csi-role.ts). */
import {STS_AUDIENCE, serviceAccountSubject} from '../../../api/v1alpha1/identity.js'

/** The trust policy of a service account's role: that subject, that audience, through that provider. */
export function webIdentityTrust(providerArn: unknown, issuerUrl: string, namespace: string, name: string) {
  const host = issuerUrl.replace(/^https:\/\//, '')
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: {Federated: providerArn},
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${host}:sub`]: serviceAccountSubject({namespace, name}),
            [`${host}:aud`]: STS_AUDIENCE,
          },
        },
      },
    ],
  }
}
