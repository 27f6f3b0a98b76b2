// A stand-in for the controller half of aws-ebs-csi-driver, for the local real cluster only.
//
// The driver's own module (github.com/kubernetes-sigs/aws-ebs-csi-driver) is not served by the Go
// module proxy this project builds from, so it cannot be built here. This program answers the
// same CSI calls the real external-provisioner makes (Identity, CreateVolume, DeleteVolume) under
// the driver's name, and makes the EC2 calls the driver makes, with the tags the driver puts on a
// volume when started with --k8s-tag-cluster-id and fed --extra-create-metadata: so the
// provisioner, the manifests, RBAC and the EC2 request can be checked end to end against the AWS
// emulator. It is not the driver, and it has no node half.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
)

const driverName = "ebs.csi.aws.com"

type ec2Client struct {
	endpoint, region, accessKey, secretKey string
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// call sends one EC2 Query API request, signed with Signature Version 4.
func (c *ec2Client) call(ctx context.Context, params url.Values) ([]byte, error) {
	params.Set("Version", "2016-11-15")
	body := params.Encode()
	u, err := url.Parse(c.endpoint)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	amzDate := now.Format("20060102T150405Z")
	day := now.Format("20060102")
	payloadHash := sha256.Sum256([]byte(body))
	canonical := strings.Join([]string{
		"POST", "/", "",
		"content-type:application/x-www-form-urlencoded; charset=utf-8",
		"host:" + u.Host,
		"x-amz-date:" + amzDate,
		"",
		"content-type;host;x-amz-date",
		hex.EncodeToString(payloadHash[:]),
	}, "\n")
	scope := day + "/" + c.region + "/ec2/aws4_request"
	canonicalHash := sha256.Sum256([]byte(canonical))
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(canonicalHash[:])
	key := hmacSHA256(hmacSHA256(hmacSHA256(hmacSHA256([]byte("AWS4"+c.secretKey), day), c.region), "ec2"), "aws4_request")
	signature := hex.EncodeToString(hmacSHA256(key, toSign))
	req, err := http.NewRequestWithContext(ctx, "POST", c.endpoint, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("Authorization", fmt.Sprintf(
		"AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=content-type;host;x-amz-date, Signature=%s",
		c.accessKey, scope, signature))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != 200 {
		return nil, fmt.Errorf("EC2 %s: HTTP %d: %s", params.Get("Action"), res.StatusCode, out)
	}
	return out, nil
}

type server struct {
	csi.UnimplementedIdentityServer
	csi.UnimplementedControllerServer
	ec2       *ec2Client
	clusterID string
	zone      string
}

func (s *server) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: driverName, VendorVersion: "standin"}, nil
}

func (s *server) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (s *server) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{}, nil
}

func (s *server) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: []*csi.ControllerServiceCapability{{
		Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME}},
	}}}, nil
}

type volumeResponse struct {
	VolumeID string `xml:"volumeId"`
	Items    []struct {
		VolumeID string `xml:"volumeId"`
	} `xml:"volumeSet>item"`
}

func (s *server) CreateVolume(ctx context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	gib := int64(1)
	if b := req.GetCapacityRange().GetRequiredBytes(); b > 0 {
		gib = (b + (1<<30 - 1)) >> 30
	}
	// Idempotent as the driver is: a retried request finds the volume it already made.
	found, err := s.ec2.call(ctx, url.Values{
		"Action": {"DescribeVolumes"}, "Filter.1.Name": {"tag:CSIVolumeName"}, "Filter.1.Value.1": {req.GetName()},
	})
	if err != nil {
		return nil, err
	}
	var existing volumeResponse
	if err := xml.Unmarshal(found, &existing); err != nil {
		return nil, err
	}
	if len(existing.Items) > 0 {
		return &csi.CreateVolumeResponse{Volume: &csi.Volume{VolumeId: existing.Items[0].VolumeID, CapacityBytes: gib << 30}}, nil
	}
	tags := map[string]string{"CSIVolumeName": req.GetName(), "ebs.csi.aws.com/cluster": "true"}
	if s.clusterID != "" {
		tags["kubernetes.io/cluster/"+s.clusterID] = "owned"
		tags["Name"] = s.clusterID + "-dynamic-" + req.GetName()
		tags["KubernetesCluster"] = s.clusterID
	}
	p := req.GetParameters()
	for param, tag := range map[string]string{
		"csi.storage.k8s.io/pvc/name":      "kubernetes.io/created-for/pvc/name",
		"csi.storage.k8s.io/pvc/namespace": "kubernetes.io/created-for/pvc/namespace",
		"csi.storage.k8s.io/pv/name":       "kubernetes.io/created-for/pv/name",
	} {
		if v, ok := p[param]; ok {
			tags[tag] = v
		}
	}
	params := url.Values{
		"Action": {"CreateVolume"}, "AvailabilityZone": {s.zone}, "Size": {strconv.FormatInt(gib, 10)},
		"VolumeType": {p["type"]}, "Encrypted": {p["encrypted"]}, "TagSpecification.1.ResourceType": {"volume"},
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		params.Set(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i+1), k)
		params.Set(fmt.Sprintf("TagSpecification.1.Tag.%d.Value", i+1), tags[k])
	}
	out, err := s.ec2.call(ctx, params)
	if err != nil {
		return nil, err
	}
	var created volumeResponse
	if err := xml.Unmarshal(out, &created); err != nil || created.VolumeID == "" {
		return nil, fmt.Errorf("CreateVolume: no volume ID in %s", out)
	}
	log.Printf("CreateVolume %s: %s (%d GiB in %s)", req.GetName(), created.VolumeID, gib, s.zone)
	return &csi.CreateVolumeResponse{Volume: &csi.Volume{VolumeId: created.VolumeID, CapacityBytes: gib << 30}}, nil
}

func (s *server) DeleteVolume(ctx context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	if _, err := s.ec2.call(ctx, url.Values{"Action": {"DeleteVolume"}, "VolumeId": {req.GetVolumeId()}}); err != nil {
		return nil, err
	}
	log.Printf("DeleteVolume %s", req.GetVolumeId())
	return &csi.DeleteVolumeResponse{}, nil
}

func main() {
	endpoint := flag.String("endpoint", "unix:///var/lib/csi/sockets/pluginproxy/csi.sock", "CSI endpoint")
	clusterID := flag.String("k8s-tag-cluster-id", "", "cluster ID for the volume tags")
	// The driver's other controller flags, which kforge's manifest passes: accepted, no effect here.
	for _, name := range []string{"batching", "logging-format", "user-agent-extra", "v"} {
		flag.String(name, "", "accepted for the driver's command line; ignored")
	}
	flag.CommandLine.Parse(os.Args[2:]) // os.Args[1] is the mode, "controller", as the driver takes it
	s := &server{
		ec2: &ec2Client{
			endpoint: os.Getenv("AWS_EC2_ENDPOINT"), region: os.Getenv("AWS_REGION"),
			accessKey: os.Getenv("AWS_ACCESS_KEY_ID"), secretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		},
		clusterID: *clusterID,
		zone:      os.Getenv("STANDIN_ZONE"),
	}
	path := strings.TrimPrefix(strings.TrimPrefix(*endpoint, "unix://"), "unix:")
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		log.Fatal(err)
	}
	g := grpc.NewServer()
	csi.RegisterIdentityServer(g, s)
	csi.RegisterControllerServer(g, s)
	log.Printf("serving %s on %s", driverName, path)
	log.Fatal(g.Serve(l))
}
