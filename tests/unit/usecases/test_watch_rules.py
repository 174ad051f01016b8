"""The watcher's rules: the TOML file and the pure evaluation (open, follow-up, all-clear,
cool-down, quiet hours), on facts built in the test."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from riskoff.errors import DataFileError
from riskoff.usecases.watch_config import (
    KINDS,
    Rule,
    default_config_path,
    load_config,
    parse_config,
)
from riskoff.usecases.watch_facts import Facts
from riskoff.usecases.watch_rules import RuleState, evaluate

UTC = dt.UTC


def _day(d: dt.date, *, sev: float = 0.0, primary: str = "liquidity", **kw: object) -> Facts:
    return Facts(
        at=dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), tzinfo=UTC),
        day=d,
        markets_open=d.weekday() < 5,
        is_selloff=sev > 0,
        severity=sev,
        scope=str(kw.pop("scope", "concentrated")),
        primary=primary,
        primary_name=primary,
        primary_score=float(kw.pop("score", 0.8)),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _noon(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(12), tzinfo=UTC)


def _run(rule: Rule, days: list[tuple[Facts, dt.datetime]]) -> list[tuple[str, str, str]]:
    st = RuleState()
    out: list[tuple[str, str, str]] = []
    for f, now in days:
        st, ds = evaluate(rule, f, st, now)
        out += [(d.key, d.kind, d.held) for d in ds]
    return out


D = dt.date(2031, 3, 3)  # a Monday, no date the engine knows


def _d(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


SELLOFF = Rule("selloff", "selloff", 0.5, cooldown=dt.timedelta(hours=12), deepen_by=0.1)


def test_packaged_defaults_name_every_kind() -> None:
    cfg = load_config()
    assert cfg.source == str(default_config_path())
    assert sorted(r.kind for r in cfg.rules) == sorted(KINDS)
    assert cfg.notify == ()
    assert cfg.interval == dt.timedelta(minutes=15)


def test_one_event_one_alert_then_follow_up_and_all_clear() -> None:
    days = [
        (_day(_d(0), sev=0.6), _noon(_d(1))),  # opens
        (_day(_d(1), sev=0.65), _noon(_d(2))),  # not 0.1 deeper: nothing
        (_day(_d(2), sev=0.75), _noon(_d(3))),  # 0.15 deeper: follow-up
        (_day(_d(3), sev=0.7, primary="rates_fiscal"), _noon(_d(4))),  # cause changed
        (_day(_d(4), sev=0.0), _noon(_d(7))),  # calm 1 (Friday)
        (_day(_d(5), sev=0.0), _noon(_d(7))),  # Saturday: not a market day
        (_day(_d(6), sev=0.0), _noon(_d(7))),  # Sunday: neither
        (_day(_d(7), sev=0.0), _noon(_d(8))),  # calm 2: all clear
        (_day(_d(8), sev=0.0), _noon(_d(9))),  # nothing more
    ]
    assert _run(SELLOFF, days) == [
        (f"selloff/{_d(0)}/0", "alert", ""),
        (f"selloff/{_d(0)}/1", "follow_up", ""),
        (f"selloff/{_d(0)}/2", "follow_up", ""),
        (f"selloff/{_d(0)}/3", "all_clear", ""),
    ]
    # the all-clear comes on Monday: the weekend is not two calm market days
    st = RuleState()
    for f, now in days[:7]:
        st, ds = evaluate(SELLOFF, f, st, now)
        assert not any(d.kind == "all_clear" for d in ds), f.day
    st, ds = evaluate(SELLOFF, days[7][0], st, days[7][1])
    assert [(d.kind, d.day) for d in ds] == [("all_clear", _d(7))]


def test_the_same_observation_twice_changes_nothing() -> None:
    f = _day(_d(0), sev=0.9)
    st, first = evaluate(SELLOFF, f, RuleState(), _noon(_d(1)))
    again, second = evaluate(SELLOFF, f, st, _noon(_d(1)) + dt.timedelta(hours=3))
    assert len(first) == 1
    assert second == []
    assert again == st
    older = replace(f, at=f.at - dt.timedelta(days=1))
    assert evaluate(SELLOFF, older, st, _noon(_d(1)))[1] == []


def test_cool_down_holds_back_but_never_an_all_clear() -> None:
    rule = replace(SELLOFF, cooldown=dt.timedelta(days=3))
    days = [
        (_day(_d(0), sev=0.6), _noon(_d(1))),
        (_day(_d(1), sev=0.8), _noon(_d(2))),  # deeper but within 3 days: held
        (_day(_d(2), sev=0.0), _noon(_d(3))),
        (_day(_d(3), sev=0.0), _noon(_d(3)) + dt.timedelta(hours=1)),  # all clear: sent
        (_day(_d(4), sev=0.9), _noon(_d(3)) + dt.timedelta(hours=2)),  # new event: held
        (_day(_d(7), sev=0.9, primary="crypto"), _noon(_d(8))),  # after the cool-down
    ]
    held = f"cool-down until {_noon(_d(4)):%Y-%m-%d %H:%M} UTC"
    assert _run(rule, days) == [
        (f"selloff/{_d(0)}/0", "alert", ""),
        (f"selloff/{_d(0)}/1", "follow_up", held),
        (f"selloff/{_d(0)}/2", "all_clear", ""),
        (f"selloff/{_d(4)}/0", "alert", held),
        (f"selloff/{_d(4)}/1", "follow_up", ""),
    ]


def test_quiet_hours_delay_unless_urgent() -> None:
    rule = replace(
        SELLOFF, quiet_hours=(dt.time(22), dt.time(7)), urgent=0.9, cooldown=dt.timedelta(0)
    )
    night = dt.datetime.combine(_d(1), dt.time(23, 30), tzinfo=UTC)
    _, ds = evaluate(rule, _day(_d(0), sev=0.6), RuleState(), night)
    assert ds[0].not_before == dt.datetime.combine(_d(2), dt.time(7), tzinfo=UTC)
    _, ds = evaluate(rule, _day(_d(0), sev=0.95), RuleState(), night)
    assert ds[0].not_before is None  # urgent: sent at once
    early = dt.datetime.combine(_d(1), dt.time(6, 59), tzinfo=UTC)
    _, ds = evaluate(rule, _day(_d(0), sev=0.6), RuleState(), early)
    assert ds[0].not_before == dt.datetime.combine(_d(1), dt.time(7), tzinfo=UTC)
    _, ds = evaluate(rule, _day(_d(0), sev=0.6), RuleState(), _noon(_d(1)))
    assert ds[0].not_before is None
    # in the rules' own time zone: 23:30 UTC is 18:30 in New York, not quiet
    from zoneinfo import ZoneInfo

    _, ds = evaluate(rule, _day(_d(0), sev=0.6), RuleState(), night, ZoneInfo("America/New_York"))
    assert ds[0].not_before is None


def test_suspect_change_alerts_once_per_change() -> None:
    rule = Rule("change", "suspect_change", 0.5, cooldown=dt.timedelta(0), min_score=0.5)
    days = [
        (_day(_d(0), sev=0.6, primary="liquidity"), _noon(_d(1))),
        (_day(_d(1), sev=0.6, primary="liquidity"), _noon(_d(2))),
        (_day(_d(2), sev=0.2, primary="crypto"), _noon(_d(3))),  # not a sell-off: ignored
        (_day(_d(3), sev=0.7, primary="carry_unwind"), _noon(_d(4))),
        (_day(_d(4), sev=0.7, primary="policy", score=0.3), _noon(_d(5))),  # weak: ignored
    ]
    assert _run(rule, days) == [(f"change/{_d(3)}/0", "alert", "")]


def test_cross_asset_needs_the_scope() -> None:
    rule = Rule("x", "cross_asset", 0.3, cooldown=dt.timedelta(0))
    assert _run(rule, [(_day(_d(0), sev=0.9), _noon(_d(1)))]) == []
    got = _run(rule, [(_day(_d(0), sev=0.4, scope="cross_asset"), _noon(_d(1)))])
    assert got == [(f"x/{_d(0)}/0", "alert", "")]


def test_stress_and_funding_thresholds() -> None:
    stress = Rule("s", "stress_percentile", 95, cooldown=dt.timedelta(0))
    assert _run(stress, [(_day(_d(0), stress_percentile=94.9), _noon(_d(1)))]) == []
    assert len(_run(stress, [(_day(_d(0), stress_percentile=95.0), _noon(_d(1)))])) == 1
    assert _run(stress, [(_day(_d(0), stress_percentile=None), _noon(_d(1)))]) == []
    funding = Rule("f", "funding_spread", 10, cooldown=dt.timedelta(0))
    assert _run(funding, [(_day(_d(0), funding_bp=9.0), _noon(_d(1)))]) == []
    _, ds = evaluate(funding, _day(_d(0), funding_bp=12.0), RuleState(), _noon(_d(1)))
    assert ds[0].reason == f"SOFR minus IORB at +12 bp on {_d(0)} (rule: at least +10 bp)"


def test_one_market_in_stress_names_its_segment_and_follows_a_new_leader() -> None:
    rule = Rule("m", "market_stress", 99, cooldown=dt.timedelta(0), deepen_by=0.5)
    below = _day(_d(0), segment_percentile=98.9, segment="metals")
    assert _run(rule, [(below, _noon(_d(1)))]) == []
    assert _run(rule, [(_day(_d(0), segment_percentile=None), _noon(_d(1)))]) == []
    metals = _day(_d(0), segment_percentile=99.4, segment="metals")
    st, ds = evaluate(rule, metals, RuleState(), _noon(_d(1)))
    assert [d.cause for d in ds] == ["metals"]
    assert ds[0].reason == (
        f"the metals segment of riskoff's stress index at the 99.4th percentile of its own "
        f"history on {_d(0)} (rule: at least 99)"
    )
    # the next day another market leads at a lower reading: a follow-up that says so
    crypto = _day(_d(1), segment_percentile=99.1, segment="crypto")
    _, ds = evaluate(rule, crypto, st, _noon(_d(2)))
    assert [d.kind for d in ds] == ["follow_up"]
    assert ds[0].reason.startswith("the most stressed segment changed from metals to crypto")


def test_crypto_rule_only_while_stock_markets_are_shut() -> None:
    rule = Rule("c", "crypto_weekend", 3.0, cooldown=dt.timedelta(0), clear_after=1)
    sat = _d(5)
    weekday = Facts(at=_noon(_d(2)), day=_d(2), markets_open=True, crypto_sigma=-5.0)
    assert _run(rule, [(weekday, _noon(_d(2)))]) == []
    hour = dt.datetime.combine(sat, dt.time(3), tzinfo=UTC)
    crash = Facts(
        at=hour, day=sat, markets_open=False, crypto_sigma=-3.2, crypto_source="hourly candles"
    )
    calm = replace(crash, at=hour + dt.timedelta(days=1), day=_d(6), crypto_sigma=-0.5)
    got = _run(rule, [(crash, hour), (calm, calm.at)])
    assert got == [(f"c/{sat}/0", "alert", ""), (f"c/{sat}/1", "all_clear", "")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("notify = 5", "notify: expected a list of text", id="notify"),
        pytest.param("[[rule]]\nkind = 'crash'", "kind must be one of", id="kind"),
        pytest.param("[[rule]]\nmin_severity = 0.5", "kind must be one of", id="no-kind"),
        pytest.param(
            "[[rule]]\nkind = 'selloff'\nmin_severity = 2", "between 0 and 1", id="severity"
        ),
        pytest.param(
            "[[rule]]\nkind = 'selloff'\nmin_sigma = 2", "unknown key(s) 'min_sigma'", id="key"
        ),
        pytest.param("[[rule]]\nkind = 'selloff'\ncooldown = 'soon'", "duration", id="cooldown"),
        pytest.param(
            "[[rule]]\nkind = 'selloff'\nquiet_hours = '25:00-07:00'", "not a time", id="quiet"
        ),
        pytest.param("timezone = 'Mars/Olympus'", "not an IANA time zone", id="tz"),
        pytest.param("interval = '0s'", "interval must be above 0", id="interval"),
        pytest.param(
            "[[rule]]\nkind = 'selloff'\n[[rule]]\nkind = 'selloff'", "two rules", id="dup"
        ),
        pytest.param("nofity = []", "unknown key(s) 'nofity'", id="typo"),
        pytest.param("rule = [", "not valid TOML", id="toml"),
        pytest.param(
            "[[rule]]\nkind = 'crypto_weekend'\nmin_sigma = -1", "sigmas above 0", id="sigma"
        ),
    ],
)
def test_bad_rules_files_are_one_line(text: str, message: str) -> None:
    with pytest.raises(DataFileError) as err:
        parse_config(text, "rules.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("rules.toml")
    assert "\n" not in str(err.value)
