"""A second, independent sentence audit: the rendered HTML of the report and the dashboard,
read as a person reads them, checked number by number against the day's facts.

It shares no code with :mod:`riskoff.diagnosis.audit` (which audits the diagnosis's own
sentences and their attached claims) nor with the renderers: it parses the finished HTML
(dropping the hover tips), splits it into sentences, finds every number it can name
("the S&P 500 −6.0% (−5.1σ)", "the 30-year yield −8 bp", "Bank stress scores 0.22
(unlikely)", "similarity 0.61 to 312") and compares it with the feature row and the
diagnosis JSON of that day:

- a class's percentage is its move of the day (or of the horizon the sentence names), its
  sigma that move's sigma, with the printed sign;
- a yield's basis points are the change of the yield, its sigma a yield sigma (a rise is
  positive);
- a direction word ("rose", "fell", "jumped", "with stocks") agrees with the sign it names;
- a "falling:"/"rising:"/"yields fell:" list holds only moves of its direction;
- one move, one sigma on a page;
- scores, labels, severity, confidence, similarity, the 312/519 comparison moves and the
  counts of classes and groups that fell are the JSON's and the row's own.

Numbers it cannot name (a bank-reserve level, a forward path after 312) are counted as
unchecked, so the coverage is reported rather than assumed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from riskoff.knowledge.universe import universe

MINUS = "−"
_SIGNED = r"[+−-]?\d+(?:\.\d+)?"
_UP = {"rose", "rise", "risen", "gained", "jumped", "climbed", "rallied", "soared", "up"}
_DOWN = {"fell", "fall", "fallen", "lost", "dropped", "slid", "sank", "tumbled", "plunged"}
_DOWN |= {"down"}
_VERBS = "|".join(sorted(_UP | _DOWN, key=len, reverse=True))
_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd"}
_BLOCKS |= {"caption", "figcaption", "summary", "title", "blockquote"}
_VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col"}
# phrases whose number belongs to a series that is not the named class's move
_NOT_THE_CLASS = ("australian ", "without the yen the ", "yen the ")
# sentences about other days or other quantities than the day's moves
_OTHER_SCOPE = re.compile(
    r"after 312|after 519|sessions after|\bSince \d{4}|\bpts\b|the day before|52-week",
    re.IGNORECASE,
)
_HORIZON = re.compile(r"\bover (\d+) (?:trading )?days\b", re.IGNORECASE)


class _Text(HTMLParser):
    """The visible text of a page, one string per block element, hover tips dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._buf: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text)
        self._buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self._skip or tag in ("script", "style", "template") or "tip" in classes:
            if tag not in _VOID:
                self._skip += 1
            return
        if tag in _BLOCKS or tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag not in _VOID:
                self._skip -= 1
            return
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)


def page_sentences(html_text: str) -> list[str]:
    """Every sentence of a page's visible text (blocks split at full stops)."""
    p = _Text()
    p.feed(html_text)
    p.close()
    p._flush()
    out: list[str] = []
    for block in p.blocks:
        out += [s for s in re.split(r"(?<=[.?!])\s+(?=[A-Z0-9])", block) if s]
    return out


def _num(s: str) -> float:
    return float(s.replace(MINUS, "-").replace(",", ""))


def _decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def _close(printed: str, value: float, *, slack: float = 1.0) -> bool:
    """``printed`` is ``value`` rounded to the printed digits."""
    tol = 0.5 * 10.0 ** -_decimals(printed) * 1.0001 * slack + 1e-9
    return abs(abs(_num(printed)) - abs(value)) <= tol


def _signed_ok(printed: str, value: float) -> bool:
    """A signed printed number has the value's sign (a zero prints either way)."""
    if not printed or printed[0] not in "+−-":
        return True
    if _close(printed.lstrip("+−-"), 0.0):
        return True
    return (printed[0] == "+") == (value > 0)


@dataclass(frozen=True)
class Finding:
    """One number or word on a page that its facts contradict."""

    page: str
    sentence: str
    why: str

    def __str__(self) -> str:
        return f"{self.page}: {self.why}: {self.sentence!r}"


