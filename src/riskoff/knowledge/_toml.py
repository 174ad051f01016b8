"""Strict reading of riskoff's TOML data files: every error is one line naming the file
and the entry (a :class:`~riskoff.errors.DataFileError`, exit 2)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from riskoff.errors import DataFileError

__all__ = [
    "as_bool",
    "as_float",
    "as_str",
    "as_str_list",
    "as_table",
    "as_tables",
    "check_keys",
    "parse_toml",
    "read_text",
]


def read_text(path: Path) -> str:
    """A user file's text, UTF-8 only (a Latin-1 file is a one-line error)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
    except OSError as exc:
        raise DataFileError(f"{path}: {exc.strerror or exc}") from None


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error is one line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"{where}: not valid TOML ({' '.join(str(exc).split())})") from None


def check_keys(raw: Mapping[str, Any], allowed: Collection[str], where: str) -> None:
    """Refuse keys outside ``allowed`` (a typo is an error, not silence)."""
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise DataFileError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(sorted(allowed))})"
        )


def as_table(raw: object, where: str) -> Mapping[str, Any]:
    """A TOML table."""
    if not isinstance(raw, Mapping):
        raise DataFileError(f"{where}: expected a table, got {type(raw).__name__} {raw!r}")
    return raw


def as_tables(raw: object, where: str) -> list[Mapping[str, Any]]:
    """An array of tables (``[[name]]``)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise DataFileError(
            f"{where}: expected an array of tables ([[...]]), got {type(raw).__name__} {raw!r}"
        )
    return [as_table(r, f"{where} #{i + 1}") for i, r in enumerate(raw)]


def as_str(raw: object, where: str) -> str:
    """A string."""
    if not isinstance(raw, str):
        raise DataFileError(f"{where}: expected text, got {type(raw).__name__} {raw!r}")
    return raw


def as_str_list(raw: object, where: str) -> tuple[str, ...]:
    """A list of strings."""
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise DataFileError(f"{where}: expected a list of text, got {raw!r}")
    return tuple(raw)


def as_bool(raw: object, where: str) -> bool:
    """A boolean."""
    if not isinstance(raw, bool):
        raise DataFileError(f"{where}: expected true or false, got {raw!r}")
    return raw


def as_float(raw: object, where: str, *, min_value: float | None = None) -> float:
    """A finite number (never a bool, text, inf or nan), optionally at least ``min_value``."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise DataFileError(f"{where}: expected a number, got {type(raw).__name__} {raw!r}")
    value = float(raw)
    if not math.isfinite(value):
        raise DataFileError(f"{where}: expected a finite number, got {raw!r}")
    if min_value is not None and value < min_value:
        raise DataFileError(f"{where}: must be >= {min_value:g}, got {raw!r}")
    return value
