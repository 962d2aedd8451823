"""Registry subcommands: ``%mltrack register|promote|request|approve|reject|models|history``.

Each one calls one registry ``Client`` method and returns an object that renders as HTML (the
registry's renderers, shared with ``mltrack models`` and the widgets) and as plain text.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from IPython.core.error import UsageError

from jupyter_mltrack.magics.args import MagicArgumentParser
from jupyter_mltrack.magics.commands import Command
from jupyter_mltrack.magics.errors import usage_errors


@dataclass(frozen=True)
class Rendered:
    """What a registry subcommand shows: HTML in Jupyter, text elsewhere."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def _client() -> Any:
    from jupyter_mltrack.registry.client import Client

    return Client()


def _version_result(version: Any, verb: str) -> Rendered:
    from jupyter_mltrack.registry.reprs import model_version_html

    aliases = f" @{', @'.join(version.aliases)}" if version.aliases else ""
    return Rendered(
        model_version_html(version),
        f"{verb} {version.name!r} version {version.version} (stage {version.current_stage}{aliases})",
    )


def _request_result(request: Any) -> Rendered:
    from jupyter_mltrack.registry.reprs import requests_html

    return Rendered(
        requests_html([request]),
        f"request {request.request_id}: {request.name!r} version {request.version} -> {request.target} "
        f"[{request.status}]",
    )


# ------------------------------------------------------------------------------------- register
def register_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack register", description="Register a logged model as a new version.")
    p.add_argument(
        "source", metavar="RUN_ID_OR_URI", help="a run id (its 'model' artifact), runs:/..., models:/... or a path"
    )
    p.add_argument("name", metavar="NAME", help="the registered model's name (created if new)")
    p.add_argument("--path", default="model", metavar="P", help="the model's artifact path in the run (default: model)")
    return p


def register(_magics: Any, ns: argparse.Namespace) -> Rendered:
    source = ns.source
    if "/" not in source and ":" not in source:  # a bare run id (or prefix)
        from jupyter_mltrack.magics.commands.runs import resolve

        source = f"runs:/{resolve(source, '%mltrack register').info.run_id}/{ns.path}"
    with usage_errors("%mltrack register"):
        return _version_result(_client().register_model(source, ns.name), "registered")


# -------------------------------------------------------------------------------------- promote
def promote_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack promote", description="Move a version to a stage or point an alias at it.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--to", required=True, metavar="STAGE|@ALIAS", help="Staging, Production, Archived, None or @alias")
    p.add_argument("--archive-existing", action="store_true", help="archive the versions now in that stage")
    p.add_argument("--comment", default=None, metavar="C")
    return p


def promote(_magics: Any, ns: argparse.Namespace) -> Rendered:
    client = _client()
    with usage_errors("%mltrack promote"):
        if ns.to.startswith("@"):
            if ns.archive_existing:
                raise UsageError("%mltrack promote: --archive-existing applies to stages, not aliases.")
            client.set_registered_model_alias(ns.name, ns.to[1:], ns.version, comment=ns.comment)
            return _version_result(client.get_model_version(ns.name, ns.version), "promoted")
        version = client.transition_model_version_stage(
            ns.name, ns.version, ns.to, archive_existing_versions=ns.archive_existing, comment=ns.comment
        )
        return _version_result(version, "promoted")


# ------------------------------------------------------------------------- requests and decisions
def request_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack request", description="Ask for a promotion that needs approval.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("version", metavar="VERSION")
    p.add_argument("--to", required=True, metavar="STAGE|@ALIAS")
    p.add_argument("--comment", default=None, metavar="C")
    return p


def request(_magics: Any, ns: argparse.Namespace) -> Rendered:
    with usage_errors("%mltrack request"):
        return _request_result(_client().request_transition(ns.name, ns.version, ns.to, comment=ns.comment))


def decision_parser(verb: str) -> MagicArgumentParser:
    p = MagicArgumentParser(prog=f"%mltrack {verb}", description=f"{verb.capitalize()} a pending transition request.")
    p.add_argument("request_id", metavar="REQUEST_ID")
    p.add_argument("--comment", default=None, metavar="C")
    if verb == "approve":
        p.add_argument("--archive-existing", action="store_true", help="archive the versions now in that stage")
    return p


def approve(_magics: Any, ns: argparse.Namespace) -> Rendered:
    with usage_errors("%mltrack approve"):
        return _request_result(
            _client().approve_transition(
                ns.request_id, comment=ns.comment, archive_existing_versions=ns.archive_existing
            )
        )


def reject(_magics: Any, ns: argparse.Namespace) -> Rendered:
    with usage_errors("%mltrack reject"):
        return _request_result(_client().reject_transition(ns.request_id, comment=ns.comment))


# ------------------------------------------------------------------------------ models, history
def models_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack models", description="Registered models, or one model's versions.")
    p.add_argument("name", nargs="?", metavar="NAME", help="show this model's versions, stages, aliases and metrics")
    return p


def models(_magics: Any, ns: argparse.Namespace) -> Rendered:
    from jupyter_mltrack.registry import reprs

    client = _client()
    with usage_errors("%mltrack models"):
        if ns.name is None:
            found = list(client.search_registered_models(max_results=1000))
            text = "\n".join(f"{m.name}: {len(m.latest_versions)} stage(s), aliases {m.aliases}" for m in found)
            return Rendered(reprs.registered_models_html(found), text or "No registered models.")
        model, versions, metrics = reprs.model_overview(client, ns.name)
        lines = [f"{model.name}"] + [
            f"  v{v.version} [{v.current_stage}] {' '.join('@' + a for a in v.aliases)} {metrics.get(v.version, {})}"
            for v in versions
        ]
        return Rendered(reprs.registered_model_html(model, versions, metrics), "\n".join(lines))


def history_parser() -> MagicArgumentParser:
    p = MagicArgumentParser(prog="%mltrack history", description="Every change to a registered model (audit log).")
    p.add_argument("name", metavar="NAME")
    return p


def history(_magics: Any, ns: argparse.Namespace) -> Rendered:
    from jupyter_mltrack.registry.reprs import change_text, history_html

    with usage_errors("%mltrack history"):
        entries = _client().get_model_history(ns.name)
    text = "\n".join(
        f"{e.entry_id} {e.actor} {e.action} v{e.version or '-'} {e.target or ''} {change_text(e.before, e.after)}"
        for e in entries
    )
    return Rendered(history_html(entries), text)


COMMANDS = [
    Command("register", "register a run's model as a new version of a registered model", register_parser, register),
    Command("promote", "move a version to a stage or an @alias (policies apply)", promote_parser, promote),
    Command("request", "request a promotion that needs approval", request_parser, request),
    Command(
        "approve", "approve a pending request (the promotion happens)", lambda: decision_parser("approve"), approve
    ),
    Command("reject", "reject a pending request", lambda: decision_parser("reject"), reject),
    Command("models", "registered models, or one model's versions with their runs' metrics", models_parser, models),
    Command("history", "the audit history of a registered model", history_parser, history),
]
