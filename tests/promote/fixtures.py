"""Environment repos for the write-back tests: a bare remote with dev and prod branches."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.gitrepo import GIT_ENV, Upstream, git

DIGEST = "sha256:" + "ab" * 32
OTHER_DIGEST = "sha256:" + "cd" * 32

# Odd but valid formatting on purpose: every byte outside the image value must survive.
MULTI_DOC = """\
# The web tier: a Deployment and a canary Rollout.
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # keep this comment
  labels: {app: web,  tier: "front"}
spec:
  replicas: 2
  template:
    spec:
      initContainers:
          - name: migrate
            image: 'registry.example/web:v1'   # same image, migrations
      containers:
      - name: web
        image: registry.example/web:v1 # the app
        args: ["--port", '8080']
      - name: sidecar
        image: registry.example/proxy:3.2
---
# second document
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web-canary}
spec:
  template:
    spec:
      containers:
        - name: web
          image: "registry.example/web:v1"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: not-a-workload
data:
  image: registry.example/web:v1
...
"""

KUSTOMIZATION = """\
# dev overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base   # shared manifests
images:
  - name: registry.example/web
    newTag: v1 # bumped by CI
"""

BASE_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: registry.example/api:1.0
        - name: web
          image: registry.example/web:v0
"""

VALUES = """\
# Helm values for dev
replicaCount: 1
image:
  repository: registry.example/web  # where from
  tag: "v1"
  pullPolicy: IfNotPresent
"""


def make_remote(tmp_path: Path, files: dict[str, str]) -> Path:
    """A bare repo whose `dev` branch holds the files; returns its path."""
    upstream = Upstream(tmp_path / "upstream")
    upstream.commit({"README.md": "env repo\n"}, "initial")
    upstream.commit(files, "dev files", branch="dev")
    return upstream.bare_copy(tmp_path / "remote.git")


def show(remote: Path, branch: str, path: str) -> str:
    """The file's exact text on the branch (no stripping: the bytes are what is tested)."""
    done = subprocess.run(
        ["git", "show", f"{branch}:{path}"],
        cwd=remote,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def log(remote: Path, branch: str) -> list[str]:
    return git(remote, "log", "--format=%s", branch).splitlines()


def push_from_clone(remote: Path, where: Path, files: dict[str, str], message: str) -> None:
    """Another actor's push to `dev`, made from a clone of its own."""
    if not where.exists():
        git(remote.parent, "clone", "--quiet", "--branch", "dev", str(remote), str(where))
    git(where, "pull", "--quiet", "--ff-only")
    for name, text in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(text)
    git(where, "add", "--all")
    git(where, "commit", "--quiet", "-m", message)
    git(where, "push", "--quiet", "origin", "HEAD:dev")
