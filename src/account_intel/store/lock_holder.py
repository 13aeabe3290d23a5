"""Who holds a SQLite store's write lock, read from the kernel's lock table (Linux); None where that is unknown."""

from __future__ import annotations

import os
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")
WAL_WRITE_LOCK = 120  # the byte of `<store>-shm` a WAL writer locks (SQLite's WALINDEX_LOCK_OFFSET)
MAX_COMMAND = 80


def lock_holder(store: Path, *, locks: Path = PROC_LOCKS) -> str | None:
    """`process PID (command)` of another process writing `store`, or None when none is found or it cannot be known."""
    files = _file_ids(store)
    if not files:
        return None
    try:
        table = locks.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    for line in table.splitlines():
        pid = _writer(line, files)
        if pid is not None and pid not in (0, os.getpid()):
            return f"process {pid}{_command(pid)}"
    return None


def _file_ids(store: Path) -> dict[tuple[int, int, int], bool]:
    """(major, minor, inode) of the store file and its WAL index, each with whether it is the WAL index."""
    ids: dict[tuple[int, int, int], bool] = {}
    for path, is_shm in ((store, False), (store.with_name(store.name + "-shm"), True)):
        try:
            stat = path.stat()
        except OSError:
            continue
        ids[(os.major(stat.st_dev), os.minor(stat.st_dev), stat.st_ino)] = is_shm
    return ids


def _writer(line: str, files: dict[tuple[int, int, int], bool]) -> int | None:
    """The pid of a line that is a held write lock on one of `files` (a WAL index only at its writer byte)."""
    fields = line.split()
    if len(fields) < 8 or fields[1] == "->" or fields[3] != "WRITE":
        return None
    try:
        major, minor, inode = fields[5].split(":")
        key = (int(major, 16), int(minor, 16), int(inode))
        pid, start = int(fields[4]), int(fields[6])
    except ValueError:
        return None
    if key not in files or (files[key] and start != WAL_WRITE_LOCK):
        return None
    return pid


def _command(pid: int) -> str:
    """` (the command line)` of `pid`, shortened, or nothing when it cannot be read."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    command = " ".join(part for part in raw.decode(errors="replace").split("\0") if part)
    if not command:
        return ""
    if len(command) > MAX_COMMAND:
        command = command[: MAX_COMMAND - 3] + "..."
    return f" ({command})"
