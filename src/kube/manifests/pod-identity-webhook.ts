/**
 * The API objects of kforge's pod identity webhook (src/podidentity): the registration the API
 * server calls it through, and the one right it has, reading ServiceAccounts.
 *
 * The webhook runs on every control-plane node and listens on loopback, so each kube-apiserver
 * calls the one beside it by URL (no Service, no pod, nothing to schedule before it works; the
 * same URL is right on every node). Its serving certificate is signed by the cluster CA, the
 * caBundle here, which every control-plane node already shares. failurePolicy Ignore: a webhook
 * that is down, or not yet started on a node, costs the pods created meanwhile their injection,
 * never their creation, as with EKS's.
 */

import {MutatingWebhookConfigurations} from '../resources.js'
import type {MutatingWebhookConfiguration} from '../types.js'
import {clusterRole, clusterRoleBinding, user} from './rbac.js'
import type {Manifest, ManifestSet} from './types.js'

export const WEBHOOK_CONFIGURATION = 'kforge-pod-identity-webhook'
export const WEBHOOK_NAME = 'pod-identity.kforge.dev'
/** The webhook's client certificate names this user (no group: it is bound to nothing else). */
export const WEBHOOK_USER = 'system:kforge:pod-identity-webhook'
export const WEBHOOK_ROLE = 'kforge:pod-identity-webhook'
/** Pods with this label are never sent to the webhook (upstream's opt-out label). */
export const SKIP_LABEL = 'eks.amazonaws.com/skip-pod-identity-webhook'

export function webhookUrl(port: number): string {
  return `https://127.0.0.1:${port}/mutate`
}

/** get serviceaccounts, nothing else: the review names the account, the webhook reads it. */
export function podIdentityRbac(): ManifestSet {
  return [
    clusterRole(WEBHOOK_ROLE, [{verbs: ['get'], apiGroups: [''], resources: ['serviceaccounts']}]),
    clusterRoleBinding(WEBHOOK_ROLE, WEBHOOK_ROLE, [user(WEBHOOK_USER)]),
  ]
}

export function podIdentityWebhookConfiguration(
  caPem: string,
  port: number,
): Manifest<MutatingWebhookConfiguration> {
  return {
    type: MutatingWebhookConfigurations,
    object: {
      metadata: {name: WEBHOOK_CONFIGURATION, labels: {'app.kubernetes.io/managed-by': 'kforge'}},
      webhooks: [
        {
          name: WEBHOOK_NAME,
          clientConfig: {url: webhookUrl(port), caBundle: Buffer.from(caPem).toString('base64')},
          rules: [
            {
              operations: ['CREATE'],
              apiGroups: [''],
              apiVersions: ['v1'],
              resources: ['pods'],
              scope: 'Namespaced',
            },
          ],
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          matchPolicy: 'Equivalent',
          // The patch is idempotent (src/podidentity/patch.ts): a container another webhook adds
          // after this one still gets the token.
          reinvocationPolicy: 'IfNeeded',
          // On loopback an answer takes milliseconds; a stuck webhook must not hold pod creation long.
          timeoutSeconds: 3,
          // Every namespace: kube-system's controllers (the EBS CSI driver) use roles too.
          namespaceSelector: {},
          objectSelector: {matchExpressions: [{key: SKIP_LABEL, operator: 'DoesNotExist'}]},
        },
      ],
    },
  }
}
