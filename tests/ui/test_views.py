"""What the pages are drawn from, read from statuses shaped as the rollout driver and the
controller write them: the rollout's steps, weight, analysis measurements, and the tree."""

from __future__ import annotations

from typing import Any

from seaway.api.ui import badges, rollout_view, tree

ROLLOUT: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "demo"},
    "spec": {
        "strategy": {
            "canary": {
                "steps": [
                    {"setWeight": 10},
                    {"pause": {"duration": "30s"}},
                    {"analysis": {"templates": [{"templateName": "error-rate"}]}},
                    {"setHeaderRoute": {"name": "beta"}},
                    {"pause": {}},
                ]
            }
        }
    },
    "status": {
        "phase": "Progressing",
        "currentStepIndex": 2,
        "canary": {"weights": {"canary": {"weight": 10}, "stable": {"weight": 90}}},
        "seaway": {
            "analyses": {"step-2": {"status": "Running", "metric": "error-rate"}},
            "analysisRuns": {
                "step-2": {
                    "metricResults": [
                        {
                            "name": "error-rate",
                            "measurements": [
                                {
                                    "phase": "Successful",
                                    "finishedAt": "2026-01-01T00:00:20+00:00",
                                    "value": "0.02",
                                },
                                {
                                    "phase": "Failed",
                                    "finishedAt": "2026-01-01T00:00:10+00:00",
                                    "value": "0.3",
                                },
                                {
                                    "phase": "Error",
                                    "finishedAt": "2026-01-01T00:00:30+00:00",
                                    "value": "",
                                },
                            ],
                        }
                    ]
                }
            },
        },
    },
}


def test_steps_in_words_with_the_current_one_marked() -> None:
    found = rollout_view.steps(ROLLOUT)
    assert [(s.text, s.state) for s in found] == [
        ("set weight 10%", "done"),
        ("pause 30s", "done"),
        ("analysis error-rate", "current"),
        ("header route beta", "todo"),
        ("pause (until promoted)", "todo"),
    ]


def test_snapshot_has_the_weight_and_the_numeric_measurements_oldest_first() -> None:
    snap = rollout_view.snapshot(ROLLOUT, "2026-01-01T00:01:00+00:00")
    assert (snap["phase"], snap["step"], snap["weight"]) == ("Progressing", 2, 10)
    assert [(m["value"], m["phase"]) for m in snap["measurements"]] == [
        (0.3, "Failed"),
        (0.02, "Successful"),
    ]
    assert snap["analyses"] == [
        {"name": "step-2", "phase": "Running", "message": "", "metric": "error-rate", "value": ""}
    ]
    # A Rollout the driver has not written yet shows no weight rather than failing.
    assert rollout_view.snapshot({"metadata": {"name": "x"}}, "t")["weight"] == 0


def test_tree_lays_out_kinds_between_the_app_and_its_objects() -> None:
    nodes = [
        {"kind": "ConfigMap", "namespace": "a", "name": "one", "health": {}},
        {"kind": "Deployment", "namespace": "a", "name": "web", "health": {"status": "Degraded"}},
        {"kind": "Deployment", "namespace": "a", "name": "api", "health": {"status": "Healthy"}},
    ]
    picture = tree.picture("shop", "Degraded", nodes)
    labels = [b.label for b in picture.boxes]
    assert labels == ["shop", "ConfigMap", "Deployment", "a/one", "a/web", "a/api"]
    deployment = picture.boxes[2]
    # A kind shows its worst member's health, midway between its objects.
    assert deployment.badge == badges.health("Degraded")
    assert deployment.y == (picture.boxes[4].y + picture.boxes[5].y) // 2
    assert len(picture.edges) == 5
    assert badges.sync("").text == "Unknown"
