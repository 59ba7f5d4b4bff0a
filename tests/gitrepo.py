"""Real Git repositories for tests, made with the git CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Seaway Test",
    "GIT_AUTHOR_EMAIL": "test@seaway.invalid",
    "GIT_COMMITTER_NAME": "Seaway Test",
    "GIT_COMMITTER_EMAIL": "test@seaway.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


class Upstream:
    """A repo that plays the remote: a work tree whose commits the cache fetches."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        git(path, "init", "--quiet", "--initial-branch", "main")

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def git(self, *args: str) -> str:
        return git(self.path, *args)

    def commit(self, files: dict[str, str], message: str = "change", branch: str = "") -> str:
        if branch:
            existing = self.git("branch", "--list", branch)
            self.git("checkout", "--quiet", *(() if existing else ("-b",)), branch)
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        sha = self.git("rev-parse", "HEAD")
        if branch:
            self.git("checkout", "--quiet", "main")
        return sha

    def bare_copy(self, path: Path) -> Path:
        git(path.parent, "clone", "--quiet", "--bare", str(self.path), str(path))
        return path

    def remove(self, *names: str, message: str = "remove") -> str:
        self.git("rm", "--quiet", "-r", *names)
        self.git("commit", "--quiet", "-m", message)
        return self.git("rev-parse", "HEAD")
