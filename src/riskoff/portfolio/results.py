"""Result objects of a portfolio stress replay; they explain themselves.

Each has ``to_dict()`` (the JSON of ``riskoff stress --json``), ``__rich__`` (the table
view) and ``to_html()`` (an HTML fragment the report includes with ``--portfolio``).
Fractions are of the starting equity; currency amounts are today's equity × fraction
(only when the portfolio gives quantities, so its equity is known).
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from riskoff.portfolio.accounts import MarginPolicy
from riskoff.portfolio.interest import DAY_COUNT, POLICY_RATES, InterestTerms
from riskoff.portfolio.proxies import NoHistory
from riskoff.portfolio.replay import LeverageMode, ReplayPath, ReplayStats

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "NO_HISTORY_RULES",
    "ON_CALL_RULES",
    "EpisodeReplay",
    "HoldingValue",
    "SkippedEpisode",
    "StressReport",
]

ON_CALL_RULES: dict[str, str] = {
    "sell": "an unmet call makes the broker sell every position pro rata until equity / "
    "gross exposure is back at the maintenance margin, the proceeds paying down the loan; "
    "the account is replayed from there, and equity at or below zero is closed out",
    "close": "an unmet call makes the broker sell everything at that close; what is left is cash",
    "reserve": "every call is met with cash from a reserve outside the account and nothing "
    "is sold; the reserve needed is cash_needed",
}
"""What each ``on_call`` policy does, as printed under the table and in the JSON."""

NO_HISTORY_RULES: dict[str, str] = {
    "cash": "a holding with neither its own history nor a proxy's in an episode is replayed "
    "as cash (its exposure sits in the cash balance) and the episode lists it in as_cash",
    "proxy": "a holding with neither its own history nor a proxy's uses a proxy of last "
    "resort (crypto: the Nasdaq-100), else it is replayed as cash",
    "skip": "an episode where a holding has neither its own history nor a proxy's is skipped",
}
"""What each ``no_history`` policy does."""


def _pct(v: float | None, *, sign: bool = False) -> str:
    if v is None:
        return "–"
    return f"{v * 100:+.1f}%" if sign else f"{v * 100:.1f}%"


def _r(v: float | None, nd: int = 6) -> float | None:
    return None if v is None else round(float(v), nd)


def _d(v: dt.date | None) -> str | None:
    return None if v is None else v.isoformat()


@dataclass(frozen=True)
class HoldingValue:
    """A holding as valued for the replay."""

    symbol: str
    given: str
    asset_class: str
    weight: float
    exposure: float
    quantity: float | None = None
    price: float | None = None
    price_date: dt.date | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON view."""
        return {
            "symbol": self.symbol,
            "given": self.given,
            "asset_class": self.asset_class,
            "weight": _r(self.weight),
            "exposure": _r(self.exposure),
            "quantity": self.quantity,
            "price": self.price,
            "price_date": _d(self.price_date),
        }


