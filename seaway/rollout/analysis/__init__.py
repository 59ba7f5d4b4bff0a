"""Analysis: Argo Rollouts' AnalysisRuns measured by Seaway.

`conditions` evaluates successCondition/failureCondition, `providers` take measurements (web,
prometheus, job, and Seaway's sanity, command and router), `runner` runs an AnalysisRun by
Argo Rollouts' rules.
"""

from seaway.rollout.analysis.conditions import (
    Condition,
    ConditionError,
    Phase,
    evaluate,
    evaluate_result,
    parse_condition,
)
from seaway.rollout.analysis.runner import (
    AnalysisRunner,
    Clock,
    Measurement,
    MetricResult,
    RunState,
    SystemClock,
    assess_run,
    next_due,
    record,
    start_state,
)

__all__ = [
    "AnalysisRunner",
    "Clock",
    "Condition",
    "ConditionError",
    "Measurement",
    "MetricResult",
    "Phase",
    "RunState",
    "SystemClock",
    "assess_run",
    "evaluate",
    "evaluate_result",
    "next_due",
    "parse_condition",
    "record",
    "start_state",
]
