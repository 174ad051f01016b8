"""The bad-input matrix of the files a user writes in ``$RISKOFF_HOME`` (suspects.toml,
episodes.toml) and of portfolio files, through the real CLI entry point: every case is
exit 2, one line naming the file (and the entry where there is one), no traceback, and
the store unchanged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from riskoff.store import Store
from tests.helpers import run_cli

pytestmark = pytest.mark.integration

DIAGNOSE = ["diagnose", "2020-03-12"]
ANALOGS = ["analogs", "2020-03-12"]

GOOD_CHECK = """
[[suspect.checks]]
feature = "sigma.gold"
supports = [0.5, 2.0]
"""


def _suspect(extra: str = "", check: str = GOOD_CHECK) -> str:
    return f'[[suspect]]\nid = "mine"\nlabel = "Mine"\n{extra}\n{check}'


def _reweight(weights: str) -> str:
    return f'[[suspect]]\nid = "geopolitics"\nweights = {{ {weights} }}\n'


def _check(body: str) -> str:
    ramp = "" if "supports" in body else "supports = [0.5, 2.0]\n"
    return _suspect(check=f'[[suspect.checks]]\nfeature = "sigma.gold"\n{ramp}{body}\n')


EPISODE = """[[episode]]
id = "mine"
name = "Mine"
start = 2019-05-06
end = 2019-05-13
category = "policy_shock"
suspect = "policy"
description = "A test episode."
source = {{ author = "A", title = "T", year = 2019 }}
{extra}"""

# name -> (file in RISKOFF_HOME, its content, command, a text the one line must contain)
CASES: dict[str, tuple[str, str | bytes, list[str], str]] = {
    # suspects.toml: weights that are not finite, negative or not numbers
    "suspects reweight inf": ("suspects.toml", _reweight('"sigma.gold" = inf'), DIAGNOSE, "inf"),
    "suspects reweight nan": ("suspects.toml", _reweight('"sigma.gold" = nan'), DIAGNOSE, "nan"),
    "suspects reweight negative": (
        "suspects.toml",
        _reweight('"sigma.gold" = -5.0'),
        DIAGNOSE,
        ">= 0",
    ),
    "suspects reweight text": (
        "suspects.toml",
        _reweight('"sigma.gold" = "heavy"'),
        DIAGNOSE,
        "heavy",
    ),
    "suspects reweight unknown check": (
        "suspects.toml",
        _reweight('"sigma.nothing" = 1.0'),
        DIAGNOSE,
        "sigma.nothing",
    ),
    "suspects weights not a table": (
        "suspects.toml",
        '[[suspect]]\nid = "geopolitics"\nweights = 3\n',
        DIAGNOSE,
        "weights",
    ),
    "suspects check weight inf": ("suspects.toml", _check("weight = inf"), DIAGNOSE, "weight"),
    "suspects check weight nan": ("suspects.toml", _check("weight = nan"), DIAGNOSE, "weight"),
    "suspects check weight negative": (
        "suspects.toml",
        _check("weight = -1.0"),
        DIAGNOSE,
        ">= 0",
    ),
    "suspects check weight bool": ("suspects.toml", _check("weight = true"), DIAGNOSE, "weight"),
    "suspects ramp inf": ("suspects.toml", _check("supports = [0.5, inf]"), DIAGNOSE, "ramp"),
    "suspects ramp nan": ("suspects.toml", _check("contradicts = [nan, -1.0]"), DIAGNOSE, "ramp"),
    "suspects ramp text": ("suspects.toml", _check('supports = ["a", "b"]'), DIAGNOSE, "ramp"),
    "suspects ramp flat": ("suspects.toml", _check("supports = [1.0, 1.0]"), DIAGNOSE, "ramp"),
    "suspects compound term inf": (
        "suspects.toml",
        _check('fn = "all_of"\nparams = { terms = [["sigma.gold", 0.5, inf]] }\nsupports = [0, 1]'),
        DIAGNOSE,
        "term",
    ),
    # suspects.toml: misspelt tables and keys
    "suspects misspelt checks table": (
        "suspects.toml",
        _suspect(check=GOOD_CHECK.replace("suspect.checks", "suspect.check")),
        DIAGNOSE,
        "'check'",
    ),
    "suspects misspelt suspect table": (
        "suspects.toml",
        _suspect().replace("[[suspect]]", "[[suspects]]"),
        DIAGNOSE,
        "'suspects'",
    ),
    "suspects unknown suspect key": ("suspects.toml", _suspect("colour = 1"), DIAGNOSE, "colour"),
    "suspects unknown check key": ("suspects.toml", _check("wieght = 1.0"), DIAGNOSE, "wieght"),
    "suspects unknown check function": (
        "suspects.toml",
        _check('fn = "no_such_check"\nsupports = [0, 1]'),
        DIAGNOSE,
        "no_such_check",
    ),
    # suspects.toml: wrong types, encodings, syntax
    "suspects suspect is text": ("suspects.toml", 'suspect = "x"\n', DIAGNOSE, "array"),
    "suspects id is a number": ("suspects.toml", "[[suspect]]\nid = 5\n", DIAGNOSE, "id"),
    "suspects id missing": ("suspects.toml", '[[suspect]]\nlabel = "x"\n', DIAGNOSE, "id"),
    "suspects label is a number": ("suspects.toml", _suspect("headline = 5"), DIAGNOSE, "headline"),
    "suspects enabled is text": (
        "suspects.toml",
        '[[suspect]]\nid = "policy"\nenabled = "no"\n',
        DIAGNOSE,
        "enabled",
    ),
    "suspects key is text": ("suspects.toml", _check('key = "yes"'), DIAGNOSE, "key"),
    "suspects params is a number": (
        "suspects.toml",
        _check("params = 5"),
        DIAGNOSE,
        "params",
    ),
    "suspects sources is text": (
        "suspects.toml",
        _check('sources = "yahoo:GC=F"'),
        DIAGNOSE,
        "sources",
    ),
    "suspects checks is a number": (
        "suspects.toml",
        '[[suspect]]\nid = "mine"\nchecks = 5\n',
        DIAGNOSE,
        "checks",
    ),
    "suspects feature is a number": (
        "suspects.toml",
        _suspect(check="[[suspect.checks]]\nfeature = 5\nsupports = [0, 1]\n"),
        DIAGNOSE,
        "feature",
    ),
    "suspects latin-1": (
        "suspects.toml",
        _suspect('description = "café"').encode("latin-1"),
        DIAGNOSE,
        "UTF-8",
    ),
    "suspects bad toml": ("suspects.toml", "[[suspect]\n", DIAGNOSE, "TOML"),
    # episodes.toml
    "episodes unknown key series": (
        "episodes.toml",
        EPISODE.format(extra="series = 5"),
        ANALOGS,
        "series",
    ),
    "episodes suspect not loaded": (
        "episodes.toml",
        EPISODE.format(extra="").replace('"policy"', '"x"'),
        ANALOGS,
        "'x'",
    ),
    "episodes suspect is a number": (
        "episodes.toml",
        EPISODE.format(extra="").replace('"policy"', "5"),
        ANALOGS,
        "suspect",
    ),
    "episodes misspelt table": (
        "episodes.toml",
        EPISODE.format(extra="").replace("[[episode]]", "[[episodes]]"),
        ANALOGS,
        "'episodes'",
    ),
    "episodes episode is text": ("episodes.toml", 'episode = "x"\n', ANALOGS, "array"),
    "episodes start not a date": (
        "episodes.toml",
        EPISODE.format(extra="").replace("start = 2019-05-06", "start = 5"),
        ANALOGS,
        "start",
    ),
    "episodes source year text": (
        "episodes.toml",
        EPISODE.format(extra="").replace("year = 2019", 'year = "soon"'),
        ANALOGS,
        "year",
    ),
    "episodes source unknown key": (
        "episodes.toml",
        EPISODE.format(extra="").replace("year = 2019 }", 'year = 2019, url = "x" }'),
        ANALOGS,
        "url",
    ),
    "episodes major is text": (
        "episodes.toml",
        EPISODE.format(extra='major = "yes"'),
        ANALOGS,
        "major",
    ),
    "episodes latin-1": (
        "episodes.toml",
        EPISODE.format(extra="").replace("A test episode.", "Caf\u00e9.").encode("latin-1"),
        ANALOGS,
        "UTF-8",
    ),
    "episodes bad toml": ("episodes.toml", "[[episode]\n", ANALOGS, "TOML"),
    # portfolio files: numbers must be finite
    "portfolio weight inf": ("p.csv", "symbol,weight\nyahoo:SPY,inf\n", ["stress", "{p}"], "inf"),
    "portfolio weight nan": ("p.csv", "symbol,weight\nyahoo:SPY,nan\n", ["stress", "{p}"], "nan"),
    "portfolio weight overflow": (
        "p.csv",
        "symbol,weight\nyahoo:SPY,1e999\n",
        ["stress", "{p}"],
        "1e999",
    ),
    "portfolio leverage inf": (
        "p.csv",
        "symbol,weight\nyahoo:SPY,1.0\nleverage,inf\n",
        ["stress", "{p}"],
        "inf",
    ),
    "portfolio weight text": (
        "p.csv",
        "symbol,weight\nyahoo:SPY,heavy\n",
        ["stress", "{p}"],
        "heavy",
    ),
}


@pytest.fixture(scope="module")
def user_home(tmp_path_factory: pytest.TempPathFactory, loaded_home: Path) -> Path:
    """A copy of the loaded store; each case writes its one user file beside it."""
    home = tmp_path_factory.mktemp("badhome")
    shutil.copy2(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    return home


@pytest.mark.parametrize("name", list(CASES), ids=list(CASES))
def test_bad_user_file_exit_2_one_line_store_unchanged(
    name: str,
    user_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fname, content, args, needle = CASES[name]
    path = user_home / fname
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("RISKOFF_HOME", str(user_home))
    store = user_home / "riskoff.duckdb"
    try:
        with Store(store, read_only=True) as st:
            before = st.checksum()
        code, _out, err = run_cli([a.replace("{p}", str(path)) for a in args], capsys)
        with Store(store, read_only=True) as st:
            after = st.checksum()
    finally:
        path.unlink()
    assert code == 2, err
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert fname in err
    assert needle in err
    assert after == before