@dataclass(frozen=True)
class SkippedEpisode:
    """An episode that could not be replayed, and why."""

    id: str
    name: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        """JSON view."""
        return {"id": self.id, "name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class EpisodeReplay:
    """One episode replayed on the portfolio."""

    id: str
    name: str
    start: dt.date
    end: dt.date
    until: dt.date
    horizon: int
    path: ReplayPath
    stats: ReplayStats
    proxies: dict[str, str]
    equity_amount: float | None = None
    notes: tuple[str, ...] = ()
    as_cash: tuple[str, ...] = ()

    def _amount(self, fraction: float) -> float | None:
        return None if self.equity_amount is None else round(fraction * self.equity_amount, 2)

    @property
    def recovery_text(self) -> str:
        """``12 days`` or ``not recovered within 63 days``."""
        s = self.stats
        if s.recovery_days is not None:
            return f"{s.recovery_days} days"
        return f"not recovered within {s.days_after_trough} days"

    @property
    def interest_text(self) -> str:
        """The table's interest cell: net interest within the episode (− = paid), ``off``,
        ``n/a`` when no rate was known, ``(partial)`` when one was known only part of the
        time."""
        a = self.path.accrual
        if not a.terms.on:
            return "off"
        if not a.modelled and not a.sources:
            return "n/a"
        v = self.stats.interest_episode
        # two decimals: a week's interest on a small loan is a few hundredths of a percent
        text = f"{v * 100:+.2f}%" if v != 0 else "0"
        return text if a.modelled else f"{text} (partial)"

    def _interest_dict(self) -> dict[str, Any]:
        s = self.stats
        a = self.path.accrual
        return {
            "modelled": a.modelled,
            "reason": a.reason,
            "within_episode": _r(s.interest_episode),
            "within_episode_amount": self._amount(s.interest_episode),
            "within_replay": _r(s.interest_replay),
            "within_replay_amount": self._amount(s.interest_replay),
            "drawdown_share": _r(s.interest_share),
            "sign": "+ earned on cash, - paid on the loan",
            "policy_rate_mean": _r(a.mean_policy),
            "sources": list(a.sources),
            "days_without_rate": a.days_without_rate,
        }

    def _margin_dict(self) -> dict[str, Any]:
        s = self.stats
        return {
            "on_call": s.on_call,
            "rule": ON_CALL_RULES[s.on_call],
            "forced_sales": [
                {
                    "date": f.date.isoformat(),
                    "sold": _r(f.sold),
                    "sold_amount": self._amount(f.sold),
                    "held_after": _r(f.held_after),
                }
                for f in s.forced_sales
            ],
            "sold": _r(s.sold),
            "sold_amount": self._amount(s.sold),
            "reserve_needed": _r(s.cash_needed),
            "reserve_needed_amount": self._amount(s.cash_needed),
        }

    @property
    def margin_text(self) -> str:
        """The table's margin cell: the first call, then what it did."""
        s = self.stats
        text = "none" if s.margin_call is None else s.margin_call.isoformat()
        if s.forced_sales:
            what = "closed out" if s.on_call == "close" else f"sold {_pct(s.sold)}"
            if s.on_call == "sell" and len(s.forced_sales) > 1:
                what += f" in {len(s.forced_sales)} sales"
            if s.margin_call is None:
                text = f"{s.forced_sales[0].date.isoformat()} (after the episode; {what})"
            else:
                text += f" ({what})"
        if s.wiped_out is not None:
            text += f" (wiped out {s.wiped_out.isoformat()})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON view (one item of ``episodes``)."""
        s = self.stats
        p = self.path
        dp = s.dry_powder
        return {
            "id": self.id,
            "name": self.name,
            "window": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "replay": {
                "base": p.dates[0].date().isoformat(),
                "until": p.dates[-1].date().isoformat(),
                "horizon_weekdays": self.horizon,
                "truncated_at": _d(p.truncated_at),
            },
            "max_drawdown": _r(s.max_drawdown),
            "max_drawdown_date": s.trough_date.isoformat(),
            "peak_date": s.peak_date.isoformat(),
            "recovery_days": s.recovery_days,
            "recovery_date": _d(s.recovery_date),
            "recovery": self.recovery_text,
            "worst_day": {
                "date": s.worst_day.isoformat(),
                "return": _r(s.worst_return),
                "holdings": {k: _r(v) for k, v in s.worst_holdings.items()},
            },
            "contributions": {k: _r(v) for k, v in s.contributions.items()},
            "margin_call": _d(s.margin_call),
            "wiped_out": _d(s.wiped_out),
            "cash_needed": _r(s.cash_needed),
            "cash_needed_amount": self._amount(s.cash_needed),
            "cash_needed_unit": "fraction of starting equity",
            "dry_powder": {
                "rule": "cash to restore the starting gross exposure at the trough close, "
                "spent on the same holdings and held to the replay's end (perfect timing)",
                "cash": _r(dp.cash),
                "amount": self._amount(dp.cash),
                "bought_on": dp.bought_on.isoformat(),
                "value_at_end": _r(dp.value_at_end),
                "return": _r(dp.ret),
                "end": dp.end.isoformat(),
            },
            "final_equity": _r(s.final_equity),
            "interest": self._interest_dict(),
            "margin": self._margin_dict(),
            "proxies": dict(self.proxies),
            "as_cash": list(self.as_cash),
            "path": {
                "dates": [d.date().isoformat() for d in p.dates],
                "equity": [round(float(v), 6) for v in p.equity],
            },
            "notes": list(self.notes),
        }

    def sparkline_svg(self, width: int = 160, height: int = 36) -> str:
        """The equity path as a small inline SVG (episode part dark, recovery light)."""
        eq = self.path.equity
        lo, hi = float(np.min(eq)), float(np.max(eq))
        span = hi - lo or 1.0
        xs = np.linspace(0, width, len(eq)) if len(eq) > 1 else np.zeros(1)
        ys = height - (eq - lo) / span * (height - 2) - 1
        pts = [f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)]
        k = self.path.end_pos + 1
        after, during = " ".join(pts[k - 1 :]), " ".join(pts[:k])
        return (
            f'<svg class="spark" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="equity path">'
            f'<polyline fill="none" stroke="#999" stroke-width="1" points="{after}"/>'
            f'<polyline fill="none" stroke="#c0392b" stroke-width="1.5" points="{during}"/>'
            "</svg>"
        )


