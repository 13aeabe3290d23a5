"""Reading a mapping file's YAML with scalars as written: only `true`/`false`, `null` and plain whole numbers are
read as such, so that `NO`, `on`, `010`, `1_000`, `0x10`, `1:30`, `1.50` or `2024-1-1` stay the text they are."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from account_intel.errors import ValidationFailed
from account_intel.importer.issues import visible

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:0|-?[1-9][0-9]*)$")


class PlainScalarLoader(yaml.SafeLoader):
    """A safe loader that reads booleans and integers the YAML 1.2 way and leaves dates and floats as text."""


_TYPED = ("bool", "int", "float", "timestamp")
PlainScalarLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag.rsplit(":", 1)[-1] not in _TYPED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PlainScalarLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
PlainScalarLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-0123456789"))
PlainScalarLoader.add_constructor("tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node), 10))


def read_yaml(path: Path) -> Any:
    """The YAML data of a mapping file; a file that is not UTF-8 or not YAML is a `ValidationFailed` naming where."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"Cannot read mapping file {path}: {exc.strerror}.") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_not_utf8(path.name, data, exc)) from None
    try:
        return yaml.load(text, Loader=PlainScalarLoader)  # a SafeLoader with fewer implicit types
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"Mapping file {path.name} is not valid YAML: {exc}".strip()) from None


def _not_utf8(name: str, data: bytes, exc: UnicodeDecodeError) -> str:
    """Where the first byte that is not UTF-8 is: line, column (in characters) and the byte itself."""
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1
    shown = "".join(f"\\x{byte:02x}" for byte in data[exc.start : exc.end])
    return (
        f"Mapping file {visible(name)} line {line}, column {column}, value '{shown}': is not UTF-8 text"
        f" ({exc.reason}); save the file as UTF-8."
    )
