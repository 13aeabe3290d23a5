#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml (needs uv: `pip install uv`). CI and the README install from them.
set -euo pipefail
cd "$(dirname "$0")"
lock() {
  local out="$1"; shift
  { echo "# Locked versions for a reproducible install (CI installs from this file). Regenerate: requirements/lock.sh"
    uv pip compile ../pyproject.toml "$@" --python-version 3.11 --no-header --quiet; } > "$out"
}
lock runtime.lock
lock dev.lock --extra dev --extra postgres --extra pdf