@dataclass
class PageAudit:
    """What one page's audit read and found."""

    page: str
    sentences: int = 0
    with_numbers: int = 0
    numbers: int = 0
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Facts:
    """What is true of a day: its feature row (with the derived values) and its diagnosis
    JSON (``Diagnosis.to_dict()``)."""

    row: Mapping[str, float]
    diagnosis: Mapping[str, Any]

    def get(self, key: str) -> float:
        v = self.row.get(key, math.nan)
        return float(v) if isinstance(v, (int, float)) else math.nan


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """Phrase -> class id, for price moves and for yields (lower case)."""
    u = universe()
    price: dict[str, str] = {}
    yields: dict[str, str] = {}
    for c in u.classes:
        if c.price:
            for n in (c.name, c.label, c.in_sentence):
                price[n.lower()] = c.id
                price[n.lower().removeprefix("the ")] = c.id
                price[re.sub(r"\s*\(.*\)$", "", n.lower())] = c.id
                for tick in re.findall(r"\(([A-Z]{2,5})\)", n):
                    price[tick.lower()] = c.id
        else:
            m = re.search(r"(\d+)-year", c.yield_name or c.in_sentence)
            if m:
                n = m.group(1)
                for p in (f"{n}-year treasury yield", f"{n}-year yield", f"{n}-year"):
                    yields[p] = c.id
                    yields["the " + p] = c.id
    price.pop("", None)
    return price, yields


_PRICE, _YIELD = _names()


