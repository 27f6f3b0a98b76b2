// Command testapp is the workload kforge's real-cluster tests run (no registry is reachable, so
// no busybox): `testapp serve :8080` answers every request with the pod's name, and
// `testapp get URL` fetches a URL (resolving names through the pod's DNS) and prints the body.
package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: testapp serve ADDR | testapp get URL")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		name, _ := os.Hostname()
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			log.Printf("%s %s from %s", r.Method, r.URL.Path, r.RemoteAddr)
			fmt.Fprintf(w, "hello from %s\n", name)
		})
		log.Printf("serving on %s", os.Args[2])
		log.Fatal(http.ListenAndServe(os.Args[2], nil))
	case "get":
		client := http.Client{Timeout: 10 * time.Second}
		res, err := client.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		fmt.Print(string(body))
		if res.StatusCode != http.StatusOK {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: testapp serve ADDR | testapp get URL")
		os.Exit(2)
	}
}
