"""The pinned Go components of the test control plane.

Later parts of Seaway add their tools here (kustomize, helm, an OCI registry) so that they share
the cache and the build procedure.
"""

from __future__ import annotations

from testbed.build import GoComponent

KUBERNETES_VERSION = "v1.36.3"
# The k8s.io/* staging modules are published with the same minor and patch as v0.x.y.
KUBERNETES_STAGING_VERSION = "v0" + KUBERNETES_VERSION[2:]
ETCD_VERSION = "v3.6.16"
KWOK_VERSION = "v0.8.0"


def _kubernetes_ldflags(version: str) -> tuple[str, ...]:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = []
    # Without these, /version reports v0.0.0 and clients that check the server version break.
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ]
    return ("-s", "-w", *flags)


KUBERNETES = GoComponent(
    name="kubernetes",
    module="k8s.io/kubernetes",
    version=KUBERNETES_VERSION,
    packages=(
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "k8s.io/kubernetes/cmd/kube-scheduler",
    ),
    ldflags=_kubernetes_ldflags(KUBERNETES_VERSION),
    staging_version=KUBERNETES_STAGING_VERSION,
)

ETCD = GoComponent(
    name="etcd",
    module="go.etcd.io/etcd/server/v3",
    version=ETCD_VERSION,
    # The module's root package is etcd's main, which go build names "server".
    packages=("go.etcd.io/etcd/server/v3",),
    ldflags=("-s", "-w"),
    renames={"server": "etcd"},
)

KWOK = GoComponent(
    name="kwok",
    module="sigs.k8s.io/kwok",
    version=KWOK_VERSION,
    packages=("sigs.k8s.io/kwok/cmd/kwok",),
    ldflags=("-s", "-w", f"-X sigs.k8s.io/kwok/pkg/consts.Version={KWOK_VERSION.lstrip('v')}"),
    # KWOK's "fast" stages: nodes turn Ready at once, pods turn Running and Ready, then complete
    # or go away when deleted.
    data_files=(
        "kustomize/stage/node/fast/node-initialize.yaml",
        "kustomize/stage/pod/fast/pod-ready.yaml",
        "kustomize/stage/pod/fast/pod-complete.yaml",
        "kustomize/stage/pod/fast/pod-delete.yaml",
    ),
)

CONTROL_PLANE = (ETCD, KUBERNETES, KWOK)

HELM_VERSION = "v3.22.0"

HELM = GoComponent(
    name="helm",
    module="helm.sh/helm/v3",
    version=HELM_VERSION,
    packages=("helm.sh/helm/v3/cmd/helm",),
    # Without these, `helm version` says the module's default version and "unreleased", which
    # charts that check .Capabilities.HelmVersion would see too.
    ldflags=(
        "-s",
        "-w",
        f"-X helm.sh/helm/v3/internal/version.version={HELM_VERSION}",
        "-X helm.sh/helm/v3/internal/version.metadata=",
        "-X helm.sh/helm/v3/internal/version.gitTreeState=clean",
    ),
)

CRANE_VERSION = "v0.22.1"

# An OCI registry for tests (`crane registry serve`) and a client to push images to it.
CRANE = GoComponent(
    name="crane",
    module="github.com/google/go-containerregistry",
    version=CRANE_VERSION,
    packages=("github.com/google/go-containerregistry/cmd/crane",),
    ldflags=("-s", "-w"),
)

GATEWAY_API_VERSION = "v1.6.3"

# Gateway API's standard-channel CRDs (HTTPRoute and what it refers to), as the module ships
# them: no binaries, only the manifests, which a test fixture installs into the test cluster.
GATEWAY_API = GoComponent(
    name="gateway-api",
    module="sigs.k8s.io/gateway-api",
    version=GATEWAY_API_VERSION,
    packages=(),
    data_files=tuple(
        f"config/crd/standard/gateway.networking.k8s.io_{plural}.yaml"
        for plural in ("gatewayclasses", "gateways", "httproutes", "referencegrants")
    ),
)

# Renderers and other tools the tests need besides the control plane.
TOOLS = (HELM, CRANE, GATEWAY_API)