def _alt(names: Iterable[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_PRICE_RE = re.compile(
    rf"(?<![\w-])(?P<name>{_alt(_PRICE)})(?:'s)?\s+"
    rf"(?:(?:had|has)\s+(?:already\s+)?)?(?:(?P<verb>{_VERBS})\s+)?(?:too\s+)?"
    rf"(?P<paren>\()?(?P<num>{_SIGNED})%(?:\s+too)?"
    r"(?P<hz>\s+in\s+(?P<n>\d+)\s+(?:trading\s+)?days)?"
    rf"(?:,\s*|\s*\()?(?:(?P<sig>{_SIGNED})σ(?P<beyond>\s+(?:beyond|better|worse))?)?",
    re.IGNORECASE,
)
_YIELD_RE = re.compile(
    rf"(?<![\w-])(?P<name>{_alt(_YIELD)})\s+(?:(?P<verb>{_VERBS})\s+)?"
    rf"(?P<num>{_SIGNED}) bp(?:,\s*|\s*\()?(?:(?P<sig>{_SIGNED})σ)?",
    re.IGNORECASE,
)
_VERSUS_RE = re.compile(
    rf"(?P<name>{_alt(_PRICE)}) (?P<today>{_SIGNED})% \((?:312: (?P<a>{_SIGNED})%)?(?:, )?"
    rf"(?:519: (?P<b>{_SIGNED})%)?\)",
    re.IGNORECASE,
)
_STOCKS_FELL = re.compile(r"\b(?:as|while) stocks fell\b|\bwith stocks\b|^Stocks fell\b")
_LIST_HEAD = re.compile(
    r"(biggest falls[^:]*|biggest gains|falling|rising|yields fell|yields rose|yields jumped)"
    r":\s*([^;]*)",
    re.IGNORECASE,
)


def _suspect_names(d: Mapping[str, Any]) -> dict[str, str]:
    """Label (and era label), lower case -> suspect id, for the suspects in ``d``."""
    from riskoff.diagnosis import load_suspects

    out: dict[str, str] = {}
    for s in load_suspects(None):
        out[s.label.lower()] = s.id
        out[s.headline.lower()] = s.id
        for e in s.eras:
            out[e.label.lower()] = s.id
            out[e.headline.lower()] = s.id
    return out


def _score_of(d: Mapping[str, Any], sid: str) -> tuple[float, str] | None:
    for s in d["suspects"]:
        if s["id"] == sid:
            return float(s["score"]), str(s["label"])
    return None


class _Auditor:
    def __init__(self, page: str, facts: Facts) -> None:
        self.facts = facts
        self.res = PageAudit(page)
        self.d = facts.diagnosis
        self.suspects = _suspect_names(self.d)
        self.sigmas: dict[str, dict[str, str]] = {}

    def bad(self, sentence: str, why: str) -> None:
        self.res.findings.append(Finding(self.res.page, sentence, why))

    # -- moves -----------------------------------------------------------------------

    def _move_pct(self, cls: str, horizon: int) -> tuple[float, float]:
        if horizon > 1:
            ret, sig = (
                self.facts.get(f"ret{horizon}.{cls}"),
                self.facts.get(f"sigma{horizon}.{cls}"),
            )
        else:
            ret, sig = self.facts.get(f"move.{cls}"), self.facts.get(f"sigma.{cls}")
        return math.expm1(ret) * 100, sig

    def prices(self, s: str, horizon: int) -> int:
        n = 0
        for m in _PRICE_RE.finditer(s):
            before = s[: m.start()].lower()
            if any(before.endswith(p) for p in _NOT_THE_CLASS):
                continue
            cls = _PRICE[m.group("name").lower()]
            h = int(m.group("n")) if m.group("n") else horizon
            if h not in (1, 3, 5, 10):
                continue
            pct, sig = self._move_pct(cls, h)
            num, verb = m.group("num"), (m.group("verb") or "").lower()
            if math.isnan(pct):
                self.bad(s, f"{cls}: a move printed ({num}%) where the row has none")
                continue
            n += 1
            if not _close(num, pct) or not _signed_ok(num, pct):
                self.bad(s, f"{cls}: printed {num}%, the move is {pct:+.3f}%")
            if verb and not _close(num, 0.0) and (verb in _UP) != (pct > 0):
                self.bad(s, f"{cls}: {verb!r} of a move of {pct:+.3f}%")
            sg = m.group("sig")
            if sg and not m.group("beyond"):
                n += 1
                if not _close(sg, sig) or not _signed_ok(sg, sig):
                    self.bad(s, f"{cls}: printed {sg}σ, the sigma is {sig:+.3f}")
                if h == 1:
                    self._one_sigma(s, cls, sg)
        return n

    def yields(self, s: str) -> int:
        n = 0
        for m in _YIELD_RE.finditer(s):
            cls = _YIELD[m.group("name").lower()]
            bp = -self.facts.get(f"move.{cls}") * 100
            ysig = -self.facts.get(f"sigma.{cls}")
            num, verb = m.group("num"), (m.group("verb") or "").lower()
            if math.isnan(bp):
                self.bad(s, f"{cls}: a yield change printed where the row has none")
                continue
            n += 1
            if not _close(num, bp, slack=1.02) or not _signed_ok(num, bp):
                self.bad(s, f"{cls}: printed {num} bp, the yield moved {bp:+.2f} bp")
            if verb and not _close(num, 0.0) and (verb in _UP) != (bp > 0):
                self.bad(s, f"{cls}: {verb!r} of a yield change of {bp:+.2f} bp")
            sg = m.group("sig")
            if sg:
                n += 1
                if not _close(sg, ysig) or not _signed_ok(sg, ysig):
                    self.bad(s, f"{cls}: printed {sg}σ, the yield sigma is {ysig:+.3f}")
                self._one_sigma(s, cls, sg)
        return n

    def _one_sigma(self, s: str, cls: str, printed: str) -> None:
        seen = self.sigmas.setdefault(cls, {})
        key = printed.replace("-", MINUS).lstrip("+")
        if key not in seen and seen:
            other = next(iter(seen))
            self.bad(s, f"one move, two sigmas on the page: {cls} {other}σ and {printed}σ")
        seen.setdefault(key, s)

    def versus(self, s: str) -> int:
        n = 0
        vs = self.d["verdict"].get("versus_312_519") or {}
        moves = vs.get("moves") or {}
        for m in _VERSUS_RE.finditer(s):
            cls = _PRICE[m.group("name").lower()]
            mv = moves.get(cls)
            if not mv:
                self.bad(s, f"312/519 moves of {cls} printed, the JSON has none")
                continue
            for grp, key in (("today", "today"), ("a", "2020-03-12"), ("b", "2021-05-19")):
                if m.group(grp) is None:
                    continue
                n += 1
                want = mv.get(key)
                if want is None or not _close(m.group(grp), float(want), slack=1.02):
                    self.bad(s, f"312/519 line: {cls} {key} printed {m.group(grp)}%, JSON {want}")
        return n

    # -- words -----------------------------------------------------------------------

    def lists(self, s: str) -> int:
        n = 0
        for m in _LIST_HEAD.finditer(s):
            head = m.group(1).lower()
            want_up = head.startswith(("biggest gains", "rising", "yields rose", "yields jumped"))
            yield_head = head.startswith("yields")
            body = re.split(r"\.\s|\. ?$", m.group(2))[0]
            for im in re.finditer(rf"({_SIGNED})(%| bp)", body):
                num, unit = im.group(1), im.group(2)
                if num[0] not in "+−-" or _close(num.lstrip("+−-"), 0.0):
                    continue
                n += 1
                up = num[0] == "+"
                if unit == " bp" and not yield_head:
                    up = not up  # a bond's price rises when its yield falls
                if up != want_up:
                    self.bad(s, f"{head!r} lists {num}{unit}")
        return n

    def stocks(self, s: str) -> int:
        if not _STOCKS_FELL.search(s):
            return 0
        spx = self.facts.get("move.us_equities")
        if not spx < 0:
            self.bad(s, f"says stocks fell; the S&P 500 moved {spx:+.4f}")
        return 1

    def selloff_words(self, s: str) -> int:
        sell = bool(self.d["selloff"]["is_selloff"])
        if re.search(r"\bwas not a sell-off\b", s):
            if sell:
                self.bad(s, "a sell-off called not one")
            return 1
        if re.search(r"\b(?:was a|A) (?:cross-asset |concentrated )?sell-off\b", s):
            if not sell:
                self.bad(s, "a sell-off sentence on a day that is not one")
            return 1
        return 0

    # -- the diagnosis's own numbers -------------------------------------------------

    def scores(self, s: str) -> int:
        n = 0
        v = self.d["verdict"]
        for m in re.finditer(r"([A-Z][\w ,&-]*?) scores (\d\.\d\d) \((\w+)\)", s):
            sid = self.suspects.get(m.group(1).lower())
            got = _score_of(self.d, sid) if sid else None
            n += 1
            if got is None:
                self.bad(s, f"a score of an unknown suspect {m.group(1)!r}")
            elif not _close(m.group(2), got[0]) or m.group(3) != got[1]:
                self.bad(s, f"{sid}: printed {m.group(2)} {m.group(3)}, JSON {got}")
        for m in re.finditer(r"\(score (\d\.\d\d), (likely|possible|unlikely)\)", s):
            n += 1
            got = _score_of(self.d, v["primary"]) if v.get("primary") else None
            if got is None or not _close(m.group(1), got[0]) or m.group(2) != got[1]:
                self.bad(s, f"the primary's score printed {m.group(1)}, JSON {got}")
        for m in re.finditer(r"(?:ahead of|Runner-up:) ([a-z][\w ,()\"-]*?) \((\d\.\d\d)\)", s):
            n += 1
            got = _score_of(self.d, v["runner_up"]) if v.get("runner_up") else None
            if got is None or not _close(m.group(2), got[0]):
                self.bad(s, f"the runner-up's score printed {m.group(2)}, JSON {got}")
        for m in re.finditer(r"\bseverity (\d\.\d\d)\b", s):
            n += 1
            if not _close(m.group(1), float(self.d["selloff"]["severity"])):
                self.bad(s, f"severity printed {m.group(1)}, JSON {self.d['selloff']['severity']}")
        for m in re.finditer(r"(?<!Raw )\b[Cc]onfidence (\d\.\d\d)\b", s):
            n += 1
            c = v.get("confidence")
            if c is None or not _close(m.group(1), float(c)):
                self.bad(s, f"confidence printed {m.group(1)}, JSON {c}")
        for m in re.finditer(r"\bRaw confidence (\d\.\d\d)\b", s):
            n += 1
            c = v.get("raw_confidence")
            if c is None or not _close(m.group(1), float(c)):
                self.bad(s, f"raw confidence printed {m.group(1)}, JSON {c}")
        sims = (v.get("versus_312_519") or {}).get("similarity") or {}
        for pat, key in (
            (r"similarity (\d\.\d\d) to 312\b", "2020-03-12"),
            (r"similarity \d\.\d\d to 312, (\d\.\d\d) to 519\b", "2021-05-19"),
            (r"Only 312 can be compared \(similarity (\d\.\d\d)\)", "2020-03-12"),
            (r"Only 519 can be compared \(similarity (\d\.\d\d)\)", "2021-05-19"),
        ):
            for m in re.finditer(pat, s):
                n += 1
                want = sims.get(key)
                if want is None or not _close(m.group(1), float(want)):
                    self.bad(s, f"similarity to {key} printed {m.group(1)}, JSON {want}")
        for m in re.finditer(r"right (\d+) of (\d+) times", s):
            n += 2
            tr = v.get("track_record") or {}
            if (int(m.group(1)), int(m.group(2))) != (tr.get("right"), tr.get("n")):
                self.bad(s, f"track record printed {m.group(1)}/{m.group(2)}, JSON {tr}")
        return n

    def counts(self, s: str) -> int:
        n = 0
        u = universe()
        sig = {c: self.facts.get(f"sigma.{c}") for c in u.ids}
        known = {c: x for c, x in sig.items() if not math.isnan(x)}
        m = re.search(
            r"(\d+) of (\d+) asset classes fell by 2σ or more and (\d+) rose by 2σ or more", s
        )
        if m:
            n += 3
            want = (
                sum(x <= -2 for x in known.values()),
                len(known),
                sum(x >= 2 for x in known.values()),
            )
            got = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if got != want:
                self.bad(s, f"classes down/known/up 2σ printed {got}, the row says {want}")
        m = re.search(r"(\d+) of (\d+) (?:other )?market groups fell 2σ or more", s)
        if m and "other" not in m.group(0):
            n += 1
            g = self.facts.get("dx.groups_down")
            if math.isnan(g) or int(m.group(1)) != round(g):
                self.bad(s, f"groups down 2σ printed {m.group(1)}, the row says {g}")
        m = re.search(r"(\d+) of (\d+) fell by 1σ or more with stocks", s)
        if m:
            n += 2
            havens = [  # the havens that traded (a closed market has no move that day)
                c for c in u.havens if not math.isnan(sig[c]) and self.facts.get(f"open.{c}") == 1
            ]
            # as the reader sees them: a −0.96σ haven is printed "−1.0σ", a fall of 1σ
            want2 = (sum(round(sig[c], 1) <= -1 for c in havens), len(havens))
            if (int(m.group(1)), int(m.group(2))) != want2:
                self.bad(s, f"havens down 1σ printed {m.group(0)!r}, the row says {want2}")
        m = re.search(r"(\d+) of the (\d+) asset classes that traded on the day moved down", s)
        if m:
            n += 2
            traded = [c for c in u.ids if self.facts.get(f"open.{c}") == 1.0]
            down = [c for c in traded if self.facts.get(f"move.{c}") < 0]
            got2 = (int(m.group(1)), int(m.group(2)))
            if got2 != (len(down), len(traded)):
                self.bad(
                    s,
                    f"classes down/traded printed {got2}, the row says {(len(down), len(traded))}",
                )
        for m in re.finditer(
            r"(\d+(?:\.\d+)?)× [^(]*\((\d[\d,]*(?:\.\d+)?) against "
            r"(\d[\d,]*(?:\.\d+)?)\)",
            s,
        ):
            n += 1
            a, b, x = _num(m.group(2)), _num(m.group(3)), _num(m.group(1))
            # the two levels are rounded as printed: the ratio lies between their bounds
            da, db = 0.5 * 10.0 ** -_decimals(m.group(2)), 0.5 * 10.0 ** -_decimals(m.group(3))
            lo, hi = (a - da) / (b + db), (a + da) / max(b - db, 1e-12)
            if b > 0 and not lo - 0.005 <= x <= hi + 0.005:
                self.bad(s, f"ratio {m.group(1)}× is not {m.group(2)}/{m.group(3)}")
        return n

    def sentence(self, s: str) -> None:
        r = self.res
        r.sentences += 1
        bare = re.sub(r"\d{4}-\d{2}-\d{2}", "", s)
        nums = re.findall(r"\d+(?:\.\d+)?", bare)
        if not nums:
            return
        r.with_numbers += 1
        r.numbers += len(nums)
        n = self.scores(s) + self.counts(s) + self.selloff_words(s) + self.stocks(s)
        n += self.lists(s)
        if not _OTHER_SCOPE.search(s):
            hz = _HORIZON.search(s)
            horizon = int(hz.group(1)) if hz else 1
            n += self.versus(s)
            s_moves = re.sub(r"\((?:312|519): [^)]*\)", "", s)
            n += self.prices(s_moves, horizon)
            if horizon == 1:
                n += self.yields(s_moves)
        r.checked += min(n, len(nums))


def audit_page(page: str, html_text: str, facts: Facts) -> PageAudit:
    """Audit every sentence of one rendered page against ``facts``."""
    a = _Auditor(page, facts)
    for s in page_sentences(html_text):
        a.sentence(s)
    return a.res


def named_days() -> frozenset[dt.date]:
    """Every day written as a date anywhere in the project's code, data, docs and tests
    (golden outputs aside): the days somebody here named, kept out of a random draw."""
    repo = Path(__file__).resolve().parents[2]
    out: set[dt.date] = set()
    for top in ("src", "tests", "docs", "scripts", "examples", "README.md", "CHANGELOG.md"):
        base = repo / top
        files = [base] if base.is_file() else base.rglob("*")
        for f in files:
            if not f.is_file() or "golden" in f.parts or f.suffix not in _TEXT:
                continue
            for y, m, d in re.findall(
                r"\b(\d{4})-(\d{2})-(\d{2})\b", f.read_text("utf-8", "ignore")
            ):
                try:
                    out.add(dt.date(int(y), int(m), int(d)))
                except ValueError:
                    continue
    return frozenset(out)


_TEXT = {".py", ".toml", ".csv", ".md", ".json", ".html", ".j2", ".txt", ".ipynb", ".cfg"}
