from __future__ import annotations

import pytest

from seaway.api.auth import Decision, Effect, Enforcer, PolicyError, parse_policy

SITE = """\
# Team A deploys its project; Dana reads everything but the payments project.
g, team-a, role:deployer:team-a
g, ops, role:ops
g, role:ops, role:readonly
p, role:ops, clusters, update, *, allow
p, dana, applications, get, *, allow
p, dana, applications, get, payments/*, deny
p, erin, applications, action/*, shop/*, allow
p, erin, applications, sync, shop-*/*, allow
p, frank, applications, sync, */*, allow
g, frank, role:frozen
p, role:frozen, applications, sync, prod/*, deny
g, cycle-a, role:cycle-b
g, role:cycle-b, role:cycle-a
g, role:cycle-a, role:cycle-b
"""

ENFORCER = Enforcer(parse_policy(SITE))

CASES = [
    # subject, groups, resource, action, object, allowed
    ("admin", (), "applications", "delete", "prod/web", True),
    ("admin", (), "clusters", "create", "in-cluster", True),
    ("admin", (), "exec", "create", "prod/web", True),
    ("nobody", (), "applications", "get", "prod/web", False),
    ("role:readonly", (), "applications", "get", "prod/web", True),
    ("role:readonly", (), "logs", "get", "prod/web", True),
    ("role:readonly", (), "applications", "sync", "prod/web", False),
    ("role:readonly", (), "exec", "create", "prod/web", False),
    ("role:readonly", (), "repositories", "delete", "git", False),
    # a deployer, per project, through a group
    ("alice", ("team-a",), "applications", "sync", "team-a/web", True),
    ("alice", ("team-a",), "applications", "action/apps/Deployment/restart", "team-a/web", True),
    ("alice", ("team-a",), "rollouts", "promote", "team-a/web", True),
    ("alice", ("team-a",), "promotions", "promote", "team-a/web", True),
    ("alice", ("team-a",), "projects", "get", "team-a", True),
    ("alice", ("team-a",), "applications", "sync", "team-b/web", False),
    ("alice", ("team-a",), "applications", "get", "team-b/web", False),
    ("alice", ("team-a",), "applications", "delete", "team-a/web", False),
    ("alice", ("team-a",), "applications", "override", "team-a/web", False),
    ("alice", ("team-a",), "gates", "approve", "team-a/web", False),
    ("alice", ("team-a",), "exec", "create", "team-a/web", False),
    ("alice", (), "applications", "sync", "team-a/web", False),
    # roles held through roles
    ("olga", ("ops",), "clusters", "update", "in-cluster", True),
    ("olga", ("ops",), "repositories", "get", "git", True),
    ("olga", ("ops",), "clusters", "delete", "in-cluster", False),
    # deny wins over allow, whatever the order and however specific
    ("dana", (), "applications", "get", "shop/web", True),
    ("dana", (), "applications", "get", "payments/api", False),
    ("frank", (), "applications", "sync", "dev/web", True),
    ("frank", (), "applications", "sync", "prod/web", False),
    # globs: '*' crosses '/'
    ("erin", (), "applications", "action/apps/Deployment/restart", "shop/web", True),
    ("erin", (), "applications", "sync", "shop-eu/web", True),
    ("erin", (), "applications", "sync", "shop/web", False),
    # a cycle of roles ends
    ("cycle-a", (), "applications", "get", "a/b", False),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[3]}-{c[2]}-{c[4]}" for c in CASES])
def test_decisions(case: tuple[str, tuple[str, ...], str, str, str, bool]) -> None:
    subject, groups, resource, action, obj, allowed = case
    assert ENFORCER.enforce(subject, groups, resource, action, obj).allowed is allowed


def test_a_decision_names_its_rule_and_how_it_is_held() -> None:
    decision = ENFORCER.enforce("olga", ("ops",), "clusters", "update", "c1")
    assert decision.rule is not None
    assert (decision.rule.source, decision.rule.line) == ("policy.csv", 5)
    assert decision.via == ("ops", "role:ops")
    assert "policy.csv:5" in decision.explain()
    denied = ENFORCER.enforce("dana", (), "applications", "get", "payments/api")
    assert denied.rule is not None
    assert denied.rule.effect is Effect.DENY
    assert denied.rule.line == 7
    assert "denied by p, dana, applications, get, payments/*, deny" in denied.explain()
    nothing = ENFORCER.enforce("nobody", (), "clusters", "get", "c1")
    assert nothing == Decision(False, None, reason=nothing.reason)
    assert "default deny" in nothing.explain()


