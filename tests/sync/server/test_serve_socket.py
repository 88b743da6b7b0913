"""The socket ``fieldpad serve`` listens on: each accepted connection sends without Nagle's
delay. Without TCP_NODELAY a client's second request on a kept-alive connection waited ~40 ms
for the answer (Nagle against the client's delayed ACK): every sync of more than one request
paid it per request, and an idle sync could not stay within its budget (DESIGN §9)."""

from __future__ import annotations

import asyncio
import socket

import pytest

from sync.server._serve import bind_socket


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_accepted_connections_have_tcp_nodelay(host: str) -> None:
    try:
        sock = bind_socket(host, 0)
    except OSError:
        pytest.skip(f"{host} is not available here")
    sock.listen()
    port = sock.getsockname()[1]
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            # as uvicorn's transports do: asyncio sets TCP_NODELAY, or not, on accept
            accepted = transport.get_extra_info("socket")
            seen.append(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
        async with server:
            _reader, writer = await asyncio.open_connection(host, port)
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(accept_one())
    assert seen and seen[0] != 0, "an accepted connection lacks TCP_NODELAY"
