"""Seaway's built-in roles, written for Seaway (same meaning as Argo CD's two, plus deployers).

- `role:readonly`: see everything; change nothing, open no shell.
- `role:admin`: everything, and everything `role:readonly` has.
- `role:deployer:<project>`: ship what Git already says, in one project: read its apps, sync
  them, run resource actions, promote and steer rollouts. Not: create or delete apps (their
  definitions live in Git), sync local manifests (`override` bypasses Git), open a shell, or
  `approve` a gate, so the person who ships a release is not the one who signs it off.
"""

from __future__ import annotations

DEPLOYER = "role:deployer"
ADMIN_USER = "admin"

_READABLE = (
    "applications",
    "applicationsets",
    "projects",
    "repositories",
    "clusters",
    "logs",
    "rollouts",
    "promotions",
    "gates",
)


def builtin_policy_text() -> str:
    lines = [f"p, role:readonly, {resource}, get, *, allow" for resource in _READABLE]
    lines += [
        "p, role:admin, *, *, *, allow",
        "g, role:admin, role:readonly",
        f"g, {ADMIN_USER}, role:admin",
    ]
    return "\n".join(lines) + "\n"


def deployer_rules(project: str) -> list[tuple[str, str, str]]:
    """(resource, action, object) a deployer of `project` (a name or a glob) is allowed."""
    apps = f"{project}/*"
    rules = [
        (resource, "get", apps)
        for resource in ("applications", "applicationsets", "logs", "rollouts", "promotions")
    ]
    rules += [
        ("gates", "get", apps),
        ("applications", "sync", apps),
        ("applications", "action/*", apps),
        ("rollouts", "promote", apps),
        ("rollouts", "update", apps),
        ("promotions", "promote", apps),
        ("projects", "get", project),
    ]
    return rules
