"""Poll an Application's image repositories and write a newer image back to its environment
repo: the registry I/O and the Git write-back around the pure choice in spec.py.

One poll of one app: for each listed image, list the registry's tags (semver, alphabetical),
read the build time of each candidate (newest-build), or resolve the followed tag (digest); then
set the chosen image with the existing write-back, which commits and pushes only when the repo
does not already say so. One image's failure is reported and the others still go ahead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from seaway.model import Application
from seaway.promote.poll.spec import (
    CREATED_LABEL,
    GIT_BRANCH,
    ImageSpec,
    PollError,
    Strategy,
    choose_tag,
    newest_build,
    parse_specs,
)
from seaway.promote.writeback import (
    Author,
    HelmTarget,
    WriteBack,
    WriteBackError,
    parse_image_ref,
    write_back,
)
from seaway.registry import RegistryClient, RegistryError, parse_reference
from seaway.source import Credentials, SourceError

log = logging.getLogger("seaway.promote.poll")

# newest-build reads one config per candidate tag: only the most recent names are looked at.
NEWEST_BUILD_CANDIDATES = 50


@dataclass(frozen=True)
class PollResult:
    alias: str
    image: str
    # The image reference written (or that would be), None when nothing qualified or it failed.
    chosen: str | None
    commit: str | None
    message: str

    @property
    def failed(self) -> bool:
        return self.chosen is None and self.message.startswith("error")


@dataclass(frozen=True)
class Target:
    """Where the app's images are set: its one Git source with a path."""

    url: str
    branch: str
    path: str


def target_of(app: Application) -> Target:
    sources = [s for s in app.spec.all_sources() if not s.is_helm_chart and s.path]
    if len(sources) != 1:
        raise PollError(
            f"Application {app.name}: has {len(sources)} Git sources with a path; "
            "image polling writes to exactly one"
        )
    source = sources[0]
    wanted = app.metadata.annotations.get(GIT_BRANCH, "").strip()
    revision = source.target_revision
    branch = wanted or (revision if revision not in {"", "HEAD"} else "main")
    return Target(source.repo_url, branch, source.path.strip("/") or ".")


def poll_app(
    app: Application,
    client: RegistryClient,
    *,
    author: Author,
    credentials: Credentials | None = None,
    dry_run: bool = False,
) -> list[PollResult]:
    """Raise PollError when the app's annotations cannot be used at all."""
    specs = parse_specs(app.metadata.annotations)
    if not specs:
        return []
    context = _Context(target_of(app), author, credentials, dry_run)
    results = []
    for spec in specs:
        try:
            chosen = choose(spec, client)
        except (RegistryError, ValueError) as exc:
            results.append(PollResult(spec.alias, spec.image, None, None, f"error: {exc}"))
            continue
        if chosen is None:
            message = f"no tag of {spec.image} qualifies ({spec.strategy.value})"
            results.append(PollResult(spec.alias, spec.image, None, None, message))
            continue
        results.append(_write(spec, chosen, context))
    return results


def choose(spec: ImageSpec, client: RegistryClient) -> str | None:
    """The image reference the strategy picks now, e.g. `reg/shop/api:1.4.0`."""
    ref = parse_reference(spec.image)
    if spec.strategy is Strategy.DIGEST:
        digest = client.resolve(ref.with_tag(spec.constraint))
        return f"{spec.image}:{spec.constraint}@{digest}"
    tags = client.tags(ref)
    if spec.strategy is Strategy.NEWEST_BUILD:
        candidates = [t for t in tags if spec.candidate(t)][-NEWEST_BUILD_CANDIDATES:]
        built = {tag: _built_at(client.image_config(ref.with_tag(tag))) for tag in candidates}
        tag = newest_build(built)
    else:
        tag = choose_tag(spec, tags)
    return f"{spec.image}:{tag}" if tag else None


def _built_at(config: dict[str, Any]) -> datetime | None:
    labels = (config.get("config") or {}).get("Labels") or {}
    for text in (labels.get(CREATED_LABEL), config.get("created")):
        if not text:
            continue
        try:
            when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            continue
        # go-containerregistry writes the zero time for images built without one.
        if when.year > 1970 and when.tzinfo is not None:
            return when
    return None


@dataclass(frozen=True)
class _Context:
    target: Target
    author: Author
    credentials: Credentials | None
    dry_run: bool


def _write(spec: ImageSpec, chosen: str, context: _Context) -> PollResult:
    target = context.target
    helm = None
    if spec.helm_tag or spec.helm_name:
        helm = HelmTarget(tag=spec.helm_tag, repository=spec.helm_name)
    request = WriteBack(
        url=target.url,
        branch=target.branch,
        path=target.path,
        ref=parse_image_ref(chosen),
        author=context.author,
        helm=helm,
        message=f"seaway: image poll sets {spec.alias} to {chosen} ({spec.strategy.value})",
        credentials=context.credentials,
        dry_run=context.dry_run,
    )
    try:
        outcome = write_back(request)
    except (WriteBackError, SourceError) as exc:
        return PollResult(spec.alias, spec.image, None, None, f"error: {exc}")
    if outcome.plan.nothing_to_do:
        return PollResult(spec.alias, spec.image, chosen, None, f"{chosen} is already set")
    if context.dry_run:
        return PollResult(spec.alias, spec.image, chosen, None, f"would set {chosen}")
    log.info("image poll: %s set to %s in %s", spec.alias, chosen, target.branch)
    return PollResult(spec.alias, spec.image, chosen, outcome.commit, f"set {chosen}")
