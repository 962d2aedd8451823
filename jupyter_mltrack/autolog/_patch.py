"""Safe patching: our code runs around the user's call and can never change what it does.

A patched function calls a *handler* that returns a *session* (a generator): the code before its
``yield`` runs before the user's call, the code after runs with the call's ``Outcome``. The
contract, for every patched function:

- the original runs exactly once, with the user's arguments; its return value and its exceptions
  (including ``KeyboardInterrupt``) reach the caller unchanged;
- any failure of ours is caught and reported as ONE ``AutologWarning`` (nothing when ``silent``),
  with the traceback in the ``jupyter_mltrack.autolog`` debug log;
- only the outermost patched call in the process logs: ``Pipeline.fit`` calling its steps' ``fit``,
  a search fitting candidates on joblib threads, ``score`` calling ``predict`` and a metric all
  pass straight through to the originals;
- ``PatchSet.revert`` puts back the exact objects that were there (identity, not equality).
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Generator

from jupyter_mltrack.autolog import _state

log = logging.getLogger("jupyter_mltrack.autolog")

_MISSING = object()
_MARK = "__mltrack_autolog__"


class AutologWarning(UserWarning):
    """Autolog could not record something; the user's call itself ran and returned normally."""


class StepFailure(Exception):
    """One optional step failed while the rest was logged: warned about under its own name
    (``what``, e.g. "profile the training data ...") with the underlying ``cause``."""

    def __init__(self, what: str, cause: BaseException) -> None:
        super().__init__(f"{what}: {cause}")
        self.what = what
        self.cause = cause


@dataclass
class Call:
    """One call of a patched function. A handler may replace ``kwargs`` with a new dict (never
    mutating the user's objects), e.g. to add an output-only ``evals_result`` collector."""

    original: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


Session = Generator[None, Outcome, None]
Handler = Callable[[Call], "Session | None"]


class _Guard:
    """Autologged calls in progress in this process (all threads): only depth 1 logs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0

    def enter(self) -> bool:
        with self._lock:
            self._depth += 1
            return self._depth == 1

    def exit(self) -> None:
        with self._lock:
            self._depth -= 1


_guard = _Guard()


def warn(framework: str, what: str, exc: BaseException, stacklevel: int = 2) -> None:
    """Report one failure of ours (never raises)."""
    log.debug("autolog (%s): %s failed", framework, what, exc_info=exc)
    if _state.silent(framework):
        return
    message = (
        f"jupyter_mltrack autolog ({framework}) could not {what}: {type(exc).__name__}: {exc}. "
        "Your call ran and returned normally; see the 'jupyter_mltrack.autolog' debug log for details."
    )
    warnings.warn(AutologWarning(message), stacklevel=stacklevel + 1)


def _advance(session: Session, outcome: Outcome | None) -> BaseException | None:
    """Run our code up to the next yield (or the end); return what it raised, if anything."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. UndefinedMetricWarning from OUR metric calls
            if outcome is None:
                next(session)
            else:
                session.send(outcome)
    except StopIteration:
        return None
    except Exception as exc:
        return exc
    return None


def _close(session: Session) -> None:
    try:
        session.close()  # runs the session's ``finally`` blocks (e.g. ending a run it opened)
    except Exception as exc:
        log.debug("autolog: closing a failed session raised", exc_info=exc)


def _logged_call(framework: str, handler: Handler, what: str, call: Call) -> Any:
    __tracebackhide__ = True
    user_args, user_kwargs = call.args, dict(call.kwargs)
    session: Session | None = None
    try:
        session = handler(call)
        failure = _advance(session, None) if session is not None else None
    except Exception as exc:
        failure = exc
    if failure is not None:
        if session is not None:
            _close(session)
        session = None
        call.args, call.kwargs = user_args, user_kwargs  # untouched arguments for an unlogged call
        warn(framework, f"set up logging for {what}", failure, stacklevel=3)
    try:
        result = call.original(*call.args, **call.kwargs)
    except BaseException as error:
        if session is not None and (failure := _advance(session, Outcome(error=error))) is not None:
            warn(framework, f"record the failed {what}", failure, stacklevel=3)
        raise
    if session is not None and (failure := _advance(session, Outcome(result=result))) is not None:
        if isinstance(failure, StepFailure):
            warn(framework, failure.what, failure.cause, stacklevel=3)
        else:
            warn(framework, f"log {what}", failure, stacklevel=3)
    return result


