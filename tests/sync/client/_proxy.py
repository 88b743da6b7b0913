"""A small fault-injecting TCP proxy for the sync client tests: loopback only, bounded in time.

The proxy listens on 127.0.0.1 (a free port) and forwards each accepted connection to the
upstream address it asks ``upstream()`` for at that moment (so it can follow a server that was
restarted on a new port). Per connection it draws a fate from a seeded ``random.Random``:

- ``pass``: forward both ways untouched;
- ``drop``: reset the connection at once, before anything reaches the server;
- ``lost_answer``: forward the request, then reset the connection when the answer starts (the
  server did the work; the client never hears of it);
- ``truncate``: forward only the first ``0..max_cut`` bytes of the answers, then reset;
- ``delay``: hold the first answer for a while (sometimes longer than the client's timeout).

Every wait is bounded (``idle`` seconds without a byte, ``lifetime`` per connection), and
:meth:`stop` closes everything: a test can never hang on the proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable

FATES = ("pass", "drop", "lost_answer", "truncate", "delay")


def address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    return parts.hostname, parts.port or 80


class FaultyProxy:
    def __init__(self, upstream: Callable[[], tuple[str, int]], *, seed: int,
                 weights: dict[str, float] | None = None,
                 delays: tuple[float, ...] = (0.02, 0.1, 0.9), max_cut: int = 3000,
                 idle: float = 5.0, lifetime: float = 20.0) -> None:
        self.upstream = upstream
        self.rng = random.Random(seed)
        self.weights = dict(weights or {"pass": 1.0})
        assert set(self.weights) <= set(FATES), self.weights
        self.delays = delays
        self.max_cut = max_cut
        self.idle = idle
        self.lifetime = lifetime
        self.counts: Counter[str] = Counter()  # fates drawn, for the test to check
        self.faulty = True  # False: every new connection passes
        self._tasks: set[asyncio.Task] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faulty-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    # -- life cycle ------------------------------------------------------------------------
    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        if not self._ready.wait(10) or not self.port:
            raise RuntimeError("the proxy did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._accept, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
        finally:
            self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # -- one connection --------------------------------------------------------------------
    def _draw(self) -> str:
        if not self.faulty:
            return "pass"
        fates, weights = zip(*self.weights.items(), strict=True)
        return self.rng.choices(fates, weights)[0]

    async def _accept(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        fate = self._draw()
        self.counts[fate] += 1
        cut = self.rng.randrange(self.max_cut)
        delay = self.rng.choice(self.delays)
        uwriter: asyncio.StreamWriter | None = None
        try:
            if fate == "drop":
                return
            try:
                ureader, uwriter = await asyncio.wait_for(
                    asyncio.open_connection(*self.upstream()), self.idle)
            except (OSError, TimeoutError):
                return  # the server is down (restarting): the client sees a dropped connection
            await asyncio.wait_for(
                self._pump_both(fate, cut, delay, creader, cwriter, ureader, uwriter),
                self.lifetime)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # cancelled: the proxy is stopping; either way the connection ends here
        finally:
            # a reset, not a polite close: what a dropped connection looks like to the client
            cwriter.transport.abort()
            if uwriter is not None:
                uwriter.transport.abort()
            self._tasks.discard(task)

    async def _pump_both(self, fate: str, cut: int, delay: float,
                         creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter,
                         ureader: asyncio.StreamReader, uwriter: asyncio.StreamWriter) -> None:
        up = asyncio.ensure_future(self._pump(creader, uwriter))
        down = asyncio.ensure_future(self._answers(fate, cut, delay, ureader, cwriter))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in (up, down):
                t.cancel()
            await asyncio.gather(up, down, return_exceptions=True)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await asyncio.wait_for(reader.read(65536), self.idle)
            if not data:
                return
            writer.write(data)
            await writer.drain()

    async def _answers(self, fate: str, cut: int, delay: float, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        sent = 0
        first = True
        while True:
            data = await asyncio.wait_for(reader.read(65536), self.idle)
            if not data:
                return
            if first:
                first = False
                if fate == "lost_answer":
                    return
                if fate == "delay":
                    await asyncio.sleep(delay)
            if fate == "truncate":
                data = data[:max(0, cut - sent)]
                if data:
                    writer.write(data)
                    await writer.drain()
                    sent += len(data)
                if sent >= cut:
                    return
                continue
            writer.write(data)
            await writer.drain()
