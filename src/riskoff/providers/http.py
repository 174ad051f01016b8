"""The HTTP seam every live provider shares: rate limiting, retries, redaction, fail-fast.

``HttpSession.get`` is the only function in riskoff that sends an HTTP request. It

- waits for a token from an optional shared :class:`TokenBucket` before every attempt
  (FRED allows about two requests per second; one bucket serves all FRED calls);
- retries HTTP 429 and 5xx, dropped connections and truncated bodies with exponential
  backoff that honours ``Retry-After``;
- gives up at once, for every later call too, when the host cannot be reached at all
  (connection refused, DNS failure, connect timeout) or accepts connections but does not
  answer (a second read timeout), so an offline run or a tarpit fails in seconds;
- stops at a :class:`Deadline`: no request starts, no back-off or rate-limit wait runs
  and no answer is waited for past it; what is cut short is a
  :class:`~riskoff.errors.DeadlineError`;
- never lets a secret (the FRED API key) into a message, log record or exception: every
  URL and text it emits goes through :class:`Redactor`, and httpx's own request log is
  filtered the same way.

Other 4xx answers are returned to the provider, which knows what they mean.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskoff.errors import DeadlineError, ProviderError, ProviderUnavailable, RateLimitedError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "Deadline",
    "HttpSession",
    "Redactor",
    "Response",
    "RetryPolicy",
    "SeriesSession",
    "TokenBucket",
]

log = logging.getLogger("riskoff.providers")


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed to connect, and to read/write once connected."""

    connect: float = 3.0
    read: float = 30.0
    write: float = 10.0
    pool: float = 60.0


DEFAULT_TIMEOUT = Timeouts()


