//go:build tools

// Package tools pins the etcd server kubeadm pairs with kforge's default Kubernetes release
// (kubeadm's constants.DefaultEtcdVersion), and etcdutl of the same release: the binaries are
// built from go.etcd.io/etcd/server/v3 and go.etcd.io/etcd/etcdutl/v3. One module, so the server
// and the tool that writes its restored data directory link the same bbolt and raft.
package tools

import (
	_ "go.etcd.io/etcd/etcdutl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
