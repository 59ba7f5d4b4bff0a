"""Registry credentials from Docker's config.json, and the token dance of a Bearer challenge.

The config is `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`); `auths` entries give
`auth` (base64 user:password), `username`/`password` or an `identitytoken`. Credential helpers
(`credsStore`, `credHelpers`) are not run: a controller must not shell out to whatever a config
names. Secrets never appear in an error or a repr.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seaway.registry.errors import RegistryError

_HUB_KEYS = ("https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io")
_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Credentials:
    username: str = ""
    password: str = field(default="", repr=False)
    # An OAuth2 refresh token some registries hand out instead of a password.
    identity_token: str = field(default="", repr=False)


def docker_config_path() -> Path:
    folder = os.environ.get("DOCKER_CONFIG")
    return Path(folder) / "config.json" if folder else Path.home() / ".docker" / "config.json"


def load_docker_config(path: Path | None = None) -> dict[str, Credentials]:
    """Credentials per registry host; an absent file means none, a broken one is an error."""
    path = path or docker_config_path()
    try:
        document: Any = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RegistryError(str(path), f"cannot read the Docker config: {exc}") from None
    auths = document.get("auths") if isinstance(document, dict) else None
    if not isinstance(auths, dict):
        return {}
    found = {}
    for key, entry in auths.items():
        if isinstance(entry, dict):
            found[_host(str(key))] = _entry(entry, f"{path}: auths.{key}")
    return found


def credentials_for(registry: str, config: Mapping[str, Credentials]) -> Credentials | None:
    keys = _HUB_KEYS if registry in _HUB_KEYS else (registry,)
    return next((config[_host(k)] for k in keys if _host(k) in config), None)


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """`Bearer realm="...",service="..."` -> ("bearer", {"realm": ..., "service": ...})."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_PARAM.findall(rest))


def _host(key: str) -> str:
    text = key.removeprefix("https://").removeprefix("http://")
    host = text.split("/", 1)[0]
    return "docker.io" if host in _HUB_KEYS else host


def _entry(entry: Mapping[str, Any], where: str) -> Credentials:
    username = str(entry.get("username") or "")
    password = str(entry.get("password") or "")
    encoded = entry.get("auth")
    if encoded:
        try:
            username, _, password = base64.b64decode(str(encoded)).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise RegistryError(where, "auth is not base64 of user:password") from None
    return Credentials(username, password, str(entry.get("identitytoken") or ""))
