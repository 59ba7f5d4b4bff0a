"""Conditions as Argo Rollouts' docs write them, and what is refused."""

from __future__ import annotations

import math
from typing import Any

import pytest

from seaway.rollout.analysis.conditions import ConditionError, Phase, evaluate, evaluate_result


@pytest.mark.parametrize(
    ("expression", "result", "expected"),
    [
        # Prometheus vectors (docs/analysis/prometheus.md and features/analysis.md).
        ("result[0] >= 0.95", [0.97], True),
        ("result[0] >= 0.95", [0.5], False),
        ("result[0] <= 0.01", [0.001], True),
        ("len(result) == 0 || result[0] >= 0.95", [], True),
        ("isNaN(result) || result >= 0.95", math.nan, True),
        ("isNaN(result) || result >= 0.95", 0.9, False),
        ("isInf(result)", math.inf, True),
        ("all(result, {# > 0.9})", [0.95, 0.99], True),
        ("all(result, {# > 0.9})", [0.95, 0.5], False),
        ("any(result, # < 0.5)", [0.95, 0.4], True),
        ("none(result, {# < 0})", [1, 2], True),
        ("one(result, {# == 2})", [1, 2], True),
        ("count(result, {# > 1}) == 2", [1, 2, 3], True),
        ("len(filter(result, {# > 1})) == 1", [1, 2], True),
        ("map(result, {# * 2})[1] == 4", [1, 2], True),
        # Web metrics (docs/analysis/web.md).
        ("result == true", True, True),
        ("result.ok && result.successPercent >= 0.90", {"ok": True, "successPercent": 0.93}, True),
        ("result.ok and result.successPercent >= 0.90", {"ok": True, "successPercent": 0.8}, False),
        ("result.data.status == 'healthy'", {"data": {"status": "healthy"}}, True),
        ('result.data.status == "healthy"', {"data": {"status": "sick"}}, False),
        ("result.missing == nil", {}, True),
        ("!result.ok", {"ok": False}, True),
        ("not result.ok || result.code != 500", {"ok": True, "code": 200}, True),
        ("!(result.code >= 500)", {"code": 404}, True),
        (
            "any(result.items, {.state == 'ok'})",
            {"items": [{"state": "bad"}, {"state": "ok"}]},
            True,
        ),
        # Strings from providers that send numbers as text, and nil.
        ("asInt(result) >= 5", "7", True),
        ("asFloat(result) < 0.05", "0.01", True),
        ("default(result, 0) >= 0.95", None, False),
        ("default(result, 1) >= 0.95", None, True),
        ("isNil(result)", None, True),
        ("isNil(result)", 0, False),
        # Arithmetic, membership and the word operators.
        ("(result.errors / result.total) * 100 < 5", {"errors": 2, "total": 100}, True),
        ("result % 2 == 0 && 2 ^ 3 == 8 && 2 ** 3 == 8", 4, True),
        ("-result + 1 == 0", 1, True),
        ("result in ['blue', 'green']", "green", True),
        ("result not in ['blue', 'green']", "red", True),
        ("'ok' in result", {"ok": 1}, True),
        ("result matches '^v2\\\\.'", "v2.1", True),
        ("result contains 'err'", "no error", True),
        ("result startsWith 'v2' && result endsWith '.1'", "v2.1", True),
        ("result == `raw` ", "raw", True),
        ("result.a[-1] == 3", {"a": [1, 2, 3]}, True),
        ("string(result) == 'true'", True, True),
        ("max(result) == 3 && min(result) == 1 && abs(-2) == 2", [1, 3], True),
        ("1 < result < 3", 2, True),
        ("result == 1", True, False),
    ],
)
def test_condition_table(expression: str, result: Any, expected: bool) -> None:
    assert evaluate(expression, result) is expected


@pytest.mark.parametrize(
    ("expression", "result", "message"),
    [
        ("result[0]", [0.5], "'result[0]' gives number 0.5, not a boolean"),
        ("result[3] > 1", [1], "'result[3] > 1': index 3 out of range (length 1)"),
        ("result > 1", "2", "'result > 1': comparison needs a number, got string '2'"),
        ("result.a > 1", [1], "'result.a > 1': cannot fetch 'a' from array"),
        ("value > 1", 2, "'value > 1': unknown name 'value' (the value is called result)"),
        ("__import__('os')", 1, "unknown function __import__()"),
        (
            "[x for x in result]",
            [1],
            "'[x for x in result]': listcomp expressions are not supported",
        ),
        ("(lambda: 1)()", 1, "only calls of built-in functions"),
        ("result.__class__ == nil", 1, "cannot fetch '__class__' from number"),
        ("result > 0 ? true : false", 1, "is not a valid expression"),
        ("result >= ", 1, "is not a valid expression"),
        ("asInt(result) > 1", "x", "asInt: 'x' is not an integer"),
        ("result && true", 1, "and needs booleans, got number 1"),
        ("all(result, {# > 0})", 3, "all() needs an array, got number"),
        ("# > 1", 3, "# is only meaningful inside a predicate"),
        ("2 ** 100000 > 1", 1, "exponent 100000 is too large"),
        ("result / 0 > 1", 1, "division by zero"),
    ],
)
def test_condition_errors_name_the_expression(expression: str, result: Any, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        evaluate(expression, result)
    assert message in str(caught.value)
    if "not a valid expression" not in message:
        assert str(caught.value).startswith(repr(expression))


@pytest.mark.parametrize(
    ("success", "failure", "result", "phase"),
    [
        ("", "", 1, Phase.SUCCESSFUL),
        ("result > 5", "", 6, Phase.SUCCESSFUL),
        ("result > 5", "", 4, Phase.FAILED),
        ("", "result > 5", 6, Phase.FAILED),
        ("", "result > 5", 4, Phase.SUCCESSFUL),
        ("result > 5", "result < 2", 6, Phase.SUCCESSFUL),
        ("result > 5", "result < 2", 1, Phase.FAILED),
        ("result > 5", "result < 2", 3, Phase.INCONCLUSIVE),
        # Both hold: failure wins.
        ("result > 1", "result > 2", 3, Phase.FAILED),
    ],
)
def test_phase_from_conditions(success: str, failure: str, result: Any, phase: Phase) -> None:
    assert evaluate_result(result, success, failure) is phase


def test_a_condition_that_cannot_be_evaluated_raises() -> None:
    with pytest.raises(ConditionError):
        evaluate_result("text", "result > 1")
