"""The JSON API on the real data: every endpoint, every error path, the same JSON as the
command line, security headers, the cache, and a store locked by a writer (503)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.diagnosis import load_suspects

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what riskoff uses
    warnings.simplefilter("ignore", DeprecationWarning)
    from fastapi.testclient import TestClient

from riskoff.config import Settings
from riskoff.errors import InsufficientDataError, StoreBusyError, StoreError
from riskoff.web import create_app
from tests.helpers import run_cli

LOCAL = "http://127.0.0.1"
"""The dashboard answers only to the names it serves (``Host`` is checked)."""

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def client(loaded_settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(loaded_settings), raise_server_exceptions=False, base_url=LOCAL
    ) as c:
        yield c


def _is_error(r: Any, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    msg = body["error"]
    assert isinstance(msg, str)
    assert msg
    assert "\n" not in msg
    assert "Traceback" not in msg
    return str(msg)


# -- the same JSON as the command line ------------------------------------------------------
def test_diagnose_is_exactly_the_cli_json(
    client: TestClient,
    loaded_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    r = client.get("/api/diagnose/2020-03-12")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(["diagnose", "2020-03-12", "--json"], capsys)
    assert code == 0, err
    assert r.json() == json.loads(out)
    body = r.json()
    assert body["verdict"]["primary"] == "liquidity"
    assert {s["id"] for s in body["suspects"]} == {s.id for s in load_suspects()}


def test_diagnose_window_is_the_cli_json(
    client: TestClient,
    loaded_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    r = client.get("/api/diagnose/2020-03-12", params={"window": "2020-03-09:2020-03-12"})
    assert r.status_code == 200, r.text
    assert r.json()["window"] == {"start": "2020-03-09", "end": "2020-03-12"}
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, err = run_cli(
        ["diagnose", "2020-03-12", "--window", "2020-03-09:2020-03-12", "--json"], capsys
    )
    assert code == 0, err
    assert r.json() == json.loads(out)


def test_analogs_match_the_pipeline(client: TestClient, loaded_settings: Settings) -> None:
    from riskoff import usecases

    r = client.get("/api/analogs/2020-03-12", params={"top": 3})
    assert r.status_code == 200, r.text
    want = json.loads(
        json.dumps(usecases.analogs("2020-03-12", top=3, settings=loaded_settings).to_dict())
    )
    assert r.json() == want
    assert len(r.json()["analogs"]) <= 3
    assert client.get("/api/analogs/2020-03-12").json()["date"] == "2020-03-12"


def test_stress_index_matches_the_pipeline(client: TestClient, loaded_settings: Settings) -> None:
    import datetime as dt

    from riskoff import usecases

    r = client.get("/api/stress-index", params={"start": "2020-02-20", "end": "2020-04-10"})
    assert r.status_code == 200, r.text
    rows = r.json()
    df = usecases.stress_index(dt.date(2020, 2, 20), dt.date(2020, 4, 10), settings=loaded_settings)
    assert [x["date"] for x in rows] == [d.strftime("%Y-%m-%d") for d in df.index]
    for row, (_, want) in zip(rows, df.iterrows(), strict=True):
        for col, v in want.items():
            assert row[str(col)] == pytest.approx(round(float(v), 4), abs=1e-9) or (
                row[str(col)] is None and v != v
            )
    assert max(rows, key=lambda x: x["stress_index"])["date"].startswith("2020-03")
    everything = client.get("/api/stress-index").json()
    assert len(everything) > 5000
    assert client.get("/api/stress-index", params={"start": "2020-03-12"}).json()[0]["date"] == (
        "2020-03-12"
    )


def test_series_is_the_cli_json(
    client: TestClient,
    loaded_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    r = client.get("/api/series")
    assert r.status_code == 200
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_home))
    code, out, _ = run_cli(["series", "--json"], capsys)
    assert code == 0
    assert r.json() == json.loads(out)


def test_one_series(client: TestClient, loaded_store: Any) -> None:
    import datetime as dt

    r = client.get("/api/series/fred:SOFR", params={"start": "2020-03-01", "end": "2020-03-31"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["symbol"] == "fred:SOFR"
    want = loaded_store.read(["fred:SOFR"], dt.date(2020, 3, 1), dt.date(2020, 3, 31))
    assert body["count"] == len(want) == len(body["observations"])
    assert [o["value"] for o in body["observations"]] == want["value"].tolist()
    # symbols with URL-special characters, and the catalogue's logical names
    r = client.get(
        "/api/series/yahoo%3A%5EGSPC", params={"start": "2020-03-12", "end": "2020-03-12"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 1
    assert client.get("/api/series/yahoo:GC=F").status_code == 200


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        pytest.param("/api/diagnose/2020-3-12", 422, "not a valid", id="malformed"),
        pytest.param("/api/diagnose/2020-02-30", 422, "not a valid", id="impossible"),
        pytest.param("/api/diagnose/tomorrow", 422, "not a valid", id="word"),
        pytest.param("/api/diagnose/1900-01-01", 422, "outside", id="too-early"),
        pytest.param("/api/diagnose/2999-01-01", 422, "future", id="future"),
        pytest.param(
            "/api/diagnose/2020-03-12?window=2020-03-12:2020-03-09", 422, "reversed", id="reversed"
        ),
        pytest.param("/api/diagnose/2020-03-12?window=2020-03-09", 422, "START:END", id="no-colon"),
        pytest.param(
            "/api/diagnose/2020-03-12?window=2020-03-01:2020-03-05", 422, "outside", id="not-in-win"
        ),
        pytest.param("/api/diagnose/2020-03-12?window=x:y", 422, "not a valid", id="bad-window"),
        pytest.param("/api/analogs/2020-13-01", 422, "not a valid", id="analogs-date"),
        pytest.param("/api/analogs/2020-03-12?top=0", 422, "top", id="top-zero"),
        pytest.param("/api/analogs/2020-03-12?top=abc", 422, "top", id="top-word"),
        pytest.param("/api/analogs/1900-01-01", 422, "outside", id="analogs-early"),
        pytest.param("/api/analogs/2026-11-01", 422, "outside", id="analogs-after-data"),
        pytest.param("/api/diagnose/2020-W11-4", 422, "not a valid", id="iso-week"),
        pytest.param("/api/analogs/2020-W11-4", 422, "not a valid", id="analogs-iso-week"),
        pytest.param(
            "/api/stress-index?start=2020-03-12&end=2020-03-01", 422, "before", id="st-rev"
        ),
        pytest.param("/api/stress-index?start=soon", 422, "not a valid", id="st-bad"),
        pytest.param("/api/series/nope:NOTHING", 404, "unknown symbol", id="unknown-symbol"),
        pytest.param("/api/series/fred:SOFR?start=2020-13-01", 422, "not a valid", id="ser-date"),
        pytest.param(
            "/api/series/fred:SOFR?start=2020-03-12&end=2020-03-01", 422, "before", id="ser-rev"
        ),
        pytest.param("/api/nothing", 404, "not found", id="no-route"),
        pytest.param("/api/diagnose", 404, "not found", id="no-date"),
    ],
)
def test_bad_input_is_a_one_line_json_error(
    client: TestClient, url: str, status: int, words: str
) -> None:
    msg = _is_error(client.get(url), status)
    assert words.lower() in msg.lower(), msg


def test_wrong_method_is_a_json_error(client: TestClient) -> None:
    _is_error(client.post("/api/diagnose/2020-03-12"), 405)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        pytest.param(InsufficientDataError("not enough history"), 404, id="insufficient"),
        pytest.param(StoreError("cannot read the store"), 503, id="store"),
        pytest.param(StoreBusyError("in use by another riskoff process"), 503, id="busy"),
        pytest.param(RuntimeError("boom"), 500, id="unexpected"),
    ],
)
def test_failures_are_json_and_riskoff_errors_never_500(
    loaded_settings: Settings, monkeypatch: pytest.MonkeyPatch, exc: Exception, status: int
) -> None:
    app = create_app(loaded_settings)

    def fail(*a: object, **k: object) -> None:
        raise exc

    monkeypatch.setattr(app.state.service, "coverage", fail)
    with TestClient(app, raise_server_exceptions=False, base_url=LOCAL) as c:
        msg = _is_error(c.get("/api/series"), status)
        page = c.get("/series")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    if status == 500:
        assert "boom" not in msg  # no internals leak
    else:
        assert str(exc) in msg


def test_locked_store_answers_503_then_recovers(loaded_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    app = create_app(settings, store_wait=0.5)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"con = duckdb.connect({str(home / 'riskoff.duckdb')!r})\n"
            "print('locked', flush=True)\n"
            "sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "locked"
        with TestClient(app, raise_server_exceptions=False, base_url=LOCAL) as c:
            t0 = time.monotonic()
            r = c.get("/api/series")
            waited = time.monotonic() - t0
            msg = _is_error(r, 503)
            assert "in use" in msg
            assert r.headers.get("retry-after")
            assert 0.4 <= waited < 10
            assert writer.stdin is not None
            writer.stdin.write("\n")
            writer.stdin.flush()
            writer.wait(10)
            assert c.get("/api/series").status_code == 200
    finally:
        writer.kill()
        writer.wait()


def test_a_new_load_invalidates_the_cache(loaded_home: Path, tmp_path: Path) -> None:
    import pandas as pd

    from riskoff.catalog import Catalog
    from riskoff.store import Store

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    settings = Settings.from_env({"RISKOFF_HOME": str(home)})
    with TestClient(create_app(settings), raise_server_exceptions=False, base_url=LOCAL) as c:
        before = c.get("/api/series/fred:SOFR").json()["count"]
        assert c.get("/api/series/fred:SOFR").json()["count"] == before  # cached
        with Store(settings.store_path) as st:
            last = st.last_dates()["fred:SOFR"]
            frame = pd.DataFrame(
                {"date": [pd.Timestamp(last) + pd.Timedelta(days=3)], "value": [4.2]}
            )
            info = Catalog.default(home)["fred:SOFR"]
            st.load({"fred:SOFR": frame}, {"fred:SOFR": info}, kind="update", source="test")
        assert c.get("/api/series/fred:SOFR").json()["count"] == before + 1


# -- caching, schema, headers, static -------------------------------------------------------
def test_second_request_comes_from_the_cache(client: TestClient) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]
    assert client.get("/api/diagnose/2019-08-05").status_code == 200
    hits = service.cache.hits
    t0 = time.perf_counter()
    assert client.get("/api/diagnose/2019-08-05").status_code == 200
    assert time.perf_counter() - t0 < 1.0
    assert service.cache.hits > hits


def test_openapi_documents_every_endpoint_and_error(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in (
        "/api/diagnose/{date}",
        "/api/analogs/{date}",
        "/api/stress-index",
        "/api/series",
        "/api/series/{symbol}",
    ):
        responses = paths[p]["get"]["responses"]
        assert "200" in responses
        assert {"500", "503"} <= set(responses), p
        for code, resp in responses.items():
            schema = resp["content"]["application/json"]["schema"]
            assert schema, (p, code)
    assert {"404", "422"} <= set(paths["/api/diagnose/{date}"]["get"]["responses"])
    assert "ErrorOut" in spec["components"]["schemas"]
    assert not any(p.startswith("/day") for p in paths)  # pages are not API


def test_security_headers_everywhere(client: TestClient) -> None:
    for url in ("/api/series", "/", "/static/riskoff.js", "/api/diagnose/bad", "/nothing"):
        r = client.get(url)
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp


def test_pages_load_nothing_from_elsewhere(client: TestClient) -> None:
    for url in ("/", "/day/2020-03-12", "/analogs/2020-03-12", "/series", "/series/fred:SOFR"):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", r.text)
        assert refs
        for ref in refs:
            assert not re.match(r"^(?:[a-z]+:)?//", ref), (url, ref)
        # no inline script code: only the two local scripts and JSON data blocks
        for tag in re.findall(r"<script\b[^>]*>", r.text):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200
    assert len(js.content) > 1_000_000
    assert js.headers["content-type"].startswith("text/javascript")
    again = client.get("/static/plotly.min.js", headers={"if-none-match": js.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e%2fpyproject.toml",
        "/static/..%2F..%2Fetc%2Fpasswd",
        "/static/app.py",
        "/static/templates/base.html",
    ],
)
def test_no_file_is_read_from_a_user_path(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 404
    assert "[project]" not in r.text
    assert "root:" not in r.text


def test_day_form_redirects_and_pages_escape_input(client: TestClient) -> None:
    r = client.get("/day", params={"date": "2020-03-12"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/day/2020-03-12"
    r = client.get(
        "/day",
        params={"date": "2020-03-12", "window": "2020-03-09:2020-03-12"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/day/2020-03-12?window=2020-03-09:2020-03-12"
    bad = client.get("/series/<script>alert(1)</script>")
    assert bad.status_code == 404
    assert "<script>alert(1)" not in bad.text
    assert "&lt;script&gt;" in bad.text
    assert client.get("/day/2020-02-30").status_code == 422
    assert client.get("/day", params={"date": "nope"}).status_code == 422


def test_pages_show_the_diagnosis(client: TestClient) -> None:
    day = client.get("/day/2020-03-12").text
    assert 'id="verdict"' in day
    track = day[day.index('id="track-record"') :]
    track = track[: track.index("</table>")]
    tr = client.get("/api/diagnose/2020-03-12").json()["verdict"]["track_record"]
    cells = re.findall(r"<td>([^<]*)</td>", track)
    assert cells[1:3] == [str(tr["right"]), str(tr["n"])]  # the numbers of the JSON
    assert cells[6:8] == [str(tr["primary"]["right"]), str(tr["primary"]["named"])]
    assert "liquidity" in day.lower()
    assert day.count('class="rk-chart"') >= 5
    window = client.get("/day/2020-03-12", params={"window": "2020-03-09:2020-03-12"}).text
    assert "2020-03-09 to 2020-03-12" in window
    overview = client.get("/").text
    assert 'data-click="day"' in overview
    assert "episodes" in overview
    analogs = client.get("/analogs/2020-03-12", params={"top": 3}).text
    assert "Analogs of 2020-03-12" in analogs


def test_the_overview_names_a_suspect_as_its_era_did(client: TestClient) -> None:
    """The dot-com bust is a tech-leadership fall, not "AI" (suspects.toml eras), on the
    overview's episode table as in the report; the day page of that era says so too."""
    overview = client.get("/").text
    row = re.search(r"<tr><td><a [^>]*>The dot-com peak breaks</a></td>.*?</tr>", overview, re.S)
    assert row is not None
    assert "Tech leadership" in row.group(0)
    assert "AI narrative" not in row.group(0)
    day = client.get("/day/2000-04-14").text
    assert "Tech leadership" in day
    assert "AI narrative" not in day


