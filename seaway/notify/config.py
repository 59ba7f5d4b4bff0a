"""The notifications file users write (YAML), checked in full before anything is sent:

    destinations:
      ops-slack:
        urlFromEnv: OPS_SLACK_WEBHOOK   # or url: ..., or urlFromFile: /run/secrets/...
        format: slack                   # slack: {"text": ...}; webhook (default): JSON event
    templates:
      short: "{{app}} is {{sync}}/{{health}} at {{revision}}: {{message}}"
    subscriptions:
      - triggers: [on-out-of-sync, on-degraded, on-sync-failed]
        destinations: [ops-slack]
        apps: ["web-*"]                 # globs; default every app
        template: short                 # default: the trigger's built-in text

A destination URL is usually a secret (Slack's webhook URLs are), so it can come from the
environment or a file, and it is never logged or shown: messages name the destination.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

from seaway.notify.events import Trigger

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
VARIABLES = frozenset(
    {"app", "project", "trigger", "kind", "sync", "health", "phase", "revision", "message", "at"}
)

DEFAULT_TEMPLATES: dict[Trigger, str] = {
    Trigger.OUT_OF_SYNC: "{{app}} is OutOfSync with Git (revision {{revision}}). {{message}}",
    Trigger.DEGRADED: "{{app}} is Degraded: {{message}}",
    Trigger.SYNC_FAILED: "Sync of {{app}} to {{revision}} failed: {{message}}",
    Trigger.ROLLOUT_ABORTED: "Rollout of {{app}} was aborted: {{message}}",
    Trigger.PROMOTION_WAITING: "{{app}}: a promotion waits for approval. {{message}}",
    Trigger.GATE_REFUSED: "{{app}}: a gate refused {{revision}}: {{message}}",
}


class NotifyConfigError(ValueError):
    """Every problem of a notifications file, each naming the file and the field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


class Format(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, validate_by_name=True, frozen=True
    )


class Destination(_Model):
    url: str | None = Field(default=None, repr=False)
    url_from_env: str | None = None
    url_from_file: str | None = None
    format: Format = Format.WEBHOOK
    headers: dict[str, str] = Field(default_factory=dict, repr=False)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _one_url(self) -> Self:
        given = [x for x in (self.url, self.url_from_env, self.url_from_file) if x]
        if len(given) != 1:
            raise ValueError("give exactly one of url, urlFromEnv, urlFromFile")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return self


class Subscription(_Model):
    triggers: tuple[Trigger, ...] = Field(min_length=1)
    destinations: tuple[str, ...] = Field(min_length=1)
    apps: tuple[str, ...] = ("*",)
    projects: tuple[str, ...] = ("*",)
    template: str | None = None


class NotifyConfig(_Model):
    destinations: dict[str, Destination] = Field(default_factory=dict)
    templates: dict[str, str] = Field(default_factory=dict)
    subscriptions: tuple[Subscription, ...] = ()

    def references(self) -> list[str]:
        """Names used but not defined, and templates with unknown placeholders."""
        problems: list[str] = []
        for name, text in self.templates.items():
            problems.extend(
                f"templates.{name}: unknown placeholder {{{{{word}}}}} "
                f"(known: {', '.join(sorted(VARIABLES))})"
                for word in PLACEHOLDER.findall(text)
                if word not in VARIABLES
            )
        for index, sub in enumerate(self.subscriptions):
            where = f"subscriptions[{index}]"
            problems.extend(
                f"{where}.destinations: no destination named {name!r}"
                for name in sub.destinations
                if name not in self.destinations
            )
            if sub.template is not None and sub.template not in self.templates:
                problems.append(f"{where}.template: no template named {sub.template!r}")
        return problems


def parse_config(text: str, source: str = "notifications.yaml") -> NotifyConfig:
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise NotifyConfigError(source, [f"not YAML: {exc}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise NotifyConfigError(source, ["the file must hold a mapping at the top"])
    try:
        config = NotifyConfig.model_validate(data)
    except ValidationError as exc:
        raise NotifyConfigError(
            source,
            [
                f"{'.'.join(str(p) for p in error['loc']) or '(top)'}: {error['msg']}"
                for error in exc.errors()
            ],
        ) from None
    problems = config.references()
    if problems:
        raise NotifyConfigError(source, problems)
    return config
