"""Seaway's test control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
KWOK, built from their Go modules into a cache outside the repository and run on 127.0.0.1.

Not part of the installed `seaway` package: it serves the test suite and `./scripts/testbed`.
"""
