"""The local backend's HTTP router: one listener per Service port, a reverse proxy to the Ready
endpoints of its backend groups.

HTTP/1.1 framing (keep-alive, Content-Length, chunked, HEAD, 1xx) is h11's, so this module only
moves events between the client connection and one upstream connection per request. Upstream
connections are not pooled: a pooled connection the backend has closed meanwhile fails only after
the request was sent, and retrying then could run a POST twice; connecting on 127.0.0.1 is cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import h11

from seaway.cluster.local.metrics import ListenerMetrics, ListenerSnapshot
from seaway.cluster.local.routing import Endpoint, RoutingTable, Selector

_READ_SIZE = 65536
_DISCARD_LIMIT = 65536
_DISCARD_TIMEOUT = 1.0

# RFC 9110 7.6.1: meaningful for one connection only, never forwarded.
_HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)


@dataclass(frozen=True)
class Timeouts:
    connect: float = 2.0
    # From the end of the request to each piece of the response.
    response: float = 60.0
    # A keep-alive client connection with no request for this long is closed.
    idle: float = 60.0


class _ClientGone(Exception):
    """The client closed or broke its connection; nothing more can be sent to it."""


@dataclass
class _Outcome:
    # What the client was told: a request that fails before any answer counts as a 502.
    status: int = 502


class _UpstreamFailed(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _forwarded_headers(
    headers: Sequence[tuple[bytes, bytes]], *, extra: Sequence[tuple[bytes, bytes]] = ()
) -> list[tuple[bytes, bytes]]:
    named_in_connection = {
        token.strip().lower()
        for name, value in headers
        if name == b"connection"
        for token in value.split(b",")
    }
    kept = [
        (name, value)
        for name, value in headers
        if name not in _HOP_BY_HOP and name not in named_in_connection
    ]
    return kept + list(extra)


async def _next(
    conn: h11.Connection, reader: asyncio.StreamReader, timeout: float
) -> h11.Event | type[h11.NEED_DATA] | type[h11.PAUSED]:
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        async with asyncio.timeout(timeout):
            data = await reader.read(_READ_SIZE)
        conn.receive_data(data)


@dataclass
class _Client:
    conn: h11.Connection
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, event: h11.Event) -> None:
        data = self.conn.send(event)
        if data:
            try:
                self.writer.write(data)
                await self.writer.drain()
            except ConnectionError as err:
                raise _ClientGone from err

    async def respond(self, status: int, text: str) -> None:
        """An answer of the router's own (an error)."""
        await self._discard_body()
        body = f"seaway router: {text}\n".encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if self.conn.their_state is not h11.DONE:
            # The request body was not read; the connection cannot carry another request.
            headers.append((b"connection", b"close"))
        await self.send(h11.Response(status_code=status, headers=headers))
        await self.send(h11.Data(data=body))
        await self.send(h11.EndOfMessage())

    async def _discard_body(self) -> None:
        # Reading a small unread request body keeps the connection for the client's next request
        # (a GET's empty body is already buffered); a large or slow one is not worth waiting for.
        if (
            self.conn.their_state is not h11.SEND_BODY
            or self.conn.client_is_waiting_for_100_continue
        ):
            return
        seen = 0
        with contextlib.suppress(TimeoutError, ConnectionError, h11.ProtocolError):
            while self.conn.their_state is h11.SEND_BODY and seen <= _DISCARD_LIMIT:
                event = await _next(self.conn, self.reader, _DISCARD_TIMEOUT)
                if isinstance(event, h11.Data):
                    seen += len(event.data)
                elif not isinstance(event, h11.EndOfMessage):
                    return


