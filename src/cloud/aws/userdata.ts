/**
 * The user-data each instance group's launch template carries. The one place the provisioner
 * asks for it, so switching to the full renderer (src/render) is a change here only.
 */
import type {Cluster, InstanceGroup} from '../../api/v1alpha1/types.js'

/** Cloud-config text for `group`'s instances. */
export function userDataFor(cluster: Cluster, group: InstanceGroup): string {
  // Until the cloud-init renderer lands: a minimal, valid cloud-config naming the cluster and group.
  return [
    '#cloud-config',
    `# kforge cluster ${cluster.name}, instance group ${group.name} (${group.spec.role})`,
    'package_update: false',
    'write_files:',
    '  - path: /etc/kforge/instance-group',
    "    permissions: '0644'",
    `    content: ${JSON.stringify(`${cluster.name}/${group.name}\n`)}`,
    '',
  ].join('\n')
}
