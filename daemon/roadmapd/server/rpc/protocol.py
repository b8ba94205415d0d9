"""A pygls protocol that writes plain-JSON results without cattrs, and answers bad requests.

pygls runs every outgoing message through cattrs `unstructure`, even plain dicts: for 10,000
lenses that is millions of calls. Handlers of hot requests return plain JSON (dicts, lists) or a
pre-encoded `RawJson`; this protocol writes those directly. Anything else goes the usual way.

Everything written goes through `secrets.redact` (`_RedactingWriter`): one door to the editor.

pygls also drops a request whose params fail to deserialise without answering it, which leaves
the client waiting forever; here such a request gets an InvalidParams error response. And a
client's late answer to a server request whose waiter was cancelled is dropped quietly instead
of raising InvalidStateError.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcMethodNotFound
from pygls.protocol import LanguageServerProtocol

from roadmapd.secrets import redact, secret_values

log = logging.getLogger(__name__)

_PLAIN = (dict, list, str, int, float, bool, type(None))


class RawJson(str):
    """A result that is already JSON text; written into the response as it is."""


class Utf8Json(bytes):
    """A result that is already JSON, encoded in UTF-8: written as it is, with no copy. A big
    payload kept this way takes a byte per ASCII character, where a `str` holding one non-ASCII
    character (a lens title's ▶) takes two or four for every character."""


class _BadRequest:
    """A request whose params could not be deserialised."""

    def __init__(self, msg_id: int | str, method: str, error: JsonRpcException) -> None:
        self.id = msg_id
        self.method = method
        self.error = error


def plain(value: Any) -> Any:
    """Params of a custom request as plain JSON (pygls hands them over as namedtuples)."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _RedactingWriter:
    """Every message to the editor goes through `secrets.redact` (diagnostics, messages, hover,
    results alike); the Content-Length header is rewritten to the redacted body."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def write(self, data: bytes) -> Any:
        # The search runs on the bytes (a secret is found in its UTF-8 form), so the common case,
        # no secret in the message, writes `data` as it came: no decode, no copy.
        secrets = [s for s in secret_values() if s.encode("utf-8") in data]
        if not secrets:
            return self._writer.write(data)
        header, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            header, body = b"", data
        body = redact(body.decode("utf-8"), secrets).encode("utf-8")
        if sep:
            lines = [
                f"Content-Length: {len(body)}".encode()
                if line.lower().startswith(b"content-length:")
                else line
                for line in header.split(b"\r\n")
            ]
            header = b"\r\n".join(lines)
        return self._writer.write(header + sep + body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._writer, name)


class FastProtocol(LanguageServerProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending_writes: set[asyncio.Future[Any]] = set()

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        super().set_writer(_RedactingWriter(writer), include_headers)

    def _send_response(
        self,
        msg_id: Any,
        result: Any | None = None,
        error: types.ResponseError | None = None,
    ) -> None:
        if error is not None or not isinstance(result, (*_PLAIN, Utf8Json)):
            super()._send_response(msg_id, result, error)
            return
        self._result_types.pop(msg_id, None)
        if isinstance(result, Utf8Json):
            body: bytes = result
        else:
            body = (result if isinstance(result, RawJson) else encode(result)).encode("utf-8")
        self._write_body(f'{{"jsonrpc":"2.0","id":{encode(msg_id)},"result":'.encode(), body)

    def _write_body(self, head: bytes, result: bytes) -> None:
        """Write the message `head + result + b"}"`, framed (one copy of a big `result`)."""
        if self.writer is None:
            log.error("cannot send a response: no transport")
            return
        header = (
            f"Content-Length: {len(head) + len(result) + 1}\r\n"
            f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        ).encode("ascii")
        res = self.writer.write(b"".join((header, head, result, b"}")))
        if inspect.isawaitable(res):  # TCP / websocket writers
            pending = asyncio.ensure_future(res)
            self._pending_writes.add(pending)
            pending.add_done_callback(self._pending_writes.discard)

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data and "jsonrpc" in data:
                method = str(data["method"])
                known = method in self.fm.features or method in self.fm.builtin_features
                if not known:
                    return _BadRequest(data["id"], method, JsonRpcMethodNotFound.of(method))
                msg = f"invalid params for {method}: {exc.__cause__ or exc.message}"
                return _BadRequest(data["id"], method, JsonRpcInvalidParams(msg))
            raise

    def _handle_response(
        self, msg_id: Any, result: Any | None = None, error: types.ResponseError | None = None
    ) -> None:
        future = self._request_futures.get(msg_id)
        if future is not None and future.done():  # its waiter was cancelled (e.g. at shutdown)
            del self._request_futures[msg_id]
            log.debug("dropping the late response to request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _BadRequest):
            log.warning("answering %s with InvalidParams", message.method)
            self._send_response(message.id, None, message.error.to_response_error())
            return
        super().handle_message(message)
