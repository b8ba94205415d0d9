"""Serve the language server over stdin/stdout with asyncio pipe transports on the event loop.

pygls's own stdio reader runs every `readline` and `read` in a thread pool: three or more thread
hops per message, each of which can stall while another thread holds the GIL. Here stdin is an
asyncio read pipe whose bytes go through `Framer` (the LSP base protocol's `Content-Length`
framing) straight into the pygls protocol, and stdout is a non-blocking write pipe.

Serving ends when the client closes stdin, when stdout breaks, or on the `exit` notification.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from collections.abc import Callable
from typing import BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

#: Longest header line kept while waiting for its end; longer input is garbage and dropped.
MAX_HEADER_LINE = 64 * 1024
_LENGTH = b"content-length:"


class Framer:
    """Splits a byte stream into message bodies; bytes may arrive in chunks of any size."""

    def __init__(self, on_body: Callable[[bytes], None], on_error: Callable[[str], None]) -> None:
        self._on_body = on_body
        self._on_error = on_error
        self._buf = bytearray()
        self._length: int | None = None  # Content-Length of the header block being read
        self._problem: str | None = None  # why the header block being read is unusable
        self._in_header = False
        self._body: int | None = None  # bytes of body still to come, once the header is read

    def feed(self, data: bytes) -> None:
        self._buf += data
        while True:
            if self._body is not None:
                if len(self._buf) < self._body:
                    return
                body = bytes(self._buf[: self._body])
                del self._buf[: self._body]
                self._body = None
                self._on_body(body)
                continue
            end = self._buf.find(b"\n")
            if end < 0:
                if len(self._buf) > MAX_HEADER_LINE:
                    self._on_error(f"dropped {len(self._buf)} bytes of input without a line end")
                    self._buf.clear()
                    self._reset()
                return
            line = bytes(self._buf[: end + 1]).strip()
            del self._buf[: end + 1]
            self._header_line(line)

    def _header_line(self, line: bytes) -> None:
        if not line:  # the blank line that ends a header block
            if self._length is not None:
                self._body = self._length
            elif self._in_header:
                self._on_error(f"skipped a message: {self._problem or 'no Content-Length header'}")
            self._reset()
            return
        self._in_header = True
        # A header may follow the unread body of a skipped message on the same line.
        start = line.lower().find(_LENGTH)
        if start < 0:
            return  # another header (Content-Type), or garbage before the next message
        value = line[start + len(_LENGTH) :].strip()
        if value.isdigit():
            self._length = int(value)
        else:
            self._length = None
            self._problem = f"bad Content-Length {value.decode('ascii', 'replace')!r}"

    def _reset(self) -> None:
        self._length = None
        self._problem = None
        self._in_header = False


class _Input(asyncio.Protocol):
    """stdin: frames the bytes and hands each message to the pygls protocol."""

    def __init__(self, server: LanguageServer, done: asyncio.Future[None]) -> None:
        self._server = server
        self._done = done
        self._framer = Framer(self._dispatch, self._framing_error)

    def data_received(self, data: bytes) -> None:
        self._framer.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        log.debug("stdin closed (%s)", exc or "end of file")
        _finish(self._done)

    def _framing_error(self, message: str) -> None:
        log.error("stdin: %s", message)

    def _dispatch(self, body: bytes) -> None:
        protocol = self._server.protocol
        try:
            protocol.handle_message(json.loads(body, object_hook=protocol.structure_message))
        except SystemExit:  # the `exit` notification
            _finish(self._done)
        except Exception as exc:
            log.exception("Unable to handle message")
            try:
                self._server.report_server_error(exc, JsonRpcException)
            except Exception:
                log.warning("failed to report an error to the client")


class _Output(asyncio.BaseProtocol):
    """stdout: ends serving when the client stops reading."""

    def __init__(self, done: asyncio.Future[None]) -> None:
        self._done = done
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.error("Connection to the client is lost (%s); shutting down.", exc)
        _finish(self.closed)
        _finish(self._done)


class _PipeWriter:
    """The writer pygls calls: writes go to the transport, which buffers what the pipe refuses."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)

    def close(self) -> None:
        self._transport.close()  # sends what is buffered first


def _finish(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _is_pipe(stream: BinaryIO) -> bool:
    """Whether asyncio can watch the stream: a pipe, a socket or a character device."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


async def _serve(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    transport, output = await loop.connect_write_pipe(lambda: _Output(done), stdout)
    server.protocol.set_writer(_PipeWriter(transport))
    reader, _ = await loop.connect_read_pipe(lambda: _Input(server, done), stdin)
    try:
        await done
    finally:
        reader.close()
        transport.close()
        await asyncio.wait([output.closed], timeout=5)  # let buffered output drain


def serve_stdio(
    server: LanguageServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Serve until the client goes away; streams that are no pipes use pygls's own reader."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    if not (_is_pipe(stdin) and _is_pipe(stdout)):
        server.start_io(stdin, stdout)
        return
    log.info("Serving on stdio")
    try:
        asyncio.run(_serve(server, stdin, stdout))
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]
