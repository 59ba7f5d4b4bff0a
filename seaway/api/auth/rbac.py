"""Who may do what: policies in Argo CD's policy.csv form, enforced with Argo CD's meaning.

    p, <subject>, <resource>, <action>, <object>, <allow|deny>
    g, <user-or-group>, <role>

Objects of resources that belong to an application are `<project>/<application>`; others are a
name. Every token of a `p` line is a glob in which `*` also matches `/` (as Argo CD's glob mode:
no separators), so `action/*` covers `action/apps/Deployment/restart` and `team-*/*` every app of
every project named team-something.

Evaluation, as Argo CD documents it: the `policy.default` role is asked first, and whatever it
decides (allow or deny) stands; otherwise every rule of the subject, of its groups and of the
roles they hold (transitively) is gathered, and a single matching `deny` beats any `allow`. One
deliberate difference: Argo CD asks the user and then each group on its own, so an allow on a
group can outvote a deny on the user; Seaway pools them, so a deny anywhere wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

from seaway.api.auth.roles import DEPLOYER, builtin_policy_text, deployer_rules

RESOURCES = frozenset(
    {
        "applications",
        "applicationsets",
        "projects",
        "repositories",
        "clusters",
        "logs",
        "exec",
        "rollouts",
        "promotions",
        "gates",
    }
)
# Resources whose objects are `<project>/<application>`.
APP_RESOURCES = frozenset(
    {"applications", "applicationsets", "logs", "exec", "rollouts", "promotions", "gates"}
)
ACTIONS = frozenset({"get", "create", "update", "delete", "sync", "override", "promote", "approve"})
# Actions with a sub-path: `action/<group>/<kind>/<name>` and Argo CD's fine-grained
# `update/<group>/<kind>/<ns>/<name>` and `delete/...` on an application's resources.
ACTION_PREFIXES = ("action/", "update/", "delete/")
ROLE_PREFIX = "role:"
BUILTIN_SOURCE = "built-in"
_GLOB_CHARS = frozenset("*?[")


class Effect(StrEnum):
    ALLOW = "allow"
    DENY = "deny"


@dataclass(frozen=True)
class Rule:
    subject: str
    resource: str
    action: str
    object: str
    effect: Effect
    source: str = BUILTIN_SOURCE
    line: int = 0

    def matches(self, resource: str, action: str, obj: str) -> bool:
        return (
            fnmatchcase(resource, self.resource)
            and fnmatchcase(action, self.action)
            and fnmatchcase(obj, self.object)
        )

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def __str__(self) -> str:
        return f"p, {self.subject}, {self.resource}, {self.action}, {self.object}, {self.effect}"


@dataclass(frozen=True)
class Grant:
    member: str
    role: str
    source: str = BUILTIN_SOURCE
    line: int = 0


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class PolicyError(ValueError):
    """Every problem of a policy, each with its line, so one run shows them all."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        super().__init__("; ".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            f"{self.source}:{p.line}: {p.message}" if p.line else f"{self.source}: {p.message}"
            for p in self.problems
        ]


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...] = ()
    grants: tuple[Grant, ...] = ()
    default_role: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: Rule | None
    # How the subject came to hold the rule's subject: ("alice", "team-a", "role:deployer:x").
    via: tuple[str, ...] = ()
    reason: str = ""

    def explain(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        if self.rule is None:
            return f"{verdict}: {self.reason}"
        chain = " -> ".join(self.via)
        return f"{verdict} by {self.rule} ({self.rule.where}), held through {chain}"


def parse_policy(text: str, source: str = "policy.csv", default_role: str | None = None) -> Policy:
    rules: list[Rule] = []
    grants: list[Grant] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        kind = fields[0]
        if kind == "p":
            rule, found = _parse_rule(fields, source, number)
            problems.extend(Problem(number, m) for m in found)
            if rule is not None:
                rules.append(rule)
        elif kind == "g":
            grant, found = _parse_grant(fields, source, number)
            problems.extend(Problem(number, m) for m in found)
            if grant is not None:
                grants.append(grant)
        else:
            problems.append(Problem(number, f"a line starts with 'p' or 'g', not {kind!r}"))
    default = default_role.strip() if default_role else None
    if default and not _is_role(default):
        problems.append(
            Problem(0, f"policy.default must name a role ({ROLE_PREFIX}<name>), not {default!r}")
        )
    if problems:
        raise PolicyError(source, problems)
    return Policy(tuple(rules), tuple(grants), default or None)


def _parse_rule(fields: list[str], source: str, number: int) -> tuple[Rule | None, list[str]]:
    if len(fields) != 6:
        return None, [
            "a 'p' line has 6 fields (p, subject, resource, action, object, effect), "
            f"this one has {len(fields)}"
        ]
    _, subject, resource, action, obj, effect = fields
    named = (("subject", subject), ("resource", resource), ("action", action), ("object", obj))
    problems = [f"the {what} is empty" for what, value in named if not value]
    if resource and not _known(resource, RESOURCES):
        problems.append(
            f"unknown resource {resource!r}; one of {', '.join(sorted(RESOURCES))}, or a glob"
        )
    if action and not _valid_action(action):
        problems.append(
            f"unknown action {action!r}; one of {', '.join(sorted(ACTIONS))}, "
            "action/<group>/<kind>/<name>, or a glob"
        )
    if resource in APP_RESOURCES and obj and "/" not in obj and obj != "*":
        problems.append(
            f"{resource} objects are <project>/<application>, e.g. {obj}/* or */{obj}; got {obj!r}"
        )
    if effect not in (Effect.ALLOW, Effect.DENY):
        problems.append(f"the effect is 'allow' or 'deny', not {effect!r}")
    if subject == DEPLOYER:
        problems.append(_DEPLOYER_NEEDS_PROJECT)
    if problems:
        return None, problems
    return Rule(subject, resource, action, obj, Effect(effect), source, number), []


_DEPLOYER_NEEDS_PROJECT = (
    f"{DEPLOYER} is given per project: write {DEPLOYER}:<project> (a glob may name projects)"
)


def _parse_grant(fields: list[str], source: str, number: int) -> tuple[Grant | None, list[str]]:
    if len(fields) != 3:
        return None, [
            f"a 'g' line has 3 fields (g, user-or-group, role), this one has {len(fields)}"
        ]
    _, member, role = fields
    if not member:
        return None, ["the user or group is empty"]
    if not _is_role(role):
        return None, [f"a 'g' line gives a role ({ROLE_PREFIX}<name>), not {role!r}"]
    if role in (DEPLOYER, f"{DEPLOYER}:"):
        return None, [_DEPLOYER_NEEDS_PROJECT]
    return Grant(member, role, source, number), []


def _is_role(name: str) -> bool:
    return name.startswith(ROLE_PREFIX) and len(name) > len(ROLE_PREFIX)


def _known(token: str, names: frozenset[str]) -> bool:
    if token in names:
        return True
    return bool(_GLOB_CHARS & set(token)) and any(fnmatchcase(n, token) for n in names)


def _valid_action(action: str) -> bool:
    if _known(action, ACTIONS):
        return True
    return any(action.startswith(p) and len(action) > len(p) for p in ACTION_PREFIXES)


class Enforcer:
    """The built-in roles plus a site policy; cheap to ask, immutable once made."""

    def __init__(self, policy: Policy | None = None) -> None:
        builtin = parse_policy(builtin_policy_text(), source=BUILTIN_SOURCE)
        site = policy or Policy()
        self.default_role = site.default_role
        self._rules: dict[str, list[Rule]] = {}
        for rule in (*builtin.rules, *site.rules):
            self._rules.setdefault(rule.subject, []).append(rule)
        self._roles: dict[str, list[str]] = {}
        for grant in (*builtin.grants, *site.grants):
            self._roles.setdefault(grant.member, []).append(grant.role)

    def enforce(
        self, subject: str, groups: Iterable[str], resource: str, action: str, obj: str
    ) -> Decision:
        if self.default_role:
            decided = self._decide(
                self._holders([self.default_role]), resource, action, obj, "policy.default"
            )
            if decided is not None:
                return decided
        decided = self._decide(self._holders([subject, *groups]), resource, action, obj, "")
        if decided is not None:
            return decided
        return Decision(
            False, None, reason=f"no rule allows {action} on {resource} {obj} (default deny)"
        )

    def roles(self, subject: str, groups: Iterable[str] = ()) -> tuple[str, ...]:
        """The roles the subject holds, directly or through its groups (approvals count them)."""
        starts = [subject, *groups]
        return tuple(sorted(name for name, _ in self._holders(starts) if name not in starts))

    def _holders(self, starts: Sequence[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
        """Each subject and role reachable from `starts`, with the path to it, breadth first;
        a cycle of roles ends where it closes."""
        seen: set[str] = set()
        queue: list[tuple[str, tuple[str, ...]]] = [(start, (start,)) for start in starts]
        while queue:
            name, path = queue.pop(0)
            if name in seen:
                continue
            seen.add(name)
            yield name, path
            queue.extend((role, (*path, role)) for role in self._roles.get(name, ()))

    def _rules_of(self, holder: str) -> list[Rule]:
        rules = list(self._rules.get(holder, ()))
        if holder.startswith(f"{DEPLOYER}:"):
            project = holder[len(DEPLOYER) + 1 :]
            rules.extend(
                Rule(holder, resource, action, obj, Effect.ALLOW)
                for resource, action, obj in deployer_rules(project)
            )
        return rules

    def _decide(
        self,
        holders: Iterator[tuple[str, tuple[str, ...]]],
        resource: str,
        action: str,
        obj: str,
        origin: str,
    ) -> Decision | None:
        allow: Decision | None = None
        for holder, path in holders:
            via = (origin, *path) if origin else path
            for rule in self._rules_of(holder):
                if not rule.matches(resource, action, obj):
                    continue
                if rule.effect is Effect.DENY:
                    return Decision(False, rule, via)
                if allow is None:
                    allow = Decision(True, rule, via)
        return allow
