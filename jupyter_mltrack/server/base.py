"""The one base class of every REST handler: authentication, the error contract, off-loop calls.

Errors are translated here and nowhere else: a :class:`MltrackError` becomes its ``http_status``
with ``{"error_code", "message"}``; tornado's HTTP errors (403 without login, XSRF, 405) get the same
JSON shape; anything else is a 500 whose body names a request id and whose traceback goes to the
server log only. Messages are scrubbed of the tracking database's password.

Service calls block (SQL, files), so they run on the extension's thread pool, inside
``acting_as(<Jupyter user>)`` so the registry's audit log records who made each change.
"""

from __future__ import annotations

import logging
import sys
import uuid
from concurrent.futures import Executor
from dataclasses import dataclass
from http.client import responses
from typing import Any, Callable, TypeVar

from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop
from tornado.web import Finish, HTTPError

from jupyter_mltrack.errors import InvalidParameterError, MltrackError
from jupyter_mltrack.registry.actor import acting_as
from jupyter_mltrack.registry.client import Client
from jupyter_mltrack.server import jsonio

T = TypeVar("T")

#: Key of the :class:`ServerState` in the tornado application settings.
STATE_KEY = "mltrack_state"

_HTTP_ERROR_CODES = {
    400: "INVALID_PARAMETER_VALUE",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "TEMPORARILY_UNAVAILABLE",
}
_NOT_LOGGED_IN = (
    "This request needs a logged-in Jupyter user: send the server's token "
    "(header 'Authorization: token <token>') or the login cookie."
)


@dataclass(frozen=True)
class ServerState:
    """What the extension app hands its handlers: the store, the worker threads, what to hide."""

    tracking_uri: str
    executor: Executor
    secrets: tuple[str, ...] = ()


def scrub(message: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


class MltrackAPIHandler(APIHandler):
    """Base of every ``/mltrack/api`` handler (subclasses decorate each verb with
    ``@web.authenticated`` and ``@authorized``)."""

    auth_resource = "mltrack"
    _request_id: str | None = None

    @property
    def state(self) -> ServerState:
        state: ServerState = self.settings[STATE_KEY]
        return state

    @property
    def user_name(self) -> str:
        """The authenticated Jupyter user (JupyterHub's user name behind a hub)."""
        user = self.current_user
        return str(getattr(user, "username", None) or user)

    async def run(self, work: Callable[[], T]) -> T:
        """Run ``work`` on a worker thread as this user (the audit log's actor)."""
        user = self.user_name

        def as_user() -> T:
            with acting_as(user):
                return work()

        return await IOLoop.current().run_in_executor(self.state.executor, as_user)

    async def call(self, work: Callable[[Client], T]) -> T:
        """Run ``work`` with a client of the configured store, on a worker thread, as this user."""
        uri = self.state.tracking_uri
        return await self.run(lambda: work(Client(uri)))

    # ---------------------------------------------------------------------- request parsing
    def body(self, *allowed: str) -> jsonio.Body:
        content_type = self.request.headers.get("Content-Type")
        return jsonio.Body(jsonio.parse_body(content_type, self.request.body), frozenset(allowed))

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.get_query_argument(name, default)

    def query_list(self, name: str) -> list[str]:
        return self.get_query_arguments(name)

    def query_int(self, name: str, default: int, minimum: int = 1, maximum: int = 1_000_000) -> int:
        raw = self.get_query_argument(name, None)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if not minimum <= value <= maximum:
            raise InvalidParameterError(f"Query parameter {name!r} must be an integer from {minimum} to {maximum}.")
        return value

    def required_query(self, name: str) -> str:
        value = self.get_query_argument(name, None)
        if not value:
            raise InvalidParameterError(f"Query parameter {name!r} is required.")
        return value

    def send_json(self, value: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(jsonio.dumps(value))

    # ------------------------------------------------------------------------ the error contract
    def _handle_request_exception(self, e: BaseException) -> None:
        if self._finished or isinstance(e, (HTTPError, Finish)):
            super()._handle_request_exception(e)
            return
        exc_info = sys.exc_info()
        where = f"{self.request.method} {self.request.path}"
        if isinstance(e, MltrackError):
            level = logging.WARNING if e.http_status >= 500 else logging.INFO
            self.log.log(level, "mltrack %s: %s %s", where, e.error_code, scrub(e.message, self.state.secrets))
            self.send_error(e.http_status, exc_info=exc_info)
            return
        self._request_id = uuid.uuid4().hex[:12]
        self.log.error("mltrack request %s failed: %s", self._request_id, where, exc_info=exc_info)
        self.send_error(500, exc_info=exc_info)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, MltrackError):
            code, message = exc.error_code, exc.message
        elif isinstance(exc, HTTPError):
            code = _HTTP_ERROR_CODES.get(status_code, "INTERNAL_ERROR" if status_code >= 500 else "BAD_REQUEST")
            logged_in = getattr(self, "_jupyter_current_user", None) is not None
            message = _http_error_message(exc, status_code) if logged_in or status_code != 403 else _NOT_LOGGED_IN
        else:
            request_id = self._request_id or uuid.uuid4().hex[:12]
            code = "INTERNAL_ERROR"
            message = f"Internal error in jupyter_mltrack; see the server log (request id {request_id})."
        secrets = self.state.secrets if STATE_KEY in self.settings else ()
        self.finish(jsonio.dumps({"error_code": code, "message": scrub(message, secrets)}))


def _http_error_message(exc: HTTPError, status_code: int) -> str:
    if exc.log_message:
        try:
            return exc.log_message % exc.args if exc.args else exc.log_message
        except (TypeError, ValueError):
            return exc.log_message
    if status_code == 403:
        return _NOT_LOGGED_IN
    return exc.reason or responses.get(status_code, "HTTP error")
