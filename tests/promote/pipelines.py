"""Environment repos with a stage pipeline, for the promotion tests: real bare remotes with
dev, staging and prod branches (or one branch with a folder per stage)."""

from __future__ import annotations

from pathlib import Path

import yaml

from seaway.model import load_documents
from seaway.model.pipeline import PIPELINE_KINDS, Pipeline
from tests.gitrepo import Upstream, git

# Odd but valid formatting: every byte but the tag must survive a promotion.
KUSTOMIZATION = """\
# {stage} overlay
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deploy.yaml   # the workload
images:
  - name: registry.example/web
    newTag: {tag} # set by promotion
  - name: registry.example/api
    newTag: "{api}"
"""

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example/web:v0
        - name: api
          image: registry.example/api:0.9
"""


def stage_files(stage: str, tag: str, api: str = "1.0") -> dict[str, str]:
    return {
        "web/kustomization.yaml": KUSTOMIZATION.format(stage=stage, tag=tag, api=api),
        "web/deploy.yaml": DEPLOY,
    }


def pipeline_yaml(stages: list[dict[str, object]], **spec: object) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "seaway.dev/v1alpha1",
            "kind": "Pipeline",
            "metadata": {"name": "web"},
            "spec": {"stages": stages, **spec},
        },
        sort_keys=False,
    )


def parse_pipeline(text: str) -> Pipeline:
    [pipeline] = load_documents(text, "seaway-pipeline.yaml", kinds=PIPELINE_KINDS)
    return pipeline


def branches_repo(
    tmp: Path, tags: dict[str, str], pipeline: str, api: dict[str, str] | None = None
) -> Path:
    """A bare remote: the pipeline file on main, each stage's files on its own branch."""
    upstream = Upstream(tmp / "upstream")
    upstream.commit({"seaway-pipeline.yaml": pipeline}, "pipeline")
    for stage, tag in tags.items():
        upstream.commit(
            stage_files(stage, tag, (api or {}).get(stage, "1.0")), f"{stage} files", branch=stage
        )
    return upstream.bare_copy(tmp / "remote.git")


def head(remote: Path, branch: str) -> str:
    return git(remote, "rev-parse", branch)


def push_other_change(remote: Path, where: Path, branch: str, files: dict[str, str]) -> None:
    """Another actor's push to `branch`, from a clone of its own."""
    if not where.exists():
        git(remote.parent, "clone", "--quiet", "--branch", branch, str(remote), str(where))
    git(where, "pull", "--quiet", "--ff-only")
    for name, text in files.items():
        (where / name).parent.mkdir(parents=True, exist_ok=True)
        (where / name).write_text(text)
    git(where, "add", "--all")
    git(where, "commit", "--quiet", "-m", "someone else's change")
    git(where, "push", "--quiet", "origin", f"HEAD:{branch}")
