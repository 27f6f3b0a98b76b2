//go:build tools

// Package tools pins the etcd server kubeadm pairs with kforge's default Kubernetes release
// (kubeadm's constants.DefaultEtcdVersion); the binary is built from go.etcd.io/etcd/server/v3.
package tools

import _ "go.etcd.io/etcd/server/v3"
