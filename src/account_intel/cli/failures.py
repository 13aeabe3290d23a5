"""One line for a failure of the machine under a command (database, disk) that no domain error described."""

from __future__ import annotations

import errno
import sys

# errors of writing a file that the user can fix: no space, over quota, read-only, not allowed, I/O error
WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}
ADVICE = {
    errno.ENOSPC: "Free disk space",
    errno.EDQUOT: "Free space within your disk quota",
    errno.EFBIG: "Free space or raise the file size limit",
    errno.EROFS: "Use a writable disk (ACCOUNT_INTEL_HOME or --out)",
}


def failure_line(exc: BaseException) -> str | None:
    """The one line for a database or file-system failure; None for any other error, which stays a bug."""
    return database_failure(exc) or file_failure(exc)


def database_failure(exc: BaseException) -> str | None:
    """One line for a database that failed under a command (locked, unreachable, read-only); None for other errors."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    sqlite3 = sys.modules.get("sqlite3")
    if sa_exc is not None and isinstance(exc, sa_exc.OperationalError):
        orig = exc.orig
    elif sqlite3 is not None and isinstance(exc, sqlite3.OperationalError):
        orig = exc
    else:
        return None
    detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"The store could not be used: {detail}. Check --db, and that no other program holds it."


def file_failure(exc: BaseException) -> str | None:
    """One line for a file that could not be written (disk full, read-only, no permission); None for other errors."""
    if not isinstance(exc, OSError) or exc.errno not in WRITE_ERRNOS:
        return None
    target = f" {exc.filename}" if exc.filename else " a file"
    advice = ADVICE.get(exc.errno, "Check its permissions and the free disk space")
    return (
        f"Could not write{target}: {exc.strerror or exc}. {advice}, then rerun the same command "
        "(what was saved before is kept, and the run picks up from there)."
    )
