"""Running renderer programs, and writable copies of a read-only checkout for them."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from seaway.source.errors import RenderError

DEFAULT_TIMEOUT = 120.0


@contextlib.contextmanager
def writable_copy(tree: Path) -> Iterator[Path]:
    """A temporary copy of the tree that may be edited; the checkout itself never is.

    Files are hard links where the file system allows (a copy of a big repo costs one link per
    file), so an edit must replace a file (write a new one), never write into it.
    """
    parent = tree.parent if os.access(tree.parent, os.W_OK) else None
    work = Path(tempfile.mkdtemp(prefix=".render-", dir=parent))
    try:
        copy = work / "tree"
        _link_tree(tree, copy)
        yield copy
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _link_tree(src: Path, dest: Path) -> None:
    dest.mkdir()
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        target_dir = dest / rel
        for name in dirnames:
            source = Path(dirpath, name)
            if source.is_symlink():
                os.symlink(os.readlink(source), target_dir / name)
            else:
                (target_dir / name).mkdir()
        for name in filenames:
            source = Path(dirpath, name)
            target = target_dir / name
            if source.is_symlink():
                os.symlink(os.readlink(source), target)
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)


def replace_file(path: Path, text: str) -> None:
    """Write a new file in place of a (maybe hard-linked, read-only) one."""
    path.unlink(missing_ok=True)
    path.write_text(text)


def run_tool(
    argv: Sequence[str],
    *,
    what: str,
    cwd: Path,
    roots: Sequence[Path],
    env: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[str, str]:
    """Run a renderer; return (stdout, stderr). Errors show paths relative to the checkout."""
    try:
        done = subprocess.run(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"{what} did not finish within {timeout:.0f} s") from exc
    except OSError as exc:
        raise RenderError(f"{what} could not start {argv[0]}: {exc.strerror}") from exc
    stderr = relative_paths(done.stderr, roots).strip()
    if done.returncode != 0:
        detail = stderr or relative_paths(done.stdout, roots).strip()
        raise RenderError(f"{what} failed:\n{detail[-4000:]}")
    return done.stdout, stderr


def relative_paths(text: str, roots: Sequence[Path]) -> str:
    """Replace the (temporary, cache-specific) folders in a tool's message by nothing, so
    the paths read as paths in the repo."""
    for root in sorted({str(r) for r in roots} | {str(r.resolve()) for r in roots}, key=len)[::-1]:
        text = text.replace(root + os.sep, "").replace(root, ".")
    return text
