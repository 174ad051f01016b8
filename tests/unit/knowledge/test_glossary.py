"""Plain words: every name riskoff computes has a human name and one line of explanation
in the glossary, ``riskoff explain`` finds it, and docs/glossary.md is in step."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import Catalog
from riskoff.diagnosis.derived import derive
from riskoff.errors import DataFileError
from riskoff.indicators.features import daily_features
from riskoff.indicators.relative import relative_params, relative_values
from riskoff.knowledge.glossary import glossary, glossary_markdown, parse_glossary
from riskoff.panel import build_panel
from tests.helpers import run_cli

REPO = Path(__file__).resolve().parents[3]


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    days = pd.bdate_range("2023-01-02", "2023-12-29")
    rows = []
    for sym in ("yahoo:^GSPC", "yahoo:GC=F", "yahoo:BTC-USD"):
        px = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(days))))
        rows += [(sym, d, v) for d, v in zip(days, px, strict=True)]
    long = pd.DataFrame(
        {
            "symbol": pd.Categorical([r[0] for r in rows]),
            "date": pd.to_datetime([r[1] for r in rows]),
            "value": [r[2] for r in rows],
        }
    )
    p = build_panel(long, Catalog.default(), as_of=dt.date(2023, 12, 29), start=dt.date(2023, 1, 1))
    return daily_features(p)


def test_every_feature_and_derived_value_has_plain_words() -> None:
    g = glossary()
    table = _table()
    row = {str(k): float(v) for k, v in table.iloc[-1].items()}
    params = relative_params(table)
    extra = relative_values(row, {str(k): float(v) for k, v in params.iloc[-1].items()})
    names = [*table.columns, *extra, *derive({**row, **extra}).values]
    missing = [n for n in names if n not in g]
    assert not missing, f"no glossary entry for {missing}"
    for t in g.terms:
        assert t.name
        assert t.explain
        assert "\n" not in t.explain
        assert "{" not in t.name + t.explain  # every family placeholder filled


def test_every_check_of_the_packaged_suspects_is_explained(tmp_path: Path) -> None:
    from riskoff.knowledge.suspects import load_suspects

    g = glossary()
    indicators = {c.indicator for s in load_suspects(tmp_path) for c in s.checks}
    assert indicators
    missing = sorted(i for i in indicators if i not in g)
    assert not missing, f"no glossary entry for the check indicators {missing}"


def test_lookup_by_id_name_and_alias_in_any_case() -> None:
    g = glossary()
    assert g.get("haven.failure") is g.get("Haven failure") is g.get("HAVEN FAILURE")
    assert g.get("rotation.defensive_vs_spx") is not None
    assert g.name_of("dx.commod_sigma") == "Commodities in sigmas"
    assert g.get("sigma.gold") is not None
    assert g.get("no such thing") is None
    assert "haven.failure" in g.suggest("havn failure")


def test_a_bad_glossary_is_a_one_line_error() -> None:
    with pytest.raises(DataFileError, match="defined twice"):
        parse_glossary(
            '[[term]]\nid = "a"\nname = "A"\nexplain = "x"\n'
            '[[term]]\nid = "a"\nname = "B"\nexplain = "y"\n'
        )
    with pytest.raises(DataFileError):
        parse_glossary('[[term]]\nid = "a"\nname = "A"\n')


def test_docs_glossary_is_in_step() -> None:
    page = (REPO / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert page == glossary_markdown(), "run .venv/bin/python scripts/glossary.py"


def test_explain_prints_the_term_and_an_unknown_one_is_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(["explain", "haven failure"], capsys)
    assert code == 0, err
    assert out.startswith("Haven failure (haven.failure)\n")
    assert "safe havens" in out
    code, out, err = run_cli(["explain", "havn.failur"], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "did you mean haven.failure" in err
    code, out, _ = run_cli(["explain"], capsys)
    assert code == 0
    assert len(out.splitlines()) == len(glossary().terms)


def test_explain_a_source_symbol_prints_its_catalogue_name(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, err = run_cli(["explain", "yahoo:HG=F"], capsys)
    assert code == 0, err
    assert out.startswith("COMEX copper futures (yahoo:HG=F)\n")
    assert "continuous front month" in out
    code, out, err = run_cli(["explain", "yahoo:NOPE"], capsys)
    assert code == 2
    assert err.count("\n") == 1
