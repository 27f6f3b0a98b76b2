module kforge.dev/kube-assets/pause

go 1.26