@dataclass(frozen=True)
class StressReport:
    """A portfolio replayed through several episodes."""

    source: str
    basis: str
    holdings: tuple[HoldingValue, ...]
    cash: float
    leverage: float
    maintenance_margin: float
    gross_exposure: float
    mode: LeverageMode
    horizon: int
    episodes: tuple[EpisodeReplay, ...]
    skipped: tuple[SkippedEpisode, ...] = ()
    equity_amount: float | None = None
    like: dt.date | None = None
    notes: tuple[str, ...] = field(default=())
    interest: InterestTerms = field(default_factory=InterestTerms)
    on_call: MarginPolicy = "sell"
    no_history: NoHistory = "cash"

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``riskoff stress --json``."""
        return {
            "portfolio": {
                "source": self.source,
                "basis": self.basis,
                "equity": self.equity_amount,
                "cash": _r(self.cash),
                "leverage": self.leverage,
                "maintenance_margin": self.maintenance_margin,
                "gross_exposure": _r(self.gross_exposure),
                "leverage_mode": self.mode,
                "holdings": [h.to_dict() for h in self.holdings],
                "interest": {
                    "on": self.interest.on,
                    "disabled_by": self.interest.disabled_by,
                    "policy_rates": list(POLICY_RATES),
                    "loan_spread": self.interest.loan_spread,
                    "cash_haircut": self.interest.cash_haircut,
                    "day_count": f"actual/{DAY_COUNT}",
                    "rule": "the cash balance held after a close accrues at the policy rate "
                    "known at that close, over the calendar days to the next close; a loan "
                    "pays it plus loan_spread, cash earns it less cash_haircut (not below 0)",
                },
            },
            "margin": {"on_call": self.on_call, "rule": ON_CALL_RULES[self.on_call]},
            "no_history": {"policy": self.no_history, "rule": NO_HISTORY_RULES[self.no_history]},
            "like": _d(self.like),
            "horizon_weekdays": self.horizon,
            "units": "fractions of starting equity; *_amount fields in the portfolio's currency",
            "episodes": [e.to_dict() for e in self.episodes],
            "skipped": [s.to_dict() for s in self.skipped],
            "notes": list(self.notes),
        }

    # -- presentation ----------------------------------------------------------------
    _HEAD = (
        "episode",
        "max DD",
        "trough",
        "recovery",
        "worst day",
        "margin call",
        "cash needed",
        "interest",
        "dry powder → return",
    )

    def _rows(self) -> list[list[str]]:
        rows = []
        for e in self.episodes:
            s = e.stats
            dp = s.dry_powder
            powder = "–" if dp.cash <= 0 else f"{_pct(dp.cash)} → {_pct(dp.ret, sign=True)}"
            call = e.margin_text
            recovery = (
                f"{s.recovery_days}d"
                if s.recovery_days is not None
                else f"not in {s.days_after_trough}d"
            )
            rows.append(
                [
                    e.id,
                    _pct(s.max_drawdown),
                    s.trough_date.isoformat(),
                    recovery,
                    f"{_pct(s.worst_return, sign=True)} {s.worst_day.isoformat()}",
                    call,
                    _pct(s.cash_needed) if s.cash_needed > 0 else "0",
                    e.interest_text,
                    powder,
                ]
            )
        return rows

    def _contribution_head(self) -> list[str]:
        """The contributions table's columns: the holdings, then the interest when on."""
        return [h.symbol for h in self.holdings] + (["interest"] if self.interest.on else [])

    def _contribution_rows(self) -> list[list[str]]:
        labels = [h.symbol for h in self.holdings]
        rows = []
        for e in self.episodes:
            row = [e.id, *(_pct(e.stats.contributions.get(k), sign=True) for k in labels)]
            if self.interest.on:
                row.append(_pct(e.stats.interest_share, sign=True))
            rows.append(row)
        return rows

    def _summary(self) -> str:
        mix = ", ".join(f"{h.symbol} {_pct(h.weight)}" for h in self.holdings)
        if self.cash:
            mix += f", cash {_pct(self.cash)}"
        lev = (
            f"; leverage {self.leverage:g} (gross {self.gross_exposure:.2f} × equity, "
            f"{self.mode}), maintenance {_pct(self.maintenance_margin)}"
            if self.leverage != 1
            else ""
        )
        return f"{self.source}: {mix}{lev}"

    def _footnotes(self) -> list[str]:
        out = [
            f"Replays start at the last close before each episode and run {self.horizon} "
            "weekdays past its end; drawdown, worst day, margin and contributions are "
            "measured within the episode, recovery (market days from the trough back to "
            "the peak) over the whole replay. Percentages are of starting equity.",
            "Dry powder: the cash that would have restored the starting exposure at the "
            "trough close, and what that purchase returned by the replay's last day "
            "(perfect timing: an upper bound).",
            self._interest_note(),
            f"Margin calls ({self.on_call}): {ON_CALL_RULES[self.on_call]}.",
        ]
        for e in self.episodes:
            a = e.path.accrual
            if a.terms.on and not a.modelled:
                out.append(f"{e.id}: interest not modelled: {a.reason}")
            if e.proxies:
                subs = ", ".join(f"{k} → {v}" for k, v in e.proxies.items())
                out.append(f"{e.id}: no history, replayed with proxies {subs}")
            if e.as_cash:
                out.append(
                    f"{e.id}: no history nor proxy for {', '.join(e.as_cash)}: replayed as "
                    "cash (its exposure sits in the cash balance)"
                )
            out += [f"{e.id}: {n}" for n in e.notes]
        out += [f"skipped {s.id}: {s.reason}" for s in self.skipped]
        out += list(self.notes)
        return out

    def _interest_note(self) -> str:
        t = self.interest
        if not t.on:
            return (
                f"Interest is turned off ({t.disabled_by}): the cash balance and the loan "
                "accrue nothing."
            )
        return (
            "Interest: the cash balance accrues at the effective fed funds rate known at "
            f"each close ({' else '.join(POLICY_RATES)}, published a business day late), "
            f"actual/{DAY_COUNT} over the calendar days to the next close; a loan pays it "
            f"plus {t.loan_spread * 100:.2f}% a year (loan_spread, an assumption), cash earns "
            f"it less {t.cash_haircut * 100:.2f}%. The interest column is the net interest "
            "within the episode (negative = paid)."
        )

    def __rich__(self) -> Any:
        from rich.console import Group
        from rich.text import Text

        from riskoff.tables import Col, FitTable

        title = "Stress replay" + (f" like {self.like.isoformat()}" if self.like else "")
        right = ("max DD", "cash needed", "interest")
        cols = [
            Col(h, justify="right" if h in right else "left", key=h == "episode")
            for h in self._HEAD
        ]
        parts: list[Any] = [FitTable(title, cols, self._rows(), caption=self._summary())]
        if self.episodes:
            ccols = [Col("episode", key=True)] + [
                Col(label, justify="right") for label in self._contribution_head()
            ]
            parts.append(
                FitTable(
                    "Contributions to the drawdown (+ = lost)", ccols, self._contribution_rows()
                )
            )
        parts += [Text(n, style="dim") for n in self._footnotes()]
        return Group(*parts)

    def to_html(self) -> str:
        """An HTML fragment (no ``<html>``/``<body>``) for ``riskoff report --portfolio``."""
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in (*self._HEAD, "path"))
        body = "".join(
            "<tr>"
            + "".join(f"<td>{e(c)}</td>" for c in row)
            + f"<td>{ep.sparkline_svg()}</td></tr>"
            for row, ep in zip(self._rows(), self.episodes, strict=True)
        )
        cols = ("episode", *self._contribution_head())
        chead = "".join(f"<th>{e(c)}</th>" for c in cols)
        cbody = "".join(
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
            for row in self._contribution_rows()
        )
        parts = [
            '<section class="stress"><h2>Ammunition: the portfolio through past sell-offs</h2>',
            f"<p>{e(self._summary())}</p>",
            f'<table class="stress"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>',
            '<table class="stress-contrib"><caption>Contributions to the drawdown '
            f"(+ = lost)</caption><thead><tr>{chead}</tr></thead><tbody>{cbody}</tbody></table>",
        ]
        parts += [f'<p class="note">{e(n)}</p>' for n in self._footnotes()]
        parts.append("</section>")
        return "".join(parts)

    # -- notebooks (docs/notebooks.md) ----------------------------------------------------
    def _repr_html_(self) -> str:
        """Jupyter's view: the report's portfolio section."""
        from riskoff import _repr

        return _repr.html_of("portfolio", self, self.to_html)

    def to_frame(self) -> pd.DataFrame:
        """One row per replayed episode, indexed by episode id (fractions of the starting
        equity): ``name``, ``start``, ``end``, ``max_drawdown``, ``trough``, ``peak``,
        ``recovery_days`` (None: not recovered in the replay), ``recovery_date``,
        ``worst_day``, ``worst_return``, ``margin_call`` and ``wiped_out`` (dates or
        None), ``cash_needed``, ``cash_needed_amount`` (None unless the portfolio gives
        quantities), ``final_equity``."""
        import pandas as pd

        rows = []
        for ep in self.episodes:
            s = ep.stats
            rows.append(
                {
                    "episode": ep.id,
                    "name": ep.name,
                    "start": ep.start,
                    "end": ep.end,
                    "max_drawdown": s.max_drawdown,
                    "trough": s.trough_date,
                    "peak": s.peak_date,
                    "recovery_days": s.recovery_days,
                    "recovery_date": s.recovery_date,
                    "worst_day": s.worst_day,
                    "worst_return": s.worst_return,
                    "margin_call": s.margin_call,
                    "wiped_out": s.wiped_out,
                    "cash_needed": s.cash_needed,
                    "cash_needed_amount": ep.to_dict()["cash_needed_amount"],
                    "final_equity": s.final_equity,
                }
            )
        return pd.DataFrame(rows, columns=list(rows[0]) if rows else ["episode"]).set_index(
            "episode"
        )

    def paths_frame(self) -> pd.DataFrame:
        """The equity path of every replayed episode (a fraction of the starting equity),
        one column per episode id, indexed by the replay's trading days counted from its
        base (``day`` 0, 1, 2, ...): episodes start on different dates."""
        import pandas as pd

        frame = pd.DataFrame(
            {ep.id: pd.Series(np.asarray(ep.path.equity, dtype=float)) for ep in self.episodes}
        )
        frame.index.name = "day"
        return frame
