"""A small, fast SMTP sink for `make bench`: accepts every message and keeps none.

aiosmtpd's Sink spends about 650 µs of CPU on a message, so on a small machine it, not the
mail worker under test, sets the pace. This speaks just enough SMTP for a real client
(`smtplib`, as Signon's worker uses): greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing
and the terminating line, RSET, NOOP, QUIT. No TLS, no AUTH: loopback only.

    python -m bench.sink --port 2525
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

import uvloop

_END_OF_DATA = b"\r\n.\r\n"


class SinkProtocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.in_data = False
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(b"220 bench sink ready\r\n")  # type: ignore[union-attr]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        replies = []
        while True:
            if self.in_data:
                # The data may end right after DATA's reply, so the line ending before "." may be
                # the one that ended the previous line: look for it with that one included.
                end = (b"\r\n" + self.buffer).find(_END_OF_DATA)
                if end < 0:
                    break
                self.buffer = self.buffer[end + len(_END_OF_DATA) - 2 :]
                self.in_data = False
                replies.append(b"250 accepted\r\n")
                continue
            line, found, rest = self.buffer.partition(b"\r\n")
            if not found:
                break
            self.buffer = rest
            replies.append(self._command(line))
            if replies[-1].startswith(b"221"):
                break
        if replies:
            assert self.transport is not None
            self.transport.write(b"".join(replies))
            if replies[-1].startswith(b"221"):
                self.transport.close()

    def _command(self, line: bytes) -> bytes:
        verb = line[:4].upper()
        if verb == b"EHLO":
            return b"250-bench sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n"
        if verb == b"DATA":
            self.in_data = True
            return b"354 end with <CRLF>.<CRLF>\r\n"
        if verb == b"QUIT":
            return b"221 bye\r\n"
        if verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            return b"250 ok\r\n"
        return b"502 not implemented\r\n"


async def serve(host: str, port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(SinkProtocol, host, port, reuse_port=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The benchmark stops the sink with SIGINT, which a shell's background job starts ignoring.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
