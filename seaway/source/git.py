"""A thin wrapper around the git CLI: one call runs one git command and fails with a clear error.

Every command runs without the user's global or system git config, without prompts and in the C
locale, so that a server behaves the same on every host and git's messages can be recognised.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from seaway.source.credentials import Credentials, git_env, redact_url, scrub, secrets_of
from seaway.source.errors import AuthError, GitError

log = logging.getLogger("seaway.source.git")

DEFAULT_TIMEOUT = 300.0

_AUTH_FAILED = re.compile(
    r"Authentication failed|HTTP Basic: Access denied|could not read Username|"
    r"could not read Password|The requested URL returned error: (401|403)|"
    r"Permission denied \(publickey|Host key verification failed",
)


def base_env(credentials: Credentials | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "SSH_ASKPASS")) or key == "GIT_EXEC_PATH"
    }
    env.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
            "LANGUAGE": "C",
        }
    )
    env.update(git_env(credentials))
    return env


def run_git(
    args: Sequence[str],
    *,
    url: str,
    git_dir: Path | None = None,
    credentials: Credentials | None = None,
    extra_env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    what: str | None = None,
) -> str:
    """Run `git [--git-dir DIR] ARGS` and return its stdout; `url` names the repo in errors."""
    argv = ["git"]
    if git_dir is not None:
        argv += ["--git-dir", str(git_dir)]
    argv += list(args)
    env = base_env(credentials)
    if extra_env:
        env.update(extra_env)
    secrets = secrets_of(credentials)
    shown = scrub(" ".join(argv), secrets)
    log.debug("running %s", shown)
    action = what or f"git {args[0]}"
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError as exc:
        raise GitError("the git command is not installed (git was not found on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(
            f"{action} of {redact_url(url)} did not finish within {timeout:.0f} s"
        ) from exc
    if done.returncode != 0:
        detail = scrub((done.stderr or done.stdout).strip(), secrets)[-2000:]
        log.debug("%s failed (exit %d): %s", shown, done.returncode, detail)
        raise classify_failure(action, url, credentials, detail)
    return done.stdout


def classify_failure(
    action: str, url: str, credentials: Credentials | None, detail: str
) -> GitError:
    where = redact_url(url)
    if _AUTH_FAILED.search(detail):
        if credentials is None:
            return AuthError(
                f"{action} of {where} failed: the repo needs credentials and none are "
                f"configured for it\n{detail}"
            )
        return AuthError(
            f"{action} of {where} failed: the repo refused the configured credentials "
            f"(check the token or key and its access to this repo)\n{detail}"
        )
    return GitError(f"{action} of {where} failed:\n{detail}")
