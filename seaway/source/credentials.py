"""Credentials for a repo and how they reach git without touching argv or logs.

A token travels as an `http.extraHeader` set through GIT_CONFIG_* environment variables, and an
ssh key through GIT_SSH_COMMAND, so `ps`, shell history and our own debug logs never show them.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass(frozen=True)
class HttpsToken:
    """A token (or password) sent as HTTP Basic auth; most forges accept any username."""

    token: str = field(repr=False)
    username: str = "git"

    def header_value(self) -> str:
        raw = f"{self.username}:{self.token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def secrets(self) -> tuple[str, ...]:
        # The encoded header is as good as the token to anyone who reads it.
        return (self.token, self.header_value().removeprefix("Basic "))


@dataclass(frozen=True)
class SshKey:
    """A private key file, and the known_hosts file that the server's host key must be in."""

    private_key_file: Path
    known_hosts_file: Path | None = None
    # Only for tests and throwaway servers: accepts any host key.
    insecure_ignore_host_key: bool = False

    def ssh_command(self) -> str:
        argv = [
            "ssh",
            "-i",
            str(self.private_key_file),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
        ]
        if self.insecure_ignore_host_key:
            argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        else:
            argv += ["-o", "StrictHostKeyChecking=yes"]
            if self.known_hosts_file is not None:
                argv += ["-o", f"UserKnownHostsFile={self.known_hosts_file}"]
        return shlex.join(argv)

    def secrets(self) -> tuple[str, ...]:
        return ()


Credentials = HttpsToken | SshKey


def git_env(credentials: Credentials | None) -> dict[str, str]:
    """Environment variables that hand the credentials (if any) to one git process."""
    config: list[tuple[str, str]] = [
        # An empty helper list stops git from asking a desktop keyring or a stored file.
        ("credential.helper", ""),
    ]
    env: dict[str, str] = {}
    if isinstance(credentials, HttpsToken):
        config.append(("http.extraHeader", f"Authorization: {credentials.header_value()}"))
    elif isinstance(credentials, SshKey):
        env["GIT_SSH_COMMAND"] = credentials.ssh_command()
    env["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def secrets_of(credentials: Credentials | None) -> tuple[str, ...]:
    return credentials.secrets() if credentials is not None else ()


_USERINFO_RE = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s]*:[^/@\s]*@")


def redact_url(url: str) -> str:
    """The URL without a password in it, fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO_RE.sub(r"\g<scheme>***@", url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Remove every secret, and any password written into a URL, from text meant for people."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return _USERINFO_RE.sub(r"\g<scheme>***@", text)
