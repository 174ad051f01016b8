"""The universe file: one definition of the asset classes, groups, havens and reference
days, read by every layer; a malformed file is a one-line error naming the entry."""

from __future__ import annotations

from importlib import resources

import pytest

from riskoff.errors import DataFileError
from riskoff.knowledge.universe import parse_universe, universe

PACKAGED = resources.files("riskoff.data").joinpath("universe.toml").read_text("utf-8")


def test_every_reader_sees_the_same_universe() -> None:
    from riskoff.analogs.search import REFERENCES
    from riskoff.diagnosis import classes
    from riskoff.diagnosis.engine import REFERENCE_DAYS
    from riskoff.indicators.cross import HAVENS
    from riskoff.panel import CLASSES
    from riskoff.render import chartdata, narrative

    u = universe()
    assert [c.name for c in CLASSES] == list(u.ids) == list(classes.CLASSES)
    assert HAVENS == narrative.HAVENS == classes.HAVENS == u.havens
    assert REFERENCE_DAYS == chartdata.REFERENCE_DAYS == dict(REFERENCES)
    assert set(chartdata.CLASS_LABELS) == set(u.ids) == set(narrative.IN_SENTENCE)
    assert sorted(c for _, m in chartdata.HEATMAP_CLASSES for c in m) == sorted(u.ids)
    # every symbol of a class is a catalogue series
    from riskoff.catalog import Catalog

    cat = Catalog.default()
    for c in u.classes:
        for sym in c.symbols:
            cat.resolve(sym)


def test_a_new_class_is_one_entry() -> None:
    extra = (
        '\n[[class]]\nid = "bank_etf"\nsymbols = ["yahoo:KBE"]\nkind = "log"\n'
        'group = "us_equities"\nheatmap = "Equities"\nrisk_price = true\n'
        'label = "Bank ETF"\nname = "bank ETF"\nin_sentence = "the bank ETF"\n'
    )
    u = parse_universe(PACKAGED + extra)
    assert u.ids[-1] == "bank_etf"
    assert "bank_etf" in u.group_members["us_equities"]
    assert "bank_etf" in dict(u.heatmap_rows)["Equities"]
    assert u.labels["bank_etf"] == "Bank ETF"


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (('kind = "basket"', 'kind = "median"'), "kind"),
        (('id = "gold"', "id = 5"), "id"),
        (("haven = true", 'haven = "yes"'), "haven"),
        (('group = "crypto"', 'group = "coins"'), "coins"),
        (('label = "Gold"', 'lable = "Gold"'), "lable"),
        (('symbols = ["yahoo:HYG"]', "symbols = []"), "symbols"),
        (('symbols = ["yahoo:HYG"]', 'symbols = "yahoo:HYG"'), "symbols"),
        (('"312" = 2020-03-12', '"312" = "March"'), "312"),
        (("\n[[group]]\nid", "\n[[groups]]\nid"), "groups"),
        (('id = "credit"\nrisk = true', 'id = "credit"\nrisk = 1'), "risk"),
        (("[reference_days]", "[reference_days\n"), "TOML"),
    ],
    ids=[
        "unknown kind",
        "id not text",
        "flag not a bool",
        "unknown group",
        "misspelt key",
        "no symbols",
        "symbols not a list",
        "reference day not a date",
        "misspelt table",
        "group flag not a bool",
        "not TOML",
    ],
)
def test_a_bad_universe_is_one_line(edit: tuple[str, str], needle: str) -> None:
    old, new = edit
    assert old in PACKAGED
    with pytest.raises(DataFileError) as exc:
        parse_universe(PACKAGED.replace(old, new, 1), "mine.toml")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("mine.toml")
    assert needle in msg


def test_a_duplicate_class_is_refused() -> None:
    gold = PACKAGED[PACKAGED.index('[[class]]\nid = "gold"') :].split("\n\n")[0]
    with pytest.raises(DataFileError, match="duplicate class 'gold'"):
        parse_universe(PACKAGED + "\n" + gold + "\n")