def safe_wrapper(framework: str, original: Callable[..., Any], handler: Handler) -> Callable[..., Any]:
    """``original`` wrapped so ``handler`` sees its outermost calls while ``framework`` is on."""
    what = getattr(original, "__qualname__", getattr(original, "__name__", "call"))

    @functools.wraps(original)
    def patched(*args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        outermost = _guard.enter()
        try:
            if not outermost or not _state.enabled(framework):
                return original(*args, **kwargs)
            return _logged_call(framework, handler, what, Call(original, args, kwargs))
        finally:
            _guard.exit()

    setattr(patched, _MARK, framework)
    return patched


def is_patched(value: Any) -> bool:
    return hasattr(value, _MARK) or hasattr(getattr(value, "fn", None), _MARK)


@dataclass
class PatchSet:
    """What one framework replaced, with how to put each original object back."""

    framework: str
    _undo: list[Callable[[], None]] = field(default_factory=list)
    _seen: set[tuple[int, str]] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self._undo)

    def wrap(self, owner: Any, name: str, handler: Handler) -> bool:
        """Patch ``owner.name`` (a module function or a class method) with ``handler``."""
        key = (id(owner), name)
        if key in self._seen:
            return False
        raw = inspect.getattr_static(owner, name, _MISSING)
        if raw is _MISSING or is_patched(raw):
            return False
        if inspect.isfunction(raw):
            replacement: Any = safe_wrapper(self.framework, raw, handler)
        elif inspect.isfunction(getattr(raw, "fn", None)) and callable(getattr(raw, "check", None)):
            # scikit-learn's ``available_if`` descriptor: keep it (``hasattr`` duck typing relies on
            # it) and give this class its own copy whose ``fn`` is wrapped.
            replacement = copy.copy(raw)
            replacement.fn = safe_wrapper(self.framework, raw.fn, handler)
        else:
            return False  # properties, builtins, classmethods: nothing we need to patch
        before = vars(owner).get(name, _MISSING)
        self._undo.append(functools.partial(_restore, owner, name, before))
        self._seen.add(key)
        setattr(owner, name, replacement)
        return True

    def wrap_inner(self, function: Any, freevar: str, handler: Handler) -> bool:
        """Patch the function a decorator's closure calls (``freevar`` of ``function``), so every
        reference to ``function`` goes through us, even names bound before autolog was on
        (``from sklearn.metrics import f1_score``), while ``function`` itself stays the same object."""
        code = getattr(function, "__code__", None)
        if code is None or freevar not in code.co_freevars or (id(function), freevar) in self._seen:
            return False
        cell = function.__closure__[code.co_freevars.index(freevar)]
        inner = cell.cell_contents
        if not inspect.isfunction(inner) or is_patched(inner):
            return False
        self._undo.append(functools.partial(setattr, cell, "cell_contents", inner))
        self._seen.add((id(function), freevar))
        cell.cell_contents = safe_wrapper(self.framework, inner, handler)
        return True

    def revert(self) -> None:
        """Put back every original object (``is``-identical), newest patch first."""
        while self._undo:
            self._undo.pop()()
        self._seen.clear()


def _restore(owner: Any, name: str, before: Any) -> None:
    if before is _MISSING:
        try:
            delattr(owner, name)
        except AttributeError:
            pass
    else:
        setattr(owner, name, before)
