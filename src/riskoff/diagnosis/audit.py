"""The narrative audit: every sentence of a diagnosis checked against its own numbers.

:func:`audit_diagnosis` reads a :class:`~riskoff.diagnosis.results.Diagnosis` (and, for
a single day, the feature row it was made from) and returns each contradiction it finds:

- **claims**: every direction word an evidence sentence printed ("rose", "fell", "barely
  moved", "lagged"...) agrees with the sign (and size) of the number it was chosen from,
  and, for a day, that number is the row's own;
- **signs in the text**: a move printed beside its sigma has the sigma's sign ("−2.7%
  (−3.2σ)"), a yield in basis points beside its sigma too (yield sigmas: a rise is
  positive), a verb before an unsigned number agrees with the sigma that follows it, and
  "as stocks fell" / "while stocks fell" / "with stocks" appear only when stocks fell;
- **lists**: the verdict's "falling:" list holds only falls, "rising:" only rises,
  "yields rose:" only rises in yield, "yields fell:" only falls;
- **one sigma per move**: a class's move carries one sigma on the whole page;
- **sell-off words**: "was a ... sell-off", "Most like" and a "likely"/"possible" label
  only on a sell-off, "was not a sell-off" only on a day that is not one;
- **the 312/519 sentence**: never "the store holds neither" when the caller knows the
  store holds them.

The checks read the rendered text independently of the templates that produced it, so a
template or renderer that states a false direction fails here (the suite runs it over
every trading day since 1990 and a few hundred random windows:
``tests/integration/test_narrative_audit.py``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskoff.diagnosis.classes import CLASS_NAMES, GROUPS
from riskoff.diagnosis.results import QUIET_FLOOR, Claim, Diagnosis
from riskoff.diagnosis.text import DOWN_WORDS, FLAT_WORDS, UP_WORDS, direction_of

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.diagnosis.fingerprints import Suspect

__all__ = [
    "AuditResult",
    "Contradiction",
    "audit_diagnosis",
    "audit_sentences",
    "audit_table",
    "sentences_of",
]

MINUS = "−"
_NUM = r"([+−]?)(\d[\d,]*(?:\.\d+)?)"
_MOVE_SIGMA = re.compile(_NUM + r"% \(" + r"([+−]?)(\d+(?:\.\d+)?)σ\)")
_BP_SIGMA = re.compile(_NUM + r" bp \(" + r"([+−]?)(\d+(?:\.\d+)?)σ\)")
_VERBS = r"\b(rose|fell|rise|fall|risen|fallen)\s+"
_VERB_ABS = re.compile(_VERBS + r"(\d[\d,]*(?:\.\d+)?)(?:%| bp) \(([+−]?)(\d+(?:\.\d+)?)σ")
_VERB_SIGNED = re.compile(_VERBS + r"([+−])\d")
_STOCKS_FELL = ("as stocks fell", "while stocks fell", "with stocks")
_LIST_HEADS = {
    "biggest falls on the day, in sigmas of each asset's own volatility:": "down",
    "biggest falls over the window, in sigmas of each asset's own volatility:": "down",
    "biggest gains:": "up",
    "yields jumped:": "up",
    "falling:": "down",
    "the largest falls:": "down",
    "rising:": "up",
    "yields rose:": "up",
    "yields fell:": "down",
}
_UP_VERBS = {"rose", "rise", "risen"}
_SIGMA_CLASS = re.compile(r"^(sigma|ysig|big|lsig)\.([a-z_0-9]+)$")


@dataclass(frozen=True)
class Contradiction:
    """One sentence that says something its numbers do not."""

    where: str
    sentence: str
    why: str

    def __str__(self) -> str:
        return f"{self.where}: {self.why}: {self.sentence!r}"


@dataclass(frozen=True)
class AuditResult:
    """How many sentences were checked and what was found."""

    sentences: int
    contradictions: tuple[Contradiction, ...]


def _sign(s: str) -> int:
    return -1 if s == MINUS else 1


def _nonzero(digits: str) -> bool:
    return any(ch in "123456789" for ch in digits)


def sentences_of(d: Diagnosis) -> list[tuple[str, str, tuple[Claim, ...]]]:
    """Every sentence of a diagnosis with where it stands and its claims (the verdict's
    paragraph counts as one sentence per full stop)."""
    out: list[tuple[str, str, tuple[Claim, ...]]] = []
    for s in d.suspects:
        for e in s.evidence:
            if e.available and e.text:
                out.append((f"{s.id}/{e.indicator}", e.text, e.claims))
    for part in re.split(r"(?<=[.?])\s+(?=[A-Z])", d.verdict.text):
        if part:
            out.append(("verdict", part, ()))
    versus = d.verdict.versus
    if versus.text and versus.claims:  # the 312/519 line's template numbers
        out.append(("versus", versus.text, versus.claims))
    return out


def _check_claims(
    where: str, text: str, claims: Iterable[Claim], row: Mapping[str, float] | None
) -> list[Contradiction]:
    bad: list[Contradiction] = []
    for c in claims:
        if c.word:
            want = (
                "up"
                if c.word in UP_WORDS
                else "down"
                if c.word in DOWN_WORDS
                else "flat"
                if c.word in FLAT_WORDS
                else None
            )
            if want is None:
                bad.append(Contradiction(where, text, f"unknown direction word {c.word!r}"))
                continue
            if (
                (want == "up" and not c.value > 0)
                or (want == "down" and not c.value < 0)
                or (
                    want == "flat"
                    and c.word != "barely moved"
                    and direction_of(c.series, c.value) != "flat"
                )
            ):
                bad.append(Contradiction(where, text, f"{c.word!r} of {c.series} = {c.value}"))
            elif c.word == "barely moved" and not abs(c.value) < 1.0:
                bad.append(Contradiction(where, text, f"'barely moved' at {c.value:.2f}σ"))
        if row is not None and c.series in row:
            v = row[c.series]
            if isinstance(v, float) and not math.isnan(v) and abs(v - c.value) > 1e-9:
                bad.append(
                    Contradiction(where, text, f"{c.series} stated {c.value}, the row has {v}")
                )
    return bad


def _disagree(m: re.Match[str]) -> bool:
    """A signed number and the signed sigma beside it, both non-zero, of opposite signs."""
    signed = bool(m.group(1) and m.group(3))
    nonzero = _nonzero(m.group(2)) and _nonzero(m.group(4))
    return signed and nonzero and _sign(m.group(1)) != _sign(m.group(3))


def _check_text(where: str, text: str, row: Mapping[str, float] | None) -> list[Contradiction]:
    bad: list[Contradiction] = []
    for m in _MOVE_SIGMA.finditer(text):
        if _disagree(m):
            bad.append(Contradiction(where, text, f"move and sigma disagree: {m.group(0)}"))
    for m in _BP_SIGMA.finditer(text):
        if _disagree(m):
            bad.append(Contradiction(where, text, f"yield and sigma disagree: {m.group(0)}"))
    for m in _VERB_ABS.finditer(text):
        if not (_nonzero(m.group(2)) and _nonzero(m.group(4)) and m.group(3)):
            continue
        up = m.group(1) in _UP_VERBS
        if up != (m.group(3) != MINUS):
            bad.append(Contradiction(where, text, f"verb and sigma disagree: {m.group(0)}"))
    for m in _VERB_SIGNED.finditer(text):
        up = m.group(1) in _UP_VERBS
        if up != (m.group(2) == "+"):
            bad.append(Contradiction(where, text, f"verb and sign disagree: {m.group(0)}"))
    if row is not None and any(p in text for p in _STOCKS_FELL):
        spx = row.get("move.us_equities", math.nan)
        if not (isinstance(spx, float) and spx < 0):
            bad.append(Contradiction(where, text, f"says stocks fell; S&P 500 move {spx}"))
    return bad


def _list_items(segment: str) -> list[tuple[str, int]]:
    """The signed numbers of a "name ±x% (±yσ)" / "10-year ±n bp (±yσ)" list."""
    out = []
    for m in _ITEM.finditer(segment):
        sign = _sign(m.group(1)) if m.group(1) and _nonzero(m.group(2)) else 0
        out.append((m.group(0), sign))
    return out


_HEADS = re.compile(
    "(" + "|".join(re.escape(h) for h in sorted(_LIST_HEADS, key=len, reverse=True)) + ")",
    re.IGNORECASE,
)
_ITEM = re.compile(_NUM + r"(%| bp) \(([+−]?)(\d+(?:\.\d+)?)σ\)")


def _check_lists(where: str, text: str) -> list[Contradiction]:
    bad: list[Contradiction] = []
    if ":" not in text:
        return bad
    # split the sentence at its list heads; each list runs to the next head or ";"
    parts = _HEADS.split(text)
    for i in range(1, len(parts) - 1, 2):
        head, body = parts[i].lower(), parts[i + 1]
        body = body.split(";")[0].split(". ")[0]
        want = _LIST_HEADS[head]
        for item, sign in _list_items(body):
            if (want == "up" and sign < 0) or (want == "down" and sign > 0):
                bad.append(Contradiction(where, text, f"{head!r} lists {item}"))
    return bad


def _sigma_key(series: str) -> tuple[str, int] | None:
    m = _SIGMA_CLASS.match(series)
    if m and m.group(2) in CLASS_NAMES:
        return m.group(2), (-1 if m.group(1) == "ysig" else 1)
    return None


def _page_key(text: str) -> str:
    m = re.match(r"On (\d{4}-\d{2}-\d{2}), the worst day:", text)
    return m.group(1) if m else ""


def audit_diagnosis(
    d: Diagnosis,
    row: Mapping[str, float] | None = None,
    *,
    references_stored: bool = True,
) -> AuditResult:
    """Check every sentence of ``d`` against its numbers (``row``: the day's feature row
    with its derived values, when ``d`` is a single day)."""
    bad: list[Contradiction] = []
    sents = sentences_of(d)
    sigmas: dict[tuple[str, str], dict[float, str]] = {}
    for where, text, claims in sents:
        page_row = row if not _page_key(text) else None
        if where == "versus" and d.verdict.versus.day not in (None, d.date):
            page_row = None  # a window's line is read on its worst day, not the window's row
        bad += _check_claims(where, text, claims, page_row)
        bad += _check_text(where, text, page_row)
        if where != "verdict":
            bad += _check_lists(where, text)
        for c in claims:
            key = _sigma_key(c.series) if c.unit in ("sigma", "sigmaabs") else None
            if key is not None:
                cls, sign = key
                v = round(sign * c.value, 1)
                if c.unit == "sigmaabs":
                    continue
                sigmas.setdefault((_page_key(text), cls), {}).setdefault(v, text)
    for (page, cls), seen in sigmas.items():
        if len(seen) > 1:
            vals = ", ".join(f"{v:+.1f}σ" for v in seen)
            bad.append(
                Contradiction(
                    f"page {page or d.date}",
                    " | ".join(seen.values()),
                    f"one move, several sigmas: {cls} {vals}",
                )
            )
    vtext = d.verdict.text
    bad += _check_lists("verdict", vtext.split(". ")[0] if vtext else "")
    sell = d.selloff.is_selloff
    if sell and "was not a sell-off" in vtext:
        bad.append(Contradiction("verdict", vtext, "a sell-off called not a sell-off"))
    if not sell and re.search(r"was (a|a cross-asset|a concentrated) sell-off", vtext):
        bad.append(Contradiction("verdict", vtext, "a sell-off sentence on a day that is not one"))
    if not sell and "Most like" in vtext:
        bad.append(Contradiction("verdict", vtext, "a sell-off's naming on a day that is not one"))
    if not sell and d.verdict.primary:
        top = max(d.suspects, key=lambda s: s.score)
        # a rally is no risk-off move to explain (riskoff.diagnosis.results.fits)
        rose = (
            row is not None
            and row.get("move.us_equities", 0.0) > 0
            and (row.get("open.us_equities", 1.0) != 0.0)
        )
        if top.id != d.verdict.primary or top.score < QUIET_FLOOR or rose:
            bad.append(
                Contradiction(
                    "verdict",
                    vtext,
                    "a suspect named without a sell-off on a rally or under the quiet floor",
                )
            )
    if not sell:
        for s in d.suspects:
            if s.label in ("likely", "possible"):
                bad.append(
                    Contradiction(s.id, s.label, "labelled likely/possible without a sell-off")
                )
    crypto_open = row is not None and any(
        row.get(f"open.{c}") == 1.0 for c in GROUPS.get("crypto", ())
    )
    if row is not None and "only crypto traded" in vtext and not crypto_open:
        bad.append(Contradiction("verdict", vtext, "'only crypto traded' on a day no crypto did"))
    if references_stored and "the store holds neither" in vtext:
        bad.append(Contradiction("verdict", vtext, "the store holds both reference days"))
    return AuditResult(sentences=len(sents), contradictions=tuple(bad))


def audit_sentences(where: str, sentences: Iterable[str]) -> AuditResult:
    """Audit plain sentences (a report's or a page's prose, with no claims attached): signs
    beside sigmas, verbs beside signed numbers and sigmas, and "falling"/"rising"/"biggest
    falls"/"biggest gains"/"yields rose" lists."""
    bad: list[Contradiction] = []
    n = 0
    for text in sentences:
        n += 1
        bad += _check_text(where, text, None)
        bad += _check_lists(where, text)
    return AuditResult(sentences=n, contradictions=tuple(bad))


