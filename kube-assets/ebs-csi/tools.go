//go:build tools

// Package tools pins the external-provisioner that the local EBS CSI run builds
// (scripts/ebs-csi-local.mjs); the binary is built straight from its module.
package tools

import _ "github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner"
