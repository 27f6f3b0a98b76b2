/**
 * Prerequisites phase: what every later phase's user-data is rendered from — the cluster's KMS
 * key and its alias (unless the spec names a key of its own), and the objects the state store
 * holds for instances (resources/store-objects.ts). The CloudFormation target never puts these in
 * its stack: they are applied directly first and the stack takes what they made as literals.
 */
import {ref} from '../model/types.js'
import {kmsAliasKind} from '../resources/kms-alias.js'
import {kmsKeyKind} from '../resources/kms-key.js'
import {storeObjectsKind, userDataAttr} from '../resources/store-objects.js'
import type {ModelBuilder} from './context.js'
import {clusterKey} from './iam.js'
import {awsNames, names} from './names.js'

export function buildPrerequisites(b: ModelBuilder): void {
  if (!b.cluster.spec.cloud.aws.kmsKeyArn) {
    b.add(kmsKeyKind, names.kmsKey, {
      description: `kforge cluster ${b.name}: encrypts its assets`,
      tags: b.tags(names.kmsKey, 'kms'),
    })
    b.add(kmsAliasKind, names.kmsAlias, {
      name: awsNames.kmsAlias(b.name),
      targetKeyId: ref(names.kmsKey),
    })
    b.outputs.push({name: 'KmsKeyArn', description: 'The cluster key', value: ref(names.kmsKey, 'arn')})
  }
  // User-data given as bytes (a library caller's own) needs nothing from the state store.
  if (b.inputs.userData) return
  b.add(
    storeObjectsKind,
    names.storeObjects,
    {keyArn: clusterKey(b), location: b.inputs.stateStore ?? '(no state store given)'},
    // Sealing uses the key by its ARN, but instances and later runs find it by alias.
    b.has(names.kmsAlias) ? {dependsOn: [names.kmsAlias]} : {},
  )
}

/** A launch template's user-data: the given bytes, or the prerequisites' rendering (a Ref). */
export function userDataOf(b: ModelBuilder, group: string): string | ReturnType<typeof ref> {
  const given = b.inputs.userData
  if (given) return Buffer.from(given(group)).toString('base64')
  return ref(names.storeObjects, userDataAttr(group), 'rendered after the prerequisites')
}
