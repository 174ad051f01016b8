"""Notification targets: secrets filled in from the environment or a private file, and
kept out of names, errors and Apprise's own log lines (real Apprise, a refused port)."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from riskoff.errors import InputError
from riskoff.usecases.notify import load_secrets, make_targets, send_all

CANARY = "canary-0d4e-notify-s3cret"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_secrets_come_from_the_environment_and_never_show() -> None:
    (t,), redact = make_targets(
        ["json://bot:${HOOK_TOKEN}@127.0.0.1:9/hook?x=1"], None, {"HOOK_TOKEN": CANARY}
    )
    assert CANARY in t.url
    assert t.name == "json://127.0.0.1:9"
    assert CANARY not in repr(t)
    assert redact(f"a {CANARY}") == "a ***"
    (_,), redact = make_targets(["json://h/${T}"], None, {"T": "pass+word/with=signs"})
    assert redact("x pass%2Bword%2Fwith%3Dsigns y pass+word/with=signs") == "x *** y ***"


def test_a_missing_secret_is_one_line() -> None:
    with pytest.raises(InputError, match=r"json://x needs \$\{NOPE\}: set it in the environ"):
        make_targets(["json://x/${NOPE}"], None, {})


def test_the_secrets_file_must_be_private(tmp_path: Path) -> None:
    f = tmp_path / "watch.secrets"
    f.write_text(f"# targets\nHOOK_TOKEN={CANARY}\n")
    f.chmod(0o640)
    with pytest.raises(InputError, match="may be read by others"):
        load_secrets(f)
    f.chmod(0o600)
    (t,), redact = make_targets(["json://h/${HOOK_TOKEN}"], f, {})
    assert t.url == f"json://h/{CANARY}"
    assert redact(CANARY) == "***"
    f.write_text("no equals sign\n")
    with pytest.raises(InputError, match="line 1: expected KEY=VALUE"):
        load_secrets(f)


def test_a_failed_send_names_the_target_without_its_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = _closed_port()
    targets, redact = make_targets(
        [f"json://bot:${{HOOK_TOKEN}}@127.0.0.1:{port}/hook/${{HOOK_TOKEN}}"],
        None,
        {"HOOK_TOKEN": CANARY},
    )
    with caplog.at_level(logging.DEBUG):
        ((_, outcome),) = list(send_all([(targets[0], "t", "b", [])], redact, timeout=5))
    assert not outcome.ok
    assert outcome.error.startswith(f"json://127.0.0.1:{port}: ")
    assert CANARY not in outcome.error
    assert caplog.records  # Apprise did log, at DEBUG, about this send
    assert CANARY not in caplog.text
