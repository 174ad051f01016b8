"""Nearest historical episodes and days of a query day, in one matrix operation.

:class:`AnalogEngine` is built once from the daily feature table and the observed closes;
:meth:`AnalogEngine.search` then answers a query day D using only rows up to D:

1. clip sigma values at ±6, then standardise every signature column with its median and
   central 90% range over rows up to D (:mod:`riskoff.analogs.signature`);
2. weight each family by the query's own signal in it (:func:`query_weights`); distance
   of every earlier day to D: the weighted mean squared difference of the standardised
   signatures over the features both days have, times the share of the query's signal
   the candidate can be compared on (coverage);
3. similarity = ``exp(-d² / 2) × coverage``, a Gaussian kernel with the robust standard
   deviation as bandwidth: 1 for identical signatures, 0.61 when they differ by one
   robust sd on average per feature, 0.14 at two;
4. episodes are compared through their worst day; nearest days are de-duplicated so one
   crash does not fill the list;
5. nothing within :data:`EXCLUDE_DAYS` calendar days of the query is ever its analog.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskoff.analogs.forward import FORWARD_ASSETS, HORIZONS, ForwardMove, ForwardTable
from riskoff.analogs.forward import quantile_summary as _qsum
from riskoff.analogs.results import Analog, AnalogReport, Contribution, Versus
from riskoff.analogs.signature import (
    COLUMNS,
    FAMILY_OF,
    SIGNATURE,
    STRESS_SIGN,
    WEIGHTS,
    bound,
    robust_scale,
    severity,
    signature_matrix,
    standardise,
)
from riskoff.errors import InsufficientDataError
from riskoff.indicators.reference import reference_similarity, sigma_vector
from riskoff.knowledge.episodes import Episode, EpisodeCatalog
from riskoff.knowledge.universe import universe

__all__ = ["EXCLUDE_DAYS", "REFERENCES", "AnalogEngine", "query_weights", "similarity"]

EXCLUDE_DAYS = 10
"""Calendar days around the query (and between two nearest days) that never match."""

REFERENCES: tuple[tuple[str, dt.date], ...] = tuple(universe().reference_days.items())
"""The product's two named reference days: the COVID dash for cash and China's crypto
crackdown. They are reference points for the side-by-side, not analogs."""

MIN_HISTORY = 250
"""Feature rows (about a year) needed before the robust scale of a signature means anything."""
WHY_FEATURES = 3
KINDS = np.array([f.kind for f in SIGNATURE])
MIN_STATS_N = 3  # analog values needed before comparing their median with the base rate


def _d64(d: dt.date) -> np.datetime64:
    return np.datetime64(d, "D")


def _date(d: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(np.datetime_as_string(d, unit="D")))


class AnalogEngine:
    """Analog search over a daily feature table.

    Args:
        table: the daily feature table (``daily_features(panel)``): a DatetimeIndex of
            days, the columns of ``docs/features.md`` (missing columns count as missing).
        levels: observed closes for the "what happened next" assets (one column per
            symbol, ``NaN`` where a series has no observation).
        episodes: the episode catalogue.
    """

    def __init__(
        self,
        table: pd.DataFrame,
        levels: pd.DataFrame,
        episodes: EpisodeCatalog | Sequence[Episode],
        *,
        references: Sequence[tuple[str, dt.date]] = REFERENCES,
    ) -> None:
        if len(references) != 2:
            raise ValueError("the side-by-side needs exactly two reference days")
        self.references: tuple[tuple[str, dt.date], ...] = tuple(references)
        idx = pd.DatetimeIndex(table.index)
        order = np.argsort(idx.to_numpy(dtype="datetime64[D]"), kind="stable")
        self.dates: np.ndarray = idx.to_numpy(dtype="datetime64[D]")[order]
        self.raw: np.ndarray = signature_matrix(table)[order]
        # the classes' sigmas and open flags: the 312/519 similarity of every face
        # (riskoff.indicators.reference) is computed from them, as in ``diagnose``
        self._sig_cols: list[str] = [
            str(c) for c in table.columns if str(c).startswith(("sigma.", "open."))
        ]
        self._sig: np.ndarray = table[self._sig_cols].to_numpy(dtype="float64")[order]
        self.bounded: np.ndarray = bound(self.raw)
        eps = episodes.episodes if isinstance(episodes, EpisodeCatalog) else list(episodes)
        self.episodes: list[Episode] = sorted(eps, key=lambda e: (e.start, e.id))
        first = _date(self.dates[0]) if self.dates.size else None
        self.forward_table = ForwardTable(levels, start=first)
        # each episode's rows in the table, found once
        self._ep_rows: list[tuple[int, int]] = [
            (
                int(np.searchsorted(self.dates, _d64(e.start), side="left")),
                int(np.searchsorted(self.dates, _d64(e.end), side="right")),
            )
            for e in self.episodes
        ]

    # -- the search ------------------------------------------------------------------------
    def search(self, date: dt.date, *, top: int = 5) -> AnalogReport:
        """Nearest episodes and days of ``date``, and what happened next, as known at it."""
        if top < 1:
            raise ValueError("top must be at least 1")
        notes: list[str] = []
        pos = int(np.searchsorted(self.dates, _d64(date), side="right")) - 1
        if pos < 0:
            raise InsufficientDataError(f"no feature data on or before {date.isoformat()}")
        qday = _date(self.dates[pos])
        if qday != date:
            notes.append(f"No feature row on {date.isoformat()}: used {qday.isoformat()}.")
        raw = self.raw[: pos + 1]
        if pos + 1 < MIN_HISTORY:
            raise InsufficientDataError(
                f"analogs of {date.isoformat()} need {MIN_HISTORY} days of feature history "
                f"to scale the signature; the data has {pos + 1}"
            )
        if not np.isfinite(raw[pos][KINDS != "stress"]).any():
            raise InsufficientDataError(f"no sigma moves on {qday.isoformat()} to compare")

        bounded = self.bounded[: pos + 1]
        med, scale = robust_scale(bounded)
        z = standardise(bounded, med, scale)
        q = z[pos]
        have = np.isfinite(q)
        sim = similarity(z, q)
        missing = [f.label for f, h in zip(SIGNATURE, have, strict=True) if not h]
        notes.append(
            f"Scaled by medians and central 90% ranges of {pos + 1:,} days up to "
            f"{date.isoformat()}; "
            f"{int(have.sum())} of {len(SIGNATURE)} signature features known on "
            f"{qday.isoformat()}" + (f" (missing: {', '.join(missing)})." if missing else ".")
        )

        lo = _d64(date - dt.timedelta(days=EXCLUDE_DAYS))
        n_cand = int(np.searchsorted(self.dates, lo, side="left"))
        days = self._nearest_days(sim[:n_cand], top)
        eps = self._nearest_episodes(date, z, sim, top)

        anchors = [self.dates[i] for i in days] + [self.dates[i] for _, i in eps]
        fwd = self.forward_table.forward([_date(a) for a in anchors], date)
        day_fwd, ep_fwd = fwd[: len(days)], fwd[len(days) :]
        day_objs = tuple(
            self._analog_day(i, float(sim[i]), raw, z, pos, f)
            for i, f in zip(days, day_fwd, strict=True)
        )
        ep_objs = tuple(
            self._analog_episode(e, i, float(sim[i]), raw, z, pos, f)
            for (e, i), f in zip(eps, ep_fwd, strict=True)
        )
        stats = self._analog_stats(ep_objs, day_objs, ep_fwd, day_fwd)
        base = self.forward_table.base_rate(date)
        versus = self._versus(date, raw, z, pos)
        summary = _summary(ep_objs, day_objs, versus, stats, base)
        return AnalogReport(
            date=date,
            analogs=ep_objs,
            nearest_days=day_objs,
            versus=versus,
            analog_forward=stats,
            base_rate=base,
            summary=summary,
            notes=tuple(notes),
        )

    def _nearest_days(self, sim: np.ndarray, top: int) -> list[int]:
        """Indices of the ``top`` most similar rows, at least EXCLUDE_DAYS apart."""
        order = np.argsort(-sim, kind="stable")
        picked: list[int] = []
        gap = np.timedelta64(EXCLUDE_DAYS, "D")
        chosen = np.empty(0, dtype="datetime64[D]")
        for i in order:
            d = self.dates[i]
            if chosen.size and (np.abs(chosen - d) <= gap).any():
                continue
            picked.append(int(i))
            chosen = np.append(chosen, d)
            if len(picked) == top:
                break
        return picked

    def _nearest_episodes(
        self, date: dt.date, z: np.ndarray, sim: np.ndarray, top: int
    ) -> list[tuple[Episode, int]]:
        """The ``top`` most similar past episodes and the row of each one's worst day."""
        out: list[tuple[Episode, int]] = []
        n = z.shape[0]
        for ep, (a, b) in zip(self.episodes, self._ep_rows, strict=True):
            if ep.start > date or ep.overlaps(date, date, margin_days=EXCLUDE_DAYS):
                continue
            b = min(b, n)
            if b <= a:
                continue  # no data in the window
            worst = a + int(np.argmax(severity(z[a:b])))
            out.append((ep, worst))
        # most similar first; on a tie the most specific (shortest) episode
        out.sort(key=lambda t: (-sim[t[1]], (t[0].end - t[0].start).days, t[0].id))
        picked: list[tuple[Episode, int]] = []
        gap = np.timedelta64(EXCLUDE_DAYS, "D")
        for ep, i in out:
            # two episodes compared through (nearly) the same day say the same thing twice
            if any(abs(self.dates[i] - self.dates[j]) <= gap for _, j in picked):
                continue
            picked.append((ep, i))
            if len(picked) == top:
                break
        return picked

    # -- building results ----------------------------------------------------------------
    @staticmethod
    def _why(raw: np.ndarray, z: np.ndarray, pos: int, i: int) -> tuple[Contribution, ...]:
        """Features where both days were far from normal in the same direction."""
        q, a = z[pos], z[i]
        c = np.nan_to_num(q * a * query_weights(q), nan=0.0)
        # a stress feature explains only when both days show stress, not calm
        c[(STRESS_SIGN != 0) & (KINDS == "stress") & (np.nan_to_num(q) * STRESS_SIGN <= 0)] = 0.0
        picks = [j for j in np.argsort(-c, kind="stable")[:WHY_FEATURES] if c[j] > 0]
        return tuple(
            Contribution(
                feature=COLUMNS[j],
                label=SIGNATURE[j].label,
                query=float(raw[pos, j]),
                analog=float(raw[i, j]),
            )
            for j in picks
        )

    def _analog_day(
        self, i: int, s: float, raw: np.ndarray, z: np.ndarray, pos: int, f: ForwardMove
    ) -> Analog:
        day = _date(self.dates[i])
        return Analog(
            episode=day.isoformat(),
            name=f"{day.isoformat()} ({day.strftime('%a')})",
            kind="day",
            start=day,
            end=day,
            day=day,
            similarity=s,
            why=self._why(raw, z, pos, i),
            forward=f.values,
            complete=f.complete,
            known_through=f.known_through,
        )

    def _analog_episode(
        self,
        ep: Episode,
        i: int,
        s: float,
        raw: np.ndarray,
        z: np.ndarray,
        pos: int,
        f: ForwardMove,
    ) -> Analog:
        return Analog(
            episode=ep.id,
            name=ep.name,
            kind="episode",
            start=ep.start,
            end=ep.end,
            day=_date(self.dates[i]),
            similarity=s,
            why=self._why(raw, z, pos, i),
            forward=f.values,
            complete=f.complete,
            known_through=f.known_through,
            suspect=ep.suspect,
            category=ep.category,
            source=ep.source.cite(),
        )

    @staticmethod
    def _analog_stats(
        eps: tuple[Analog, ...],
        days: tuple[Analog, ...],
        ep_fwd: list[ForwardMove],
        day_fwd: list[ForwardMove],
    ) -> dict[str, dict[str, dict[str, float | int | None]]]:
        """Median, quartiles and n over all analogs (episodes, then days more than
        EXCLUDE_DAYS from every anchor already counted), complete horizons only."""
        used: list[tuple[Analog, ForwardMove]] = []
        for a, f in [*zip(eps, ep_fwd, strict=True), *zip(days, day_fwd, strict=True)]:
            if any(abs((a.day - b.day).days) <= EXCLUDE_DAYS for b, _ in used):
                continue
            used.append((a, f))
        out: dict[str, dict[str, dict[str, float | int | None]]] = {}
        for asset in FORWARD_ASSETS:
            per: dict[str, dict[str, float | int | None]] = {}
            for hname, _ in HORIZONS:
                vals = [
                    f.values[asset.key][hname]
                    for _, f in used
                    if f.horizons_complete[hname] and f.values[asset.key][hname] is not None
                ]
                per[hname] = _qsum(np.array(vals, dtype="float64"))
            out[asset.key] = per
        return out

    def _sigma_row(self, i: int) -> dict[str, float]:
        return dict(zip(self._sig_cols, self._sig[i].tolist(), strict=True))

    def _versus(self, date: dt.date, raw: np.ndarray, z: np.ndarray, pos: int) -> Versus:
        """The query side by side with 312 and 519, feature by feature; the similarity is
        :func:`riskoff.indicators.reference.reference_similarity`, the number ``diagnose``
        prints for the same day."""
        refs: dict[str, dict[str, Any]] = {}
        ref_rows: dict[str, int] = {}
        q = z[pos]
        for name, day in self.references:
            info: dict[str, Any] = {"date": day.isoformat(), "available": False}
            i = int(np.searchsorted(self.dates, _d64(day), side="left"))
            sim: float | None = None
            if day > date:
                info["reason"] = f"had not happened by {date.isoformat()}"
            elif i >= len(self.dates) or self.dates[i] != _d64(day) or i > pos:
                info["reason"] = "has no feature row"
            else:
                sim = reference_similarity(
                    sigma_vector(self._sigma_row(pos)), sigma_vector(self._sigma_row(i))
                )
                if sim is None:
                    info["reason"] = "shares fewer than three traded markets with the day"
            if sim is not None:
                info.update(available=True, similarity=round(sim, 4))
                ref_rows[name] = i
            refs[name] = info
        rows: list[dict[str, Any]] = []
        for j, spec in enumerate(SIGNATURE):
            row: dict[str, Any] = {
                "feature": spec.column,
                "label": spec.label,
                "query": _f(raw[pos, j]),
            }
            gaps: dict[str, float] = {}
            for name, _ in self.references:
                r = ref_rows.get(name)
                row[name] = None if r is None else _f(raw[r, j])
                if r is not None and np.isfinite(q[j]) and np.isfinite(z[r, j]):
                    gaps[name] = abs(float(z[r, j] - q[j]))
            row["closer"] = (
                min(gaps, key=lambda k: gaps[k])
                if len(gaps) == 2 and len(set(gaps.values())) == 2
                else None
            )
            if row["query"] is None and all(row[n] is None for n, _ in self.references):
                continue
            rows.append(row)
        avail = [n for n, _ in self.references if refs[n]["available"]]
        closer: str | None = None
        if len(avail) == 2:
            closer = max(avail, key=lambda n: float(refs[n]["similarity"]))
            counts = {n: sum(r["closer"] == n for r in rows) for n in avail}
            other = next(n for n in avail if n != closer)
            text = (
                f"{date.isoformat()} is closer to {_ref_name(closer)} than "
                f"to {other}: similarity {refs[closer]['similarity']:.2f} against "
                f"{refs[other]['similarity']:.2f}; feature by feature, {counts[closer]} "
                f"look more like {closer} and {counts[other]} more like {other}."
            )
        elif avail:
            only = avail[0]
            gone = next(n for n, _ in self.references if n != only)
            text = (
                f"Only {only} can be compared (similarity {refs[only]['similarity']:.2f}): "
                f"{gone} {refs[gone]['reason']}."
            )
        else:
            text = "Neither 312 nor 519 can be compared: " + "; ".join(
                f"{n} {refs[n]['reason']}" for n, _ in self.references
            )
            text += "."
        return Versus(
            references=refs,
            rows=tuple(rows),
            closer=closer,
            text=text,
            names=tuple(n for n, _ in self.references),
        )