def test_a_deny_on_the_user_beats_an_allow_on_a_group() -> None:
    enforcer = Enforcer(
        parse_policy("p, gina, applications, sync, prod/*, deny\ng, devs, role:deployer:prod\n")
    )
    assert not enforcer.enforce("gina", ("devs",), "applications", "sync", "prod/web").allowed
    assert enforcer.enforce("hal", ("devs",), "applications", "sync", "prod/web").allowed


def test_the_default_role_decides_first_and_cannot_be_denied_away() -> None:
    text = "p, ivan, applications, get, secret/*, deny\np, ivan, applications, sync, a/*, allow\n"
    enforcer = Enforcer(parse_policy(text, default_role="role:readonly"))
    granted = enforcer.enforce("ivan", (), "applications", "get", "secret/x")
    assert granted.allowed
    assert granted.via[0] == "policy.default"
    assert enforcer.enforce("ivan", (), "applications", "sync", "a/x").allowed
    assert enforcer.enforce("anyone", (), "projects", "get", "p").allowed
    assert not enforcer.enforce("anyone", (), "projects", "delete", "p").allowed


def test_a_default_role_deny_is_final() -> None:
    text = "p, role:base, applications, delete, */*, deny\ng, judy, role:admin\n"
    enforcer = Enforcer(parse_policy(text, default_role="role:base"))
    assert not enforcer.enforce("judy", (), "applications", "delete", "a/b").allowed
    assert enforcer.enforce("judy", (), "applications", "sync", "a/b").allowed


def test_deployer_projects_may_be_globs() -> None:
    enforcer = Enforcer(parse_policy("g, web-team, role:deployer:web-*\n"))
    assert enforcer.enforce("k", ("web-team",), "applications", "sync", "web-eu/a").allowed
    assert not enforcer.enforce("k", ("web-team",), "applications", "sync", "api/a").allowed


def test_parse_errors_name_each_line_and_problem() -> None:
    text = "\n".join(
        [
            "# comment",
            "p, a, applications, get, */*, allow",
            "p, a, applications, get, */*",
            "p, a, widgets, get, *, allow",
            "p, a, applications, fly, */*, allow",
            "p, a, applications, get, web, allow",
            "p, a, applications, get, */*, maybe",
            "g, a",
            "g, a, admins",
            "g, a, role:deployer",
            "x, a, b",
            "p, , applications, get, */*, allow",
            "p, a, clusters, get, in-cluster, allow",
        ]
    )
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, "rbac/policy.csv", default_role="readonly")
    lines = [p.line for p in raised.value.problems]
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0]
    message = str(raised.value)
    assert "rbac/policy.csv:3: a 'p' line has 6 fields" in message
    assert "rbac/policy.csv:4: unknown resource 'widgets'" in message
    assert "rbac/policy.csv:5: unknown action 'fly'" in message
    assert "rbac/policy.csv:6: applications objects are <project>/<application>" in message
    assert "rbac/policy.csv:7: the effect is 'allow' or 'deny'" in message
    assert "rbac/policy.csv:8: a 'g' line has 3 fields" in message
    assert "rbac/policy.csv:9: a 'g' line gives a role" in message
    assert "rbac/policy.csv:10: role:deployer is given per project" in message
    assert "rbac/policy.csv:11: a line starts with 'p' or 'g'" in message
    assert "rbac/policy.csv:12: the subject is empty" in message
    assert "rbac/policy.csv: policy.default must name a role" in message


def test_globs_and_fine_grained_actions_parse() -> None:
    policy = parse_policy(
        "p, a, *, get, *, allow\n"
        "p, a, app*, *, */*, allow\n"
        "p, a, applications, delete/*/Pod/*/*, p/a, allow\n"
        "p, a, applications, action//Pod/restart, p/*, allow\n"
    )
    assert len(policy.rules) == 4
