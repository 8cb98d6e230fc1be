"""Live updates: ONE background task polls the store's head a few times a second
and fans a ``change`` event out to every open board over server-sent events.

A commit made anywhere (this server, another browser, the CLI, ``apply`` in
another process) moves ``EventStore.head()``; each open board then asks for
its rows again (htmx), so it shows the new state within about one polling
interval plus a render.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from propdesk.ports import EventStore

KEEPALIVE_S = 15.0


class Broadcaster:
    """Watches the store's head; each subscriber gets the new head in a queue."""

    def __init__(self, store: EventStore, interval: float = 0.2) -> None:
        self.store = store
        self.interval = interval
        self.head = 0
        self._queues: set[asyncio.Queue[int]] = set()

    def start(self) -> asyncio.Task[None]:
        return asyncio.create_task(self._poll(), name="propdesk-web-head")

    async def stop(self, task: asyncio.Task[None]) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _poll(self) -> None:
        self.head = await run_in_threadpool(self.store.head)
        while True:
            await asyncio.sleep(self.interval)
            try:
                head = await run_in_threadpool(self.store.head)
            except Exception:  # the store is briefly unreachable: try again next round
                continue
            if head != self.head:
                self.head = head
                for q in list(self._queues):
                    q.put_nowait(head)

    @property
    def listeners(self) -> int:
        return len(self._queues)

    async def subscribe(self) -> AsyncIterator[int]:
        q: asyncio.Queue[int] = asyncio.Queue()
        self._queues.add(q)
        try:
            while True:
                try:
                    yield await asyncio.wait_for(q.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield -1
        finally:
            self._queues.discard(q)


async def events(request: Request) -> Response:
    """``GET /events``: the server-sent events of the board (signed-in people only)."""
    web = request.app.state.web
    web.user(request)
    live: Broadcaster = web.live

    async def stream() -> AsyncIterator[str]:
        yield f"retry: 2000\nevent: hello\ndata: {live.head}\n\n"
        async for head in live.subscribe():
            if await request.is_disconnected():
                break
            if head < 0:
                yield ": keep-alive\n\n"
            else:
                yield f"event: change\ndata: {head}\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})
