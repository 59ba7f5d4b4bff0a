"""The webhook secrets of a server: from a YAML file, with environment variables over it.

    github: <secret>            # SEAWAY_WEBHOOK_GITHUB_SECRET
    gitlab: <secret>            # SEAWAY_WEBHOOK_GITLAB_SECRET
    generic: <secret>           # SEAWAY_WEBHOOK_GENERIC_SECRET
    genericHeader: X-Seaway-Signature-256

A provider without a secret is refused outright: an unsigned webhook would let anyone make
Seaway fetch from Git at will.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from seaway.api.webhook.payload import Provider

DEFAULT_GENERIC_HEADER = "X-Seaway-Signature-256"
_ENV = {p: f"SEAWAY_WEBHOOK_{p.value.upper()}_SECRET" for p in Provider}


class WebhookConfigError(ValueError):
    pass


@dataclass(frozen=True)
class WebhookSecrets:
    secrets: dict[Provider, bytes] = field(default_factory=dict, repr=False)
    generic_header: str = DEFAULT_GENERIC_HEADER

    def secret(self, provider: Provider) -> bytes | None:
        return self.secrets.get(provider)


def load_secrets(path: Path | None, environ: dict[str, str] | None = None) -> WebhookSecrets:
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise WebhookConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise WebhookConfigError(f"{path}: not YAML: {exc}") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise WebhookConfigError(f"{path}: the file must hold a mapping")
        data = loaded or {}
        unknown = set(data) - {p.value for p in Provider} - {"genericHeader"}
        if unknown:
            raise WebhookConfigError(
                f"{path}: unknown key(s) {', '.join(sorted(unknown))} "
                "(known: github, gitlab, generic, genericHeader)"
            )
    secrets: dict[Provider, bytes] = {}
    for provider in Provider:
        value = env.get(_ENV[provider]) or data.get(provider.value)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise WebhookConfigError(f"{path}: {provider.value}: the secret must be a string")
        secrets[provider] = value.strip().encode()
    header = str(data.get("genericHeader") or DEFAULT_GENERIC_HEADER)
    return WebhookSecrets(secrets, header)
