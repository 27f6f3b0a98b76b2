/**
 * Where the provisioner writes a node's NodeBootstrap document (kforge.dev/v1alpha1: CNI, addons,
 * self-hosting) and where init reads it: one path both sides name, below them both.
 */
export const NODE_CONFIG_FILE = '/etc/kforge/node.yaml'
