"""Names of the analysis runs the engine asks for: stable per rollout, revision, kind and step,
so a restarted driver finds the run it already started."""

from __future__ import annotations

from seaway.rollout.engine.types import AnalysisKind

_SUFFIXES = {
    AnalysisKind.BACKGROUND: "background",
    AnalysisKind.PRE_PROMOTION: "prepromotion",
    AnalysisKind.POST_PROMOTION: "postpromotion",
}


def analysis_name(rollout: str, pod_hash: str, kind: AnalysisKind, step: int | None) -> str:
    """`guestbook-5d8f9c7b6a-3` for step 3's analysis, `guestbook-5d8f9c7b6a-background`..."""
    suffix = str(step) if kind is AnalysisKind.STEP else _SUFFIXES[kind]
    return f"{rollout}-{pod_hash}-{suffix}"


def analysis_slot(name: str) -> AnalysisKind | None:
    """The kind of run a name the engine gave stands for; None for a name it did not give."""
    suffix = name.rsplit("-", 1)[-1]
    for kind, known in _SUFFIXES.items():
        if suffix == known:
            return kind
    return AnalysisKind.STEP if suffix.isdigit() else None
