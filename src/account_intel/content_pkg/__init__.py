"""Finding the content folders (agents/, prompts/, tools/): a user's copy, the package data, or the source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from account_intel.errors import DomainError

CONTENT_FOLDERS = ("agents", "prompts", "tools")


class ContentError(DomainError):
    """The content folders are missing or invalid."""


def _has_all(root: Path) -> bool:
    return all((root / name).is_dir() for name in CONTENT_FOLDERS)


def content_root(override: Path | None = None) -> Path:
    """The folder holding agents/, prompts/ and tools/.

    Resolution order: the folder named by the setting (a user's own copy), the package data inside the wheel,
    then the source tree of an editable install.
    """
    if override is not None:
        root = override.expanduser()
        if not _has_all(root):
            missing = ", ".join(f"{name}/" for name in CONTENT_FOLDERS if not (root / name).is_dir())
            raise ContentError(f"ACCOUNT_INTEL_CONTENT_DIR {root} lacks {missing}; copy them from the package first.")
        return root
    packaged = Path(str(resources.files("account_intel") / "_content"))
    if _has_all(packaged):
        return packaged
    source_tree = Path(__file__).resolve().parents[2]
    if _has_all(source_tree):
        return source_tree
    raise ContentError("The agents/, prompts/ and tools/ folders were not found; reinstall account-intel.")