def audit_table(
    table: pd.DataFrame,
    *,
    suspects: Sequence[Suspect],
    params: pd.DataFrame | None = None,
    references: Mapping[str, Mapping[str, float] | None] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> AuditResult:
    """Diagnose every row of a daily feature table (as ``scan`` reads it, with the
    evidence sentences) and audit each day; ``references``: the feature rows of 312 and
    519 (a reference after a day is not compared with it, as in ``diagnose``)."""
    from riskoff.diagnosis.derived import derive
    from riskoff.diagnosis.engine import REFERENCE_DAYS, diagnose_row, table_rows

    refs_all = dict(references or {})
    n = 0
    bad: list[Contradiction] = []
    for day, row in table_rows(table, start=start, end=end, params=params):
        refs = {k: (v if REFERENCE_DAYS[k] <= day else None) for k, v in refs_all.items()}
        dx = derive(row, 1)
        d = diagnose_row(row, suspects=suspects, date=day, references=refs or None, derived=dx)
        full = {**row, **dx.values}
        res = audit_diagnosis(d, full, references_stored=bool(refs_all))
        n += res.sentences
        bad += [Contradiction(f"{day} {c.where}", c.sentence, c.why) for c in res.contradictions]
    return AuditResult(sentences=n, contradictions=tuple(bad))
