"""Per-replica log files.

The process writes its stdout and stderr straight into the file rather than into a pipe to
Seaway: a pipe would break when Seaway restarts and kill the replica with SIGPIPE at its next
write, which would defeat re-adoption. So the size is capped the way logrotate's copytruncate
does it: copy the file's end to `<name>.1`, then truncate it; the process appends (O_APPEND) and
carries on at the new end. Lines written between the copy and the truncation are lost, a few at
most.
"""

from __future__ import annotations

import os
from pathlib import Path


def open_for_process(path: Path) -> int:
    """A file descriptor to hand to the process as stdout and stderr; the caller closes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0o600: programs print configuration, sometimes secrets, into their logs.
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)


def rotated(path: Path) -> Path:
    return path.with_name(path.name + ".1")


def cap(path: Path, max_bytes: int) -> bool:
    """Rotate `path` if it is larger than `max_bytes`; True if it was rotated."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    if size <= max_bytes:
        return False
    # Only the newest max_bytes are kept, so the two files never hold much more than 2*max_bytes
    # however fast the program wrote between two checks.
    with path.open("rb") as source, rotated(path).open("wb") as target:
        # The program keeps writing: measure again now and copy a bounded amount.
        end = source.seek(0, os.SEEK_END)
        source.seek(max(0, end - max_bytes))
        target.write(source.read(max_bytes))
    os.truncate(path, 0)
    return True


def tail(path: Path, max_bytes: int = 65536) -> str:
    """The end of a replica's log, at most `max_bytes` of it, from the rotated file too."""
    chunks: list[bytes] = []
    remaining = max_bytes
    for part in (path, rotated(path)):
        if remaining <= 0:
            break
        try:
            with part.open("rb") as file:
                size = file.seek(0, os.SEEK_END)
                file.seek(max(0, size - remaining))
                data = file.read()
        except FileNotFoundError:
            continue
        chunks.insert(0, data)
        remaining -= len(data)
    return b"".join(chunks).decode(errors="replace")
