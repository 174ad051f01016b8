"""``riskoff watch`` and ``riskoff alerts`` through the real entry point: bad rules files
are one line and exit 2; an empty home lists no alerts; ``--status`` says what it knows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        pytest.param(None, "no such rules file", id="missing"),
        pytest.param("[[rule]]\nkind = 'crash'\n", "kind must be one of", id="kind"),
        pytest.param("notify = ['json://x/${NOPE_TOKEN}']\n", "needs ${NOPE_TOKEN}", id="secret"),
        pytest.param("secrets_file = '{secrets}'\n", "may be read by others", id="secrets-mode"),
    ],
)
def test_bad_rules_are_one_line_exit_2(
    rules: str | None, message: str, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rules.toml"
    secrets = tmp_path / "watch.secrets"
    secrets.write_text("TOKEN=abc\n")
    secrets.chmod(0o644)
    if rules is not None:
        path.write_text(rules.replace("{secrets}", str(secrets)))
    code, _, err = run_cli(["watch", "--once", "--no-update", "--config", str(path)], capsys)
    assert code == 2, err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (home / "riskoff.duckdb").exists()  # nothing written


def test_alerts_on_an_empty_home(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["alerts", "--json"], capsys)
    assert code == 0
    assert json.loads(out) == []
    code, out, _ = run_cli(["alerts"], capsys)
    assert code == 0
    assert out.startswith("no alerts yet")
    code, out, _ = run_cli(["watch", "--status"], capsys)
    assert code == 0
    assert out.splitlines()[0].endswith("watch.toml (7 rules)")
    assert out.splitlines()[1].startswith("store:")


def test_once_exits_1_when_a_send_failed(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt
    import socket

    from riskoff.store import Store
    from riskoff.usecases.notify import make_targets

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rules = tmp_path / "rules.toml"
    rules.write_text(f'notify = ["json://127.0.0.1:{port}/down"]\n')
    (target,), _ = make_targets([f"json://127.0.0.1:{port}/down"], None, {})
    with Store(home / "riskoff.duckdb") as st:
        st.record_alerts(
            [{"id": "selloff/2031-03-03/0", "rule": "selloff", "kind": "alert",
              "event": "selloff/2031-03-03", "day": dt.date(2031, 3, 3),
              "title": "riskoff sell-off 2031-03-03", "body": "Sell-off."}],
            [(target.id, target.name)],
            {},
            dt.datetime.now(dt.UTC),
        )  # fmt: skip
    code, _, err = run_cli(["watch", "--once", "--no-update", "--config", str(rules)], capsys)
    assert code == 1
    assert f"sending selloff/2031-03-03/0 to json://127.0.0.1:{port} failed (try 1)" in err
    code, out, _ = run_cli(["alerts", "--json"], capsys)
    (alert,) = json.loads(out)
    assert alert["status"] == "pending"
    assert alert["deliveries"][0]["attempts"] == 1


def test_without_apprise_it_says_how_to_install_it(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "apprise", None)  # as if the extra were not installed
    rules = tmp_path / "rules.toml"
    rules.write_text('notify = ["json://127.0.0.1:9/x"]\n')
    code, _, err = run_cli(["watch", "--once", "--no-update", "--config", str(rules)], capsys)
    assert code == 2
    assert err.strip().endswith("pip install 'riskoff[watch]'")
    assert len(err.strip().splitlines()) == 1
