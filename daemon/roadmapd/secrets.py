"""The one place that knows what a secret is and how it is kept out of text.

A secret is the value of the API key variables, of any variable whose name looks like a
credential (`*TOKEN*`, `*SECRET*`, `*_KEY`, `*PASSWORD*`, `*_PAT`, a URL with a password...), and
of every variable the user marks secret (`secret_env`). `redact` replaces each such value (8
characters or more: shorter ones would redact ordinary words) by `[redacted]`. Everything sent to
the model, every log line, event, state file, transcript, diagnostic and CLI line goes through it.
A model client adds its own key (`secrets_with_key`); a request log hides the headers that carry
credentials (`redact_headers`). The children we start never see these values at all: see
`containment.env` (an allowlist).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

API_KEY_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
SECRET_ENV_VARS = API_KEY_VARS  # kept for callers that only mean the key
REDACTED = "[redacted]"
MIN_SECRET_LEN = 8

_SECRET_NAME = re.compile(
    r"API_?KEY|_KEY$|^KEY$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|ACCESS_KEY|"
    r"PRIVATE|_PAT$|^PAT$|_SESSION$|COOKIE|(^|_)AUTH(_|$)|DSN$|DATABASE_URL",
    re.IGNORECASE,
)
CREDENTIAL_HEADERS = frozenset({"x-api-key", "authorization"})
_URL_PASSWORD = re.compile(r"://[^/\s:@]+:([^/\s@]+)@")
_marked: set[str] = set()  # names a configuration of this process marked secret


def mark_secret(names: Iterable[str]) -> None:
    """Treat these variables as secret in this process from now on (`secret_env`)."""
    _marked.update(names)


def is_secret_name(name: str) -> bool:
    """Whether a variable of this name is treated as a credential."""
    return bool(_SECRET_NAME.search(name))


def secret_values(
    env: Mapping[str, str] | None = None, *, marked: Iterable[str] = ()
) -> tuple[str, ...]:
    """The values to redact: credentials by name, user-marked names, passwords inside URLs."""
    source = os.environ if env is None else env
    names = set(marked) | _marked
    found: set[str] = set()
    for name, value in source.items():
        if name in names or is_secret_name(name):
            found.add(value)
        for match in _URL_PASSWORD.finditer(value):
            found.add(match.group(1))
    # longest first, so a secret that contains another is replaced whole
    return tuple(sorted((v for v in found if len(v) >= MIN_SECRET_LEN), key=len, reverse=True))


def secrets_with_key(api_key: str | None, marked: Iterable[str] = ()) -> tuple[str, ...]:
    """What a model client redacts: its own API key (if long enough to be one) and
    `secret_values(marked=...)`, the key first."""
    own = (api_key,) if api_key and len(api_key) >= MIN_SECRET_LEN else ()
    return (*own, *secret_values(marked=marked))


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret value replaced by `[redacted]`."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """HTTP headers by lower-case name, the credentials' values (`x-api-key`, `authorization`)
    replaced by `[redacted]`."""
    return {
        name.lower(): REDACTED if name.lower() in CREDENTIAL_HEADERS else value
        for name, value in headers
    }


class RedactingStream:
    """A text stream whose every write goes through `redact`: the CLI's stdout and stderr, so
    no line the terminal (or a CI log) shows can carry a secret, whoever printed it."""

    def __init__(self, stream: TextIO, secrets: Iterable[str]) -> None:
        self._stream = stream
        self._secrets = tuple(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        known = set(self._secrets) | set(secrets)
        self._secrets = tuple(sorted(known, key=len, reverse=True))

    def write(self, text: str) -> int:
        self._stream.write(redact(text, self._secrets))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def protect_stdio(
    marked: Iterable[str] = (), *, streams: tuple[str, ...] = ("stdout", "stderr")
) -> None:
    """Route sys.stdout and sys.stderr through `redact` (the CLI; the language server only its
    stderr log, never the LSP channel). Called again with the names a configuration marks
    secret, it adds their values."""
    values = secret_values(marked=marked)
    for name in streams:
        stream = getattr(sys, name)
        if isinstance(stream, RedactingStream):
            stream.add(values)
        elif values:
            setattr(sys, name, RedactingStream(stream, values))