def test_errors_name_the_historys_real_last_day_like_the_cli(
    client: TestClient,
    loaded_settings: Settings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RISKOFF_HOME", str(loaded_settings.home))
    code, _, err = run_cli(["diagnose", "2026-11-01"], capsys)
    assert code == 2
    last = re.search(r"\((\d{4}-\d{2}-\d{2})\)", err)
    assert last is not None, err
    for url in ("/api/diagnose/2026-11-01", "/api/analogs/2026-11-01"):
        r = client.get(url)
        assert r.status_code == 422
        assert r.json()["error"].endswith(f"to {last.group(1)})"), r.json()


@pytest.mark.parametrize(
    ("host", "status"),
    [
        pytest.param("127.0.0.1", 200, id="ip"),
        pytest.param("127.0.0.1:8765", 200, id="ip-port"),
        pytest.param("localhost:8765", 200, id="localhost"),
        pytest.param("LOCALHOST", 200, id="case"),
        pytest.param("[::1]:8765", 200, id="ipv6"),
        pytest.param("evil.example", 400, id="rebinding"),
        pytest.param("evil.example:8765", 400, id="rebinding-port"),
        pytest.param("127.0.0.1.evil.example", 400, id="suffix"),
        pytest.param("", 400, id="empty"),
        pytest.param("localhost:x", 400, id="bad-port"),
    ],
)
def test_the_host_header_is_checked(client: TestClient, host: str, status: int) -> None:
    r = client.get("/api/series", headers={"host": host})
    assert r.status_code == status, r.text
    if status == 400:
        assert r.json() == {"error": "unknown Host header"}
    r = client.get("/", headers={"host": host})
    assert r.status_code == status


def test_the_host_given_to_serve_is_served(loaded_settings: Settings) -> None:
    app = create_app(loaded_settings, hosts=["riskoff.lan"])
    with TestClient(app, base_url="http://riskoff.lan:8765") as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/healthz", headers={"host": "other.lan"}).status_code == 400


def test_the_series_list_names_each_series_plainly(client: TestClient) -> None:
    rows = {r["symbol"]: r for r in client.get("/api/series").json()}
    assert rows["yahoo:HG=F"]["label"] == "COMEX copper futures"  # the catalogue's name
    assert rows["yahoo:HG=F"]["symbol"] == "yahoo:HG=F"  # the symbol stays in the JSON
    page = client.get("/series").text
    assert "<td title=" in page
    assert ">COMEX copper futures</td>" in page
