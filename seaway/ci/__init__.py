"""The local CI runner: `seaway ci run` takes an app repo from a commit to the dev stage.

`plan` (pure) turns `.seaway-ci.yaml` into the steps; `runner` runs them on this machine through
the parts that already do each job (the test gate, the registry client, the scan gate, signed
attestations, the image write-back) and stops at the first step that fails.
"""

from seaway.ci.config import CiConfigError, read_config
from seaway.ci.plan import ScanSource, Step, StepKind, plan_steps
from seaway.ci.runner import Context, Event, Outcome, StepFailedError, run_steps

__all__ = [
    "CiConfigError",
    "Context",
    "Event",
    "Outcome",
    "ScanSource",
    "Step",
    "StepFailedError",
    "StepKind",
    "plan_steps",
    "read_config",
    "run_steps",
]
