"""Sending alerts through Apprise, with secrets kept out of every log, alert and row.

A target is an Apprise URL from the rules file (``json://host/path``, ``mailto://...``,
``slack://...``, ``ntfy://...``). Secrets are written ``${NAME}`` in the URL and filled in
from the environment or from the rules' ``secrets_file`` (``KEY=VALUE`` lines; refused
unless only its owner may read it). The filled-in URL lives only in memory: a target is
stored and shown by an id (a hash of the URL as written, placeholders and all) and a
name (scheme and host, never a user, password, path or query), and every message that
leaves this module (errors, Apprise's own log lines) has each secret value replaced by
``***``.

Each send is one Apprise call for one target, with a time limit; targets are sent in
parallel, so a target that is down or hangs never holds the others back
(:func:`send_all`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

from riskoff.errors import InputError

__all__ = [
    "Redactor",
    "SendOutcome",
    "Target",
    "load_secrets",
    "make_targets",
    "send_all",
    "send_one",
]

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Redactor:
    """Replaces every secret value (raw and URL-quoted) with ``***``."""

    secrets: tuple[str, ...] = ()

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            if len(s) >= 4:
                text = text.replace(s, "***").replace(quote(s, safe=""), "***")
        return text


@dataclass(frozen=True)
class Target:
    """One notification target: ``id`` and ``name`` are safe to store and show."""

    id: str
    name: str
    url: str = field(repr=False)


def load_secrets(path: Path | None) -> dict[str, str]:
    """``KEY=VALUE`` lines of a secrets file (``#`` comments allowed).

    Raises:
        InputError: the file is missing or group/others may read or write it.
    """
    if path is None:
        return {}
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(f"secrets file {path}: {exc.strerror or exc}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(
            f"secrets file {path} may be read by others (mode {stat.S_IMODE(st.st_mode):o}); "
            f"run: chmod 600 {path}"
        )
    out: dict[str, str] = {}
    for i, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise InputError(f"secrets file {path}, line {i}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _display(template: str) -> str:
    """scheme://host[:port] of a URL, with placeholders and credentials left out."""
    masked = _PLACEHOLDER.sub("x", template)
    try:
        parts = urlsplit(masked)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{masked.split(':', 1)[0]}://?"
    return f"{parts.scheme}://{host}{port}"


def make_targets(
    templates: Sequence[str], secrets_file: Path | None, environ: Mapping[str, str] | None = None
) -> tuple[list[Target], Redactor]:
    """The targets of ``notify`` with their secrets filled in, and the redactor of those
    secrets.

    Raises:
        InputError: a ``${NAME}`` that neither the environment nor the secrets file sets.
    """
    env = os.environ if environ is None else environ
    from_file = load_secrets(secrets_file)
    used: list[str] = list(from_file.values())
    targets: list[Target] = []
    for template in templates:

        def fill(m: re.Match[str], where: str = template) -> str:
            name = m.group(1)
            value = env.get(name) or from_file.get(name)
            if not value:
                raise InputError(
                    f"notify target {_display(where)} needs ${{{name}}}: set it in the "
                    "environment or in the secrets_file"
                )
            used.append(value)
            return value

        url = _PLACEHOLDER.sub(fill, template)
        tid = hashlib.sha256(template.encode()).hexdigest()[:12]
        targets.append(Target(id=tid, name=_display(template), url=url))
    # credentials written into a URL itself are secrets too
    for t in targets:
        try:
            parts = urlsplit(t.url)
            used.extend(x for x in (parts.username, parts.password) if x)
        except ValueError:
            pass
    return targets, Redactor(tuple(sorted(set(used), key=len, reverse=True)))


class _RedactFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = self.redact(msg)
        if clean != msg:
            record.msg, record.args = clean, None
        return True


@dataclass(frozen=True)
class SendOutcome:
    """What one send to one target gave."""

    target: Target
    ok: bool
    error: str = ""


def send_one(
    target: Target,
    title: str,
    body: str,
    redact: Redactor,
    *,
    attach: Sequence[Path] = (),
    timeout: float = 20.0,
) -> SendOutcome:
    """Send one message to one target through Apprise; never raises."""
    import apprise

    notes: list[str] = []

    def keep(entry: object, _service: object = None) -> None:
        level = getattr(entry, "level", "")
        if level in ("WARNING", "ERROR", "CRITICAL"):
            notes.append(redact(str(getattr(entry, "message", ""))))

    try:
        asset = apprise.AppriseAsset(app_id="riskoff", app_desc="riskoff watch")
        ap = apprise.Apprise(asset=asset)
        if not ap.add(target.url):
            return SendOutcome(target, False, f"{target.name}: not a URL Apprise knows")
        result = ap.notify(
            body=body,
            title=title,
            body_format="text",
            attach=[str(p) for p in attach] or None,
            timeout=timeout,
            log_callback=keep,
        )
        if bool(result):
            return SendOutcome(target, True)
        why = "; ".join(dict.fromkeys(n for n in notes if n)) or "the target refused it"
        return SendOutcome(target, False, redact(f"{target.name}: {why}")[:300])
    except Exception as exc:  # a plugin bug must not stop the watcher
        return SendOutcome(target, False, redact(f"{target.name}: {type(exc).__name__}: {exc}"))


@dataclass
class _Quiet:
    """While sending: Apprise's log lines pass through the redactor."""

    redact: Redactor
    _filter: _RedactFilter | None = None

    def __enter__(self) -> None:
        self._filter = _RedactFilter(self.redact)
        logging.getLogger("apprise").addFilter(self._filter)

    def __exit__(self, *exc: object) -> None:
        if self._filter is not None:
            logging.getLogger("apprise").removeFilter(self._filter)


def send_all(
    jobs: Sequence[tuple[Target, str, str, Sequence[Path]]],
    redact: Redactor,
    *,
    timeout: float = 20.0,
    sender: Callable[..., SendOutcome] = send_one,
) -> Iterator[tuple[int, SendOutcome]]:
    """Send every job (target, title, body, attachments) in parallel; yield
    ``(job index, outcome)`` as each finishes, so a slow target delays no other."""
    if not jobs:
        return
    with _Quiet(redact), ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        futures = {
            pool.submit(sender, t, title, body, redact, attach=att, timeout=timeout): i
            for i, (t, title, body, att) in enumerate(jobs)
        }
        for fut in as_completed(futures):
            yield futures[fut], fut.result()
