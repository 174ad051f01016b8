"""The verdict's calibrated confidence and its track-record sentence: the probability is
the fitted mapping of the raw figure, and the sentence's numbers are the stored table's."""

from __future__ import annotations

import re

import pytest

from riskoff.diagnosis.confidence import (
    MIN_RECORD,
    assess_confidence,
    raw_confidence,
    track_record_text,
)
from riskoff.diagnosis.results import SuspectScore
from riskoff.knowledge.calibration import (
    ConfidenceBin,
    SuspectRecord,
    TrackRecord,
    load_track_record,
)


def _scores(top: float, second: float, coverage: float = 1.0) -> list[SuspectScore]:
    return [
        SuspectScore("liquidity", "Liquidity", "a dash for cash", top, coverage=coverage),
        SuspectScore("crypto", "Crypto", "crypto only", second),
    ]


def _record(bins: tuple[ConfidenceBin, ...]) -> TrackRecord:
    return TrackRecord(
        method="platt-log",
        a=1.0,
        b=1.0,
        floor=0.01,
        bins=bins,
        suspects={"liquidity": SuspectRecord("liquidity", 8, 5, (0.3, 0.86))},
        cases=sum(b.n for b in bins),
        first="2000-01-03",
        last="2001-01-03",
        sets=("probes",),
    )


FIVE = tuple(ConfidenceBin(i / 5, (i + 1) / 5, 10 * i, 3 * i) for i in range(5))


def test_raw_confidence_is_score_times_margin_times_coverage() -> None:
    assert raw_confidence(_scores(0.8, 0.2)) == pytest.approx(0.8 * 1.0 * 1.0)
    assert raw_confidence(_scores(0.5, 0.4)) == pytest.approx(0.5 * 0.6)
    assert raw_confidence(_scores(0.5, 0.4, coverage=0.5)) == pytest.approx(0.5 * 0.6 * 0.75)
    assert raw_confidence([]) == 0.0


def test_the_probability_is_the_mapping_of_the_raw_figure() -> None:
    rec = _record(FIVE)
    c = assess_confidence(_scores(0.5, 0.4), rec)
    assert c.raw == pytest.approx(0.3)
    assert c.probability == pytest.approx(rec.probability(0.3))
    b = rec.bin_of(c.probability)
    assert b is not None
    assert (c.bin_range, c.n_bin, c.hits_bin) == ((b.lo, b.hi), b.n, b.hits)
    assert (c.suspect, c.named, c.named_right) == ("liquidity", 8, 5)
    assert c.precision == pytest.approx(5 / 8)


def test_the_sentence_quotes_the_bin_it_falls_in() -> None:
    rec = _record(FIVE)
    c = assess_confidence(_scores(0.5, 0.4), rec)
    text = track_record_text(c)
    m = re.search(
        r"^Confidence (\d\.\d\d) that it is right: on labelled days where riskoff was this "
        r"confident \((\d\.\d) to (\d\.\d), held out\), it was right (\d+) of (\d+) times\.$",
        text,
    )
    assert m, text
    p, lo, hi, right, n = m.groups()
    assert p == f"{c.probability:.2f}"
    assert (float(lo), float(hi)) == c.bin_range
    assert (int(right), int(n)) == (c.hits_bin, c.n_bin)
    assert c.bin_range is not None
    assert c.bin_range[0] <= c.probability <= c.bin_range[1]


def test_a_thin_or_empty_bin_is_said_not_quoted() -> None:
    thin = tuple(ConfidenceBin(i / 5, (i + 1) / 5, MIN_RECORD - 1, 1) for i in range(5))
    text = track_record_text(assess_confidence(_scores(0.5, 0.4), _record(thin)))
    assert f"; only {MIN_RECORD - 1} labelled days were this confident" in text
    assert "it was right" not in text
    empty = tuple(ConfidenceBin(i / 5, (i + 1) / 5, 0, 0) for i in range(5))
    text = track_record_text(assess_confidence(_scores(0.5, 0.4), _record(empty)))
    assert "; no labelled day was this confident" in text
    one = tuple(ConfidenceBin(i / 5, (i + 1) / 5, 1, 1) for i in range(5))
    text = track_record_text(assess_confidence(_scores(0.5, 0.4), _record(one)))
    assert "; only 1 labelled day was this confident" in text


def test_the_packaged_record_is_used_by_default() -> None:
    c = assess_confidence(_scores(0.6, 0.1))
    assert c.probability == pytest.approx(load_track_record().probability(c.raw))
    assert c.cases == load_track_record().cases
