// Command kforge-hostgw is kforge's minimal pod network for nodes that share one L2 segment: it
// writes the node's CNI configuration (bridge + host-local over the podCIDR the controller-manager
// allocated, plus portmap), installs the CNI plugins it carries, and routes every other node's
// podCIDR through that node's InternalIP, as flannel's host-gw backend does. It runs as a
// hostNetwork DaemonSet (src/kube/manifests/cni.ts) and needs only get/list/watch on Nodes.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/vishvananda/netlink"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// routeProtocol marks the routes this agent owns, so it removes only its own stale routes.
const routeProtocol = netlink.RouteProtocol(75)

func main() {
	confDir := flag.String("cni-conf-dir", "/etc/cni/net.d", "where the CNI configuration is written")
	binDir := flag.String("cni-bin-dir", "/opt/cni/bin", "where the CNI plugins are installed")
	pluginDir := flag.String("plugins", "/cni-plugins", "the CNI plugins this image carries")
	interval := flag.Duration("interval", 5*time.Second, "how often routes are reconciled")
	flag.Parse()
	nodeName := os.Getenv("NODE_NAME")
	if nodeName == "" {
		log.Fatal("NODE_NAME is not set (the DaemonSet passes spec.nodeName)")
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(cfg)
	if err := installPlugins(*pluginDir, *binDir); err != nil {
		log.Fatalf("installing CNI plugins: %v", err)
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		log.Fatalf("enabling IPv4 forwarding: %v", err)
	}
	for {
		if err := reconcile(context.Background(), client, nodeName, *confDir); err != nil {
			log.Printf("reconcile: %v", err)
		}
		time.Sleep(*interval)
	}
}

func installPlugins(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyExecutable(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// copyExecutable writes through a temporary file and renames, so a plugin the runtime is executing
// is never truncated under it.
func copyExecutable(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := to + ".kforge-tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, to)
}

func internalIP(n *corev1.Node) net.IP {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			if ip := net.ParseIP(a.Address); ip != nil && ip.To4() != nil {
				return ip
			}
		}
	}
	return nil
}

func reconcile(ctx context.Context, client kubernetes.Interface, self, confDir string) error {
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	want := map[string]*netlink.Route{}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if n.Spec.PodCIDR == "" {
			continue
		}
		if n.Name == self {
			if err := writeConfig(confDir, n.Spec.PodCIDR); err != nil {
				return err
			}
			continue
		}
		_, dst, err := net.ParseCIDR(n.Spec.PodCIDR)
		gw := internalIP(n)
		if err != nil || gw == nil {
			continue
		}
		want[dst.String()] = &netlink.Route{Dst: dst, Gw: gw, Protocol: routeProtocol}
	}
	for _, r := range want {
		if err := netlink.RouteReplace(r); err != nil {
			log.Printf("route %s via %s: %v", r.Dst, r.Gw, err)
		}
	}
	have, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return err
	}
	for i := range have {
		if have[i].Dst != nil && want[have[i].Dst.String()] == nil {
			if err := netlink.RouteDel(&have[i]); err != nil {
				log.Printf("removing stale route %s: %v", have[i].Dst, err)
			}
		}
	}
	return nil
}

func writeConfig(dir, podCIDR string) error {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "kforge-hostgw",
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      "cni0",
				"isGateway":   true,
				"ipMasq":      false,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": [][]map[string]string{{{"subnet": podCIDR}}},
					"routes": []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "10-kforge-hostgw.conflist")
	if old, err := os.ReadFile(path); err == nil && string(old) == string(data) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	fmt.Printf("wrote %s for podCIDR %s\n", path, podCIDR)
	return nil
}
