"""Who is acting, for the audit log: the OS user by default; the Jupyter server sets the
authenticated user for the duration of a request with :func:`acting_as`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_actor: ContextVar[str | None] = ContextVar("mltrack_actor", default=None)


def current_actor() -> str:
    actor = _actor.get()
    if actor:
        return actor
    from jupyter_mltrack.tracking.context import current_user

    return current_user()


@contextmanager
def acting_as(user: str) -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)
