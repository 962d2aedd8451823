"""Names and text that go into generated files: safe names, one-line comments, no secrets.

A notebook's name can hold anything a file name can (quotes, ``$(...)``, newlines); a ``--name``
can hold ``../``. Both become slugs. Text copied into comments loses its line breaks, so it can
never end a comment and start code. Secrets never reach a generated file: the password part of
URIs (``user:***@``), secret-looking query values (``?token=...``), the values of this process's
environment variables whose names look secret (``*_TOKEN``, ``*PASSWORD*``, ``MLTRACK_TRACKING_URI``...)
and string literals the notebook assigns to secret-looking names (``api_key = "..."``).
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from typing import Iterable, Mapping

REDACTED = "<redacted>"
MAX_NAME = 80
MIN_SECRET = 6

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_URI_PASSWORD = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:/?#@\s'\"\\]*):(?P<password>[^@/?#\s'\"\\]*)@")
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&;](?:[A-Za-z0-9_.-]*(?:token|password|passwd|secret|signature|sig|key|credential|auth)"
    r"[A-Za-z0-9_.-]*)=)(?P<value>[^&#\s'\"\\]+)",
    re.IGNORECASE,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SECRET_WORDS = frozenset({"password", "passwd", "pwd", "secret", "token", "apikey", "credential", "credentials",
                           "auth", "passphrase"})
_SECRET_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
                           ("client", "secret"), ("session", "key")})
_SECRET_ENV = frozenset({"MLTRACK_TRACKING_URI", "DATABASE_URL", "MLFLOW_TRACKING_URI"})


def slug(text: str, fallback: str = "project") -> str:
    """A file and project name made of ``[A-Za-z0-9._-]``: no separators, no leading dot, no ``..``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = _UNSAFE.sub("-", ascii_text).strip("-._")
    cleaned = re.sub(r"([.-])[.-]+", r"\1", cleaned)[:MAX_NAME].strip("-._")
    return cleaned or fallback


def one_line(text: str) -> str:
    """Text safe inside a ``#`` comment or a YAML/Markdown line: no line breaks, no control characters."""
    parts = text.splitlines() or [""]
    joined = " ".join(p.strip() for p in parts)
    return "".join(c if c.isprintable() else " " for c in joined).strip()


def name_tokens(name: str) -> list[str]:
    return [t for t in _CAMEL.sub("_", name).lower().replace("-", "_").split("_") if t]


def is_secret_name(name: str) -> bool:
    """``api_key``, ``dbPassword``, ``GITHUB_TOKEN``: a value bound to this name is not written out."""
    tokens = name_tokens(name)
    if any(t in _SECRET_WORDS for t in tokens):
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(tokens))


def secret_env_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables that look secret (or are store URIs, which may hold passwords)."""
    env = os.environ if environ is None else environ
    found = []
    for key, value in env.items():
        if len(value) >= MIN_SECRET and (key in _SECRET_ENV or is_secret_name(key) or _URI_PASSWORD.search(value)):
            found.append(value)
    return found


class Scrubber:
    """Redacts secrets from every text written by an export."""

    def __init__(self, extra_secrets: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> None:
        secrets = {s for s in (*secret_env_values(environ), *extra_secrets) if len(s) >= MIN_SECRET}
        self.secrets = sorted(secrets, key=len, reverse=True)  # longest first: a secret inside another

    def add(self, secret: str) -> None:
        if len(secret) >= MIN_SECRET and secret not in self.secrets:
            self.secrets = sorted([*self.secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _URI_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)
        return _QUERY_SECRET.sub(lambda m: f"{m['key']}{REDACTED}", text)
