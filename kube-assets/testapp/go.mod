module kforge.dev/kube-assets/testapp

go 1.26
