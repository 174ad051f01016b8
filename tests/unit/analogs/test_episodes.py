"""The episode catalogue: the packaged file is valid, complete and user-extensible."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from riskoff.analogs.episodes import EpisodeCatalog, load_episodes
from riskoff.diagnosis import load_suspects
from riskoff.errors import DataFileError

_ONE = """
[[episode]]
id = "{id}"
name = "{name}"
start = {start}
end = {end}
category = "equity_crash"
suspect = "{suspect}"
description = "line one.\\nline two."
source = {{ author = "Someone", title = "Something", year = 2001 }}
"""


def _toml(**kw: str) -> str:
    base = {
        "id": "x-2001",
        "name": "X",
        "start": "2001-01-02",
        "end": "2001-01-05",
        "suspect": "leverage",
    }
    base.update(kw)
    return _ONE.format(**base)


def test_packaged_catalogue_is_broad_and_valid() -> None:
    cat = load_episodes()
    eps = cat.episodes
    assert len(eps) >= 25
    assert all(dt.date(1990, 1, 1) <= e.start <= e.end <= dt.date(2026, 12, 31) for e in eps)
    # every suspect family but one or two is represented; categories span asset classes
    assert len({e.suspect for e in eps}) >= 8
    cats = {e.category for e in eps}
    for needed in ("dash_for_cash", "carry_unwind", "crypto_crash", "bank_run", "rate_shock"):
        assert needed in cats
    assert {"metal_crash", "oil_shock", "policy_shock"} <= cats
    assert 4 <= len(cat.major()) < len(eps)
    for e in eps:
        assert e.suspect in {s.id for s in load_suspects()}
        assert e.source.author
        assert e.source.title
        assert 1990 <= e.source.year <= 2026
        assert e.description.count(".") >= 2, e.id
    # chronological
    assert [e.start for e in eps] == sorted(e.start for e in eps)


def test_user_file_adds_and_overrides(tmp_path: Path) -> None:
    base = load_episodes()
    first = base.episodes[0]
    (tmp_path / "episodes.toml").write_text(
        _toml(id="my-crash-2003", name="Mine", start="2003-03-03", end="2003-03-04")
        + _toml(id=first.id, name="Renamed", start="1990-08-02", end="1990-08-03"),
        encoding="utf-8",
    )
    cat = load_episodes(tmp_path)
    assert len(cat) == len(base) + 1
    assert cat["my-crash-2003"].name == "Mine"
    assert cat[first.id].name == "Renamed"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        pytest.param({"suspect": "aliens"}, "suspect 'aliens'", id="bad-suspect"),
        pytest.param({"start": "2001-02-01"}, "reversed", id="reversed"),
        pytest.param({"id": "Bad Id"}, "id must be", id="bad-id"),
        pytest.param({"start": '"soon"'}, "not a date", id="bad-date"),
    ],
)
def test_bad_entries_name_the_problem(kw: dict[str, str], message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        EpisodeCatalog.from_toml(_toml(**kw), "mine.toml")


def test_duplicate_ids_and_bad_toml() -> None:
    with pytest.raises(DataFileError, match="appears twice"):
        EpisodeCatalog.from_toml(_toml() + _toml(), "mine.toml")
    with pytest.raises(DataFileError, match="not valid TOML"):
        EpisodeCatalog.from_toml("[[episode]\n", "mine.toml")


def test_overlap_rule() -> None:
    ep = EpisodeCatalog.from_toml(_toml()).episodes[0]  # 2001-01-02..2001-01-05
    assert ep.overlaps(dt.date(2001, 1, 5), dt.date(2001, 1, 5))
    assert ep.overlaps(dt.date(2001, 1, 15), dt.date(2001, 1, 15), margin_days=10)
    assert not ep.overlaps(dt.date(2001, 1, 16), dt.date(2001, 1, 16), margin_days=10)
    assert ep.to_dict()["window"] == {"start": "2001-01-02", "end": "2001-01-05"}