def query_weights(q: np.ndarray) -> np.ndarray:
    """Feature weights for the query ``q`` (a standardised signature), 0 where q is missing.

    Each family's base weight is multiplied by ``1 + e``, where ``e`` is the query's own
    signal in that family: the weighted mean of its squared standardised values (0 for an
    ordinary day, about 4 at two robust sd from normal). A family where the query is
    ordinary keeps its base weight; a family where it is extreme counts more. So a
    crypto-only day is matched mainly on crypto, and a cross-asset crash on everything
    that broke (breadth, haven failure, the dollar, turbulence...). The query alone sets
    the weights: nothing is fitted, no date is looked at.
    """
    hq = np.isfinite(q)
    w0 = np.where(hq, WEIGHTS, 0.0)
    qc = np.nan_to_num(q)
    wf = w0 @ FAMILY_OF
    e = np.divide((w0 * qc**2) @ FAMILY_OF, wf, out=np.zeros(wf.shape), where=wf > 0)
    return np.asarray(w0 * (FAMILY_OF @ (1.0 + e)), dtype="float64")


def similarity(z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Similarity (0..1) of every row of ``z`` to the query ``q`` (standardised signatures).

    ``exp(-d²/2) × coverage``, with the query's weights (:func:`query_weights`): ``d²`` is
    the weighted mean squared difference over the features both days have; ``coverage``
    is the share of the query's signal (its weighted squared deviation from normal) that
    the candidate can be compared on at all. A day without Bitcoin data can still resemble
    312 in everything else, but it cannot look like a crypto-only crash.
    """
    hq = np.isfinite(q)
    w = query_weights(q)
    qc = np.nan_to_num(q)
    both = np.isfinite(z) & hq
    zc = np.nan_to_num(z)
    den = both @ w
    d2 = np.divide(((zc - qc) ** 2 * both) @ w, den, out=np.full(den.shape, np.inf), where=den > 0)
    energy = w * qc**2
    if energy.sum() <= 1e-12:  # a perfectly ordinary query: plain weights
        energy = w
    coverage = (both @ energy) / energy.sum()
    return np.asarray(np.exp(-d2 / 2.0) * coverage, dtype="float64")


REFERENCES_LABEL = {"312": "the dash for cash", "519": "a crypto-only crash"}


def _ref_name(name: str) -> str:
    label = REFERENCES_LABEL.get(name)
    return f"{name} ({label})" if label else name


def _f(v: float) -> float | None:
    return round(float(v), 4) if np.isfinite(v) else None


def _summary(
    eps: tuple[Analog, ...],
    days: tuple[Analog, ...],
    versus: Versus,
    stats: dict[str, dict[str, dict[str, float | int | None]]],
    base: dict[str, dict[str, dict[str, float | int | None]]],
) -> str:
    """One paragraph computed from the numbers, honest about the base rate."""
    parts: list[str] = []
    if eps:
        top = ", ".join(f"{a.name} ({a.similarity:.2f})" for a in eps[:3])
        parts.append(f"Nearest episodes: {top}.")
    else:
        parts.append("No catalogued episode lies before this day.")
    parts.append(versus.text)
    inside: list[str] = []
    outside: list[str] = []
    n_max = 0
    for asset in FORWARD_ASSETS:
        for hname, _ in HORIZONS:
            a = stats[asset.key][hname]
            b = base[asset.key][hname]
            an, bn = int(a["n"] or 0), int(b["n"] or 0)
            if an < MIN_STATS_N or bn < 30:
                continue
            n_max = max(n_max, an)
            med, p25, p75 = float(a["median"] or 0), float(b["p25"] or 0), float(b["p75"] or 0)
            tag = f"{asset.label} {hname}"
            if p25 <= med <= p75:
                inside.append(tag)
            else:
                unit = "bp" if asset.unit == "bp" else "%"
                outside.append(f"{tag} ({med:+.1f}{unit} against {p25:+.1f}..{p75:+.1f}{unit})")
    total = len(inside) + len(outside)
    if total == 0:
        parts.append(
            "Too few complete analog outcomes to compare with the base rate; "
            "read what happened next as anecdotes."
        )
    elif not outside:
        parts.append(
            f"In all {total} asset-horizon pairs the analogs' median lies inside the base "
            "rate's interquartile range: what followed days like this is not distinguishable "
            f"from what follows any day (at most {n_max} analogs per pair)."
        )
    else:
        parts.append(
            f"The analogs' median lies inside the base rate's interquartile range in "
            f"{len(inside)} of {total} asset-horizon pairs; outside it: "
            f"{'; '.join(outside)}. With at most {n_max} analogs per pair this is thin "
            "evidence; analog forecasts often do no better than the base rate."
        )
    return " ".join(parts)