@dataclass(frozen=True)
class Deadline:
    """A moment (``time.monotonic``) after which a session sends nothing and waits for
    nothing.

    Args:
        at: the monotonic time it falls.
        seconds: its length, for messages.
        what: whose it is, for messages (``"--deadline"``, ``"FRED's budget"``).
    """

    at: float
    seconds: float
    what: str

    @classmethod
    def after(cls, seconds: float, what: str) -> Deadline:
        """The deadline ``seconds`` from now."""
        return cls(time.monotonic() + seconds, seconds, what)

    def remaining(self) -> float:
        """Seconds left (0 once it has passed)."""
        return max(0.0, self.at - time.monotonic())

    def error(self, label: str, detail: str = "") -> DeadlineError:
        """The error of a request cut short by this deadline."""
        extra = f"; last: {detail}" if detail else ""
        return DeadlineError(
            f"{label}: not reached before the deadline ({self.what}: {self.seconds:.0f} s{extra})"
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a transient failure.

    Args:
        attempts: tries in total (1 = no retry).
        base: first backoff in seconds; doubles on every retry, plus up to 10 % jitter.
        cap: longest backoff chosen by us.
        max_retry_after: longest ``Retry-After`` we are willing to honour; a server
            asking for more fails the series with :class:`RateLimitedError`.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 20.0
    max_retry_after: float = 120.0

    def backoff(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        delay = min(self.cap, self.base * (2**retry))
        delay *= 1.0 + 0.1 * random.random()  # jitter, not crypto
        if retry_after is not None:
            delay = max(delay, retry_after)
        return float(delay)


class TokenBucket:
    """A token bucket shared by threads and coroutines.

    ``rate`` tokens per second refill a bucket holding at most ``capacity``. Each call
    takes one token; when none is left, the caller is given the next free slot and
    sleeps until then (callers are served in arrival order).

    Example:
        >>> bucket = TokenBucket(rate=2.0)
        >>> bucket.reserve() == 0.0
        True
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs rate > 0 and capacity >= 1")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._stamp = clock()

    def reserve(self) -> float:
        """Take one token now or in the future; return the seconds to wait for it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.rate

    def acquire(self, cancel: threading.Event | None = None, *, limit: float | None = None) -> bool:
        """Block the calling thread until it holds a token.

        Returns ``False``, and gives the token back, when ``cancel`` is set while waiting,
        or at once when the wait would last more than ``limit`` seconds.
        """
        wait = self.reserve()
        if limit is not None and wait > limit:
            self.refund()
            return False
        if cancel is None:
            if wait > 0:
                time.sleep(wait)
            return True
        if cancel.wait(wait) if wait > 0 else cancel.is_set():
            self.refund()
            return False
        return True

    def refund(self) -> None:
        """Give back a token taken but not used (a cancelled wait)."""
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + 1.0)

    async def acquire_async(self) -> None:
        """Suspend the calling coroutine until it holds a token."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)


class Redactor:
    """Replaces every occurrence of the given secrets with ``***``."""

    MASK = "***"

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        from urllib.parse import quote, quote_plus

        raw = [s for s in secrets if s]
        # a secret inside a URL may appear percent-encoded; mask those spellings too
        variants = {v for s in raw for v in (s, quote(s, safe=""), quote_plus(s))}
        self.secrets = tuple(sorted(variants, key=len, reverse=True))

    def __call__(self, text: object) -> str:
        out = str(text)
        for s in self.secrets:
            out = out.replace(s, self.MASK)
        return out


class _RedactingFilter(logging.Filter):
    """Rewrites records of httpx's request log so that no secret survives."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if self.redactor.secrets:
            record.msg = self.redactor(record.getMessage())
            record.args = None
        return True


_LIBRARY_LOGGERS = ("httpx", "httpcore", "httpcore.http11", "httpcore.connection")


@dataclass
class Response:
    """What a provider gets back: status, headers and the complete body."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str  # redacted
    _parsed: Any = field(default=None, repr=False)
    _has_parsed: bool = field(default=False, repr=False)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (with replacement of bad bytes)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON (parsed once), or :class:`ProviderError` naming the URL."""
        if self._has_parsed:
            return self._parsed
        try:
            self._parsed = json.loads(self.content)
            self._has_parsed = True
            return self._parsed
        except ValueError as exc:
            reason = getattr(exc, "msg", None) or type(exc).__name__
            raise _MalformedBody(f"malformed JSON from {self.url} ({reason})") from None


class _MalformedBody(ProviderError):
    """A body that could not be parsed; retried like a truncated transfer."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    ref = time.time() if now is None else now
    return max(0.0, when.timestamp() - ref)


def _is_dns_failure(reason: str) -> bool:
    """True for a name that does not resolve (``getaddrinfo`` errors have negative errnos)."""
    text = reason.lower()
    return "[errno -" in text or "name resolution" in text or "nodename" in text


class HttpSession:
    """One provider's HTTP client for one run, shared by its worker threads.

    Args:
        provider: a display name used in messages (``FRED``, ``Yahoo``...).
        limiter: a shared token bucket, or ``None`` for no client-side throttling.
        retry: the retry policy.
        timeouts: connect/read/write timeouts in seconds.
        secrets: strings that must never appear in a message (API keys).
        max_connections: size of the connection pool.
        transport: an httpx transport (tests may inject ``httpx.MockTransport``).
        sleep: the sleep function (tests may inject a fake clock).
        deadline: when to stop sending and waiting (``None``: never).
    """

    def __init__(
        self,
        provider: str,
        *,
        limiter: TokenBucket | None = None,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUT,
        secrets: Iterable[str | None] = (),
        max_connections: int = 8,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: Deadline | None = None,
    ) -> None:
        import httpx

        self.provider = provider
        self.deadline = deadline
        self.timeouts = timeouts
        self._read_timeouts = 0
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self.redact = Redactor(secrets)
        self._sleep = sleep
        self._lock = threading.Lock()
        self._down: str | None = None
        self._aborted: ProviderError | None = None
        self._down_event = threading.Event()
        self.requests = 0
        self.status_counts: dict[int, int] = {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(
                connect=timeouts.connect,
                read=timeouts.read,
                write=timeouts.write,
                pool=timeouts.pool,
            ),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={"User-Agent": "riskoff (+https://github.com/riskoff)"},
            follow_redirects=True,
            transport=transport,
        )
        self._filter: _RedactingFilter | None = None
        if self.redact.secrets:
            self._filter = _RedactingFilter(self.redact)
            for name in _LIBRARY_LOGGERS:
                logging.getLogger(name).addFilter(self._filter)

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool and detach the log filter."""
        self._client.close()
        if self._filter is not None:
            for name in _LIBRARY_LOGGERS:
                logging.getLogger(name).removeFilter(self._filter)
            self._filter = None

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def abort(self, error: ProviderError) -> None:
        """Fail every later request of this session with ``error`` (e.g. a rejected key:
        asking again with the same key only spends the rate limit)."""
        with self._lock:
            if self._aborted is None:
                self._aborted = type(error)(self.redact(error))
        self._down_event.set()

    @property
    def unreachable(self) -> str | None:
        """Why the host was found unreachable, or ``None``."""
        return self._down

    # -- requests --------------------------------------------------------------------
    def _count(self, status: int | None, on_request: Callable[[], None] | None) -> None:
        with self._lock:
            self.requests += 1
            if status is not None:
                self.status_counts[status] = self.status_counts.get(status, 0) + 1
        if on_request is not None:
            on_request()

    def _url(self, url: str, params: Mapping[str, str] | None) -> str:
        import httpx

        return self.redact(httpx.URL(url, params=dict(params or {})))

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        what: str = "",
        expect_json: bool = False,
        expect: Callable[[bytes], str | None] | None = None,
        on_request: Callable[[], None] | None = None,
    ) -> Response:
        """GET ``url`` with retries; return any 2xx or non-retryable 4xx response.

        Args:
            url: the full URL without query.
            params: query parameters (may hold the API key; it is redacted in messages).
            what: a short name of the series for messages, e.g. ``fred:SOFR``.
            expect_json: treat an unparsable 2xx body as a transient failure and retry.
            expect: a check of a 2xx body returning why it is not what was asked for
                (``None`` when it is); such a body is retried like a truncated one, and
                the last one is returned when every try got one.
            on_request: called once per request actually sent (for per-series counts).

        Raises:
            ProviderUnavailable: the host cannot be reached (this and every later call).
            RateLimitedError: still 429 after every retry.
            ProviderError: still failing (5xx, dropped connection, bad body) after retries.
        """
        import httpx

        label = f"{self.provider} {what}".strip()
        shown = self._url(url, params)
        policy = self.retry
        deadline = self.deadline
        last = ""
        for attempt in range(policy.attempts):
            if not self._down_event.is_set() and self.limiter is not None:
                left = deadline.remaining() if deadline is not None else None
                if not self.limiter.acquire(cancel=self._down_event, limit=left) and (
                    deadline is not None and not self._down_event.is_set()
                ):
                    raise deadline.error(label, last)
            if self._aborted is not None:
                raise type(self._aborted)(str(self._aborted))
            if self._down is not None:
                raise ProviderUnavailable(f"{self.provider} is unreachable ({self._down})")
            if deadline is not None and deadline.remaining() <= 0:
                raise deadline.error(label, last)
            retry_after: float | None = None
            try:
                log.debug("GET %s", shown)
                resp = self._client.get(url, params=dict(params or {}), timeout=self._timeout())
                content = resp.content
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                self._count(None, on_request)
                if deadline is not None and deadline.remaining() <= 0:
                    raise deadline.error(label, "no connection") from None
                reason = self.redact(exc) or type(exc).__name__
                if isinstance(exc, httpx.ConnectTimeout):
                    reason = "connect timed out"
                if attempt == 0 and policy.attempts > 1 and not _is_dns_failure(reason):
                    # one quick second chance, then treat the host as down for the run
                    last = reason
                    self._sleep(min(0.2, policy.base))
                    continue
                with self._lock:
                    self._down = reason
                self._down_event.set()
                raise ProviderUnavailable(f"{self.provider} is unreachable ({reason})") from None
            except httpx.ReadTimeout:
                # The host took the request and sent nothing back: a tarpit, or a server
                # that is down behind its load balancer. It counts toward fail-fast like
                # a refused connection: the second one marks the host down for the run.
                self._count(None, on_request)
                if deadline is not None and deadline.remaining() <= 0:
                    raise deadline.error(label, "no answer") from None
                with self._lock:
                    self._read_timeouts += 1
                    again = self._read_timeouts < 2 and attempt + 1 < policy.attempts
                reason = f"no answer within {self.timeouts.read:g} s"
                last = reason
                if again:
                    log.info("%s: %s on %s; retrying", label, reason, shown)
                    continue
                with self._lock:
                    self._down = reason
                self._down_event.set()
                raise ProviderUnavailable(f"{self.provider} is unreachable ({reason})") from None
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                self._count(None, on_request)
                if deadline is not None and deadline.remaining() <= 0:
                    raise deadline.error(label, type(exc).__name__) from None
                last = f"{type(exc).__name__}: {self.redact(exc) or 'no detail'}"
                log.info("%s: %s on %s; retrying", label, last, shown)
            except httpx.HTTPError as exc:  # e.g. too many redirects, invalid URL
                self._count(None, on_request)
                raise ProviderError(
                    f"{label}: {type(exc).__name__}: {self.redact(exc)} ({shown})"
                ) from None
            else:
                status = resp.status_code
                self._count(status, on_request)
                headers = {k.lower(): v for k, v in resp.headers.items()}
                if status == 429 or status >= 500:
                    retry_after = parse_retry_after(headers.get("retry-after"))
                    last = f"HTTP {status}"
                    if "retry-after" in headers:
                        last += f" (Retry-After {headers['retry-after']})"
                    if retry_after is not None and retry_after > policy.max_retry_after:
                        raise RateLimitedError(
                            f"{label}: {last}: the server asks to wait "
                            f"{retry_after:.0f} s; try again later"
                        )
                    log.info("%s: %s on %s; retrying", label, last, shown)
                else:
                    out = Response(status=status, headers=headers, content=content, url=shown)
                    if expect_json and 200 <= status < 300:
                        try:
                            out.json()
                        except _MalformedBody as exc:
                            last = str(exc)
                            log.info("%s: %s; retrying", label, last)
                            self._backoff(attempt, None, label, last)
                            continue
                    if expect is not None and 200 <= status < 300:
                        why = expect(content)
                        if why is not None and attempt + 1 < policy.attempts:
                            last = why
                            log.info("%s: %s; retrying", label, last)
                            self._backoff(attempt, None, label, last)
                            continue
                    return out
            self._backoff(attempt, retry_after, label, last)
        if last.startswith("HTTP 429"):
            raise RateLimitedError(
                f"{label}: still rate limited after {policy.attempts} tries ({last})"
            )
        raise ProviderError(f"{label}: failed after {policy.attempts} tries ({last})")

    def _timeout(self) -> httpx.Timeout:
        """This request's timeouts: the session's, cut to what is left of the deadline."""
        import httpx

        t = self.timeouts
        left = self.deadline.remaining() if self.deadline is not None else None

        def cut(x: float) -> float:
            return x if left is None else max(0.001, min(x, left))

        return httpx.Timeout(
            connect=cut(t.connect), read=cut(t.read), write=cut(t.write), pool=cut(t.pool)
        )

    def _backoff(self, attempt: int, retry_after: float | None, label: str, last: str) -> None:
        if attempt + 1 < self.retry.attempts:
            delay = self.retry.backoff(attempt, retry_after)
            if self.deadline is not None and delay >= self.deadline.remaining():
                raise self.deadline.error(label, last)
            self._sleep(delay)


class SeriesSession:
    """A view of a :class:`HttpSession` that counts the requests made for one series."""

    def __init__(self, session: HttpSession, what: str) -> None:
        self.session = session
        self.what = what
        self.requests = 0

    @property
    def redact(self) -> Redactor:
        """The session's redactor."""
        return self.session.redact

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        expect_json: bool = False,
        expect: Callable[[bytes], str | None] | None = None,
    ) -> Response:
        """Like :meth:`HttpSession.get`, counted for this series."""
        return self.session.get(
            url,
            params,
            what=self.what,
            expect_json=expect_json,
            expect=expect,
            on_request=self._tick,
        )

    def _tick(self) -> None:
        self.requests += 1