class Listener:
    """One Service port: accepts on host:port and forwards by the current routing table."""

    def __init__(
        self,
        table: RoutingTable,
        *,
        name: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.name = name
        self._host = host
        self._requested_port = port
        self._timeouts = timeouts or Timeouts()
        self._selector = Selector(table)
        self._metrics = ListenerMetrics()
        self._server: asyncio.Server | None = None
        self._port: int | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def table(self) -> RoutingTable:
        return self._selector.table

    def set_table(self, table: RoutingTable) -> None:
        """Route every request that arrives from now on by `table`; requests already being
        forwarded finish where they were sent."""
        # One assignment on the event loop's thread: no request ever sees half a table.
        self._selector = Selector(table, previous=self._selector)

    @property
    def port(self) -> int:
        """The port it listens on (or listened on, once closed)."""
        if self._port is None:
            raise RuntimeError(f"listener {self.name!r} was never started")
        return self._port

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError(f"listener {self.name!r} is already started")
        self._server = await asyncio.start_server(
            self._serve, self._host, self._requested_port, reuse_address=True
        )
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await server.wait_closed()

    async def __aenter__(self) -> Listener:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    def snapshot(self) -> ListenerSnapshot:
        return self._metrics.snapshot(self.name, self._port or self._requested_port)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        self._metrics.connections += 1
        client = _Client(h11.Connection(h11.SERVER), reader, writer)
        conn = client.conn
        try:
            while True:
                try:
                    event = await _next(conn, reader, self._timeouts.idle)
                except (TimeoutError, ConnectionError):
                    return
                except h11.RemoteProtocolError as err:
                    await self._reject_malformed(client, err)
                    return
                if not isinstance(event, h11.Request):
                    return
                try:
                    await self._handle(client, event)
                except (_ClientGone, h11.ProtocolError):
                    return
                if conn.our_state is h11.DONE and conn.their_state is h11.DONE:
                    conn.start_next_cycle()
                else:
                    return
        except asyncio.CancelledError:
            # Only close() cancels these tasks, and asyncio (3.11) logs a cancelled connection
            # handler as an error: end it quietly instead.
            return
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _reject_malformed(self, client: _Client, err: h11.RemoteProtocolError) -> None:
        if client.conn.our_state not in {h11.IDLE, h11.SEND_RESPONSE}:
            return
        with contextlib.suppress(_ClientGone, h11.ProtocolError):
            await client.respond(err.error_status_hint, f"bad request: {err}")

    async def _handle(self, client: _Client, request: h11.Request) -> None:
        started = time.monotonic()
        # The selector of this moment: a table swap during the request does not move it.
        selector = self._selector
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in request.headers]
        group = selector.choose(headers)
        if group is None:
            self._metrics.unrouted += 1
            await client.respond(503, "no backend group takes traffic")
            return
        group_counters = self._metrics.group(group.name)
        group_counters.requests += 1
        outcome = _Outcome()
        recorded = False
        try:
            if not group.endpoints:
                outcome.status = 503
                await client.respond(503, f"group {group.name!r} has no endpoints")
                return
            upstream: tuple[Endpoint, asyncio.StreamReader, asyncio.StreamWriter] | None = None
            for endpoint in selector.endpoints(group):
                try:
                    async with asyncio.timeout(self._timeouts.connect):
                        up_reader, up_writer = await asyncio.open_connection(
                            endpoint.host, endpoint.port
                        )
                except (OSError, TimeoutError):
                    group_counters.connection_errors += 1
                    self._metrics.endpoint(group.name, str(endpoint)).connection_errors += 1
                    continue
                upstream = (endpoint, up_reader, up_writer)
                break
            if upstream is None:
                await client.respond(
                    502, f"no endpoint of group {group.name!r} accepted a connection"
                )
                return
            endpoint, up_reader, up_writer = upstream
            endpoint_counters = self._metrics.endpoint(group.name, str(endpoint))
            endpoint_counters.requests += 1
            endpoint_started = time.monotonic()
            try:
                await self._forward(client, request, up_reader, up_writer, outcome)
            finally:
                # Recorded before the next await: once the client has its answer, a snapshot
                # already counts it.
                now = time.monotonic()
                endpoint_counters.finished(outcome.status, now - endpoint_started)
                group_counters.finished(outcome.status, now - started)
                recorded = True
                up_writer.close()
                with contextlib.suppress(OSError):
                    await up_writer.wait_closed()
        finally:
            if not recorded:
                group_counters.finished(outcome.status, time.monotonic() - started)

    async def _forward(
        self,
        client: _Client,
        request: h11.Request,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        outcome: _Outcome,
    ) -> None:
        upstream = h11.Connection(h11.CLIENT)
        try:
            await self._send_upstream(client, request, upstream, up_writer)
        except _UpstreamFailed as err:
            outcome.status = err.status
            await client.respond(err.status, err.reason)
            return
        await self._relay_response(client, upstream, up_reader, outcome)

    async def _send_upstream(
        self,
        client: _Client,
        request: h11.Request,
        upstream: h11.Connection,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        peer = client.writer.get_extra_info("peername")
        client_ip = peer[0].encode() if isinstance(peer, tuple) else b"unknown"
        prior = [v for n, v in request.headers if n == b"x-forwarded-for"]
        extra = [(b"x-forwarded-for", b", ".join([*prior, client_ip]))]
        names = {n for n, _ in request.headers}
        if b"x-forwarded-proto" not in names:
            extra.append((b"x-forwarded-proto", b"http"))
        if b"host" not in names:
            extra.append((b"host", b"localhost"))
        if b"transfer-encoding" in names:
            # The body length is unknown in advance: it goes upstream chunked too.
            extra.append((b"transfer-encoding", b"chunked"))
        # 100-continue is answered here, once an endpoint has accepted the connection; passing it
        # on would leave the client waiting while this proxy waits for the body.
        own = [(n, v) for n, v in request.headers if n not in {b"expect", b"x-forwarded-for"}]
        headers = _forwarded_headers(own, extra=extra)

        async def up(event: h11.Event) -> None:
            data = upstream.send(event)
            if data:
                try:
                    up_writer.write(data)
                    await up_writer.drain()
                except ConnectionError as err:
                    raise _UpstreamFailed(502, f"endpoint broke the connection: {err}") from err

        await up(
            h11.Request(
                method=request.method, target=request.target, headers=headers, http_version="1.1"
            )
        )
        if client.conn.client_is_waiting_for_100_continue:
            await client.send(
                h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")
            )
        while True:
            try:
                event = await _next(client.conn, client.reader, self._timeouts.idle)
            except (TimeoutError, ConnectionError) as err:
                raise _ClientGone from err
            if isinstance(event, h11.Data):
                await up(h11.Data(data=event.data))
            elif isinstance(event, h11.EndOfMessage):
                # Trailers are dropped: the client side may be framed by Content-Length.
                await up(h11.EndOfMessage())
                return
            else:
                raise _ClientGone

    async def _relay_response(
        self,
        client: _Client,
        upstream: h11.Connection,
        up_reader: asyncio.StreamReader,
        outcome: _Outcome,
    ) -> None:
        started = False
        while True:
            try:
                event = await _next(upstream, up_reader, self._timeouts.response)
            except TimeoutError:
                if started:
                    raise _ClientGone from None
                outcome.status = 504
                await client.respond(504, "the endpoint did not answer in time")
                return
            except (ConnectionError, h11.RemoteProtocolError) as err:
                if started:
                    # Half a response was sent: only closing tells the client it is incomplete.
                    client.conn.send_failed()
                    raise _ClientGone from err
                await client.respond(502, f"bad answer from the endpoint: {err}")
                return
            if isinstance(event, h11.InformationalResponse):
                if event.status_code != 101:
                    await client.send(
                        h11.InformationalResponse(
                            status_code=event.status_code,
                            headers=_forwarded_headers(event.headers),
                        )
                    )
            elif isinstance(event, h11.Response):
                outcome.status = event.status_code
                started = True
                await client.send(
                    h11.Response(
                        status_code=event.status_code,
                        headers=_forwarded_headers(event.headers),
                        reason=event.reason,
                    )
                )
            elif isinstance(event, h11.Data):
                await client.send(h11.Data(data=event.data))
            elif isinstance(event, h11.EndOfMessage):
                await client.send(h11.EndOfMessage())
                return
            else:
                # ConnectionClosed (or PAUSED) before the end of the response.
                if started:
                    client.conn.send_failed()
                    raise _ClientGone
                await client.respond(502, "the endpoint closed without an answer")
                return


class Router:
    """The listeners of the local backend, by name (e.g. "namespace/service:port")."""

    def __init__(self, *, host: str = "127.0.0.1", timeouts: Timeouts | None = None) -> None:
        self._host = host
        self._timeouts = timeouts
        self._listeners: dict[str, Listener] = {}

    async def listen(self, name: str, table: RoutingTable, port: int = 0) -> Listener:
        if name in self._listeners:
            raise ValueError(f"listener {name!r} exists already")
        listener = Listener(table, name=name, host=self._host, port=port, timeouts=self._timeouts)
        await listener.start()
        self._listeners[name] = listener
        return listener

    def get(self, name: str) -> Listener:
        return self._listeners[name]

    def set_table(self, name: str, table: RoutingTable) -> None:
        self._listeners[name].set_table(table)

    async def remove(self, name: str) -> None:
        listener = self._listeners.pop(name, None)
        if listener is not None:
            await listener.close()

    def snapshot(self) -> dict[str, ListenerSnapshot]:
        return {name: listener.snapshot() for name, listener in self._listeners.items()}

    async def close(self) -> None:
        listeners, self._listeners = list(self._listeners.values()), {}
        for listener in listeners:
            await listener.close()

    async def __aenter__(self) -> Router:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()
