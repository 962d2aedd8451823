"""One notebook code cell as script lines: magics translated, parameters fed, secrets removed.

Line magics and shell escapes become Python or a comment that says why they do not run
(``pass`` keeps a block valid when the line was its only statement). ``%time stmt`` and
``%%time``/``%%capture`` keep their code; other cell magics (``%%bash``, ``%%writefile``...) are
commented out whole. Literal assignments that are parameters read ``ARGS.<name>``; string
literals bound to secret-looking names read the environment instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from jupyter_mltrack.capture import sklearn_metrics
from jupyter_mltrack.export import edits, syntax, translate
from jupyter_mltrack.export.params import literal_assignments
from jupyter_mltrack.export.sanitize import Scrubber, is_secret_name, one_line

KEEP_BODY = frozenset({"time", "capture", "prun"})
_ENV_NAME = re.compile(r"[^A-Za-z0-9_]+")


@dataclass
class Names:
    """Names the generated code uses, chosen so that they never shadow the notebook's own."""

    mlt: str = "mlt"
    args: str = "ARGS"
    project_run: str = "PROJECT_RUN_ID"
    run: str = "tracked_run"
    nested_run: str = "nested_run"
    tracking: str = "tracking"
    uses: set[str] = field(default_factory=set)

    @classmethod
    def avoiding(cls, taken: set[str]) -> "Names":
        chosen = cls()
        for key in ("args", "project_run", "run", "nested_run", "tracking"):
            value = getattr(chosen, key)
            while value in taken:
                value += "_"
            setattr(chosen, key, value)
        if "mlt" in taken:
            chosen.mlt = "mltrack_api"
            while chosen.mlt in taken:
                chosen.mlt += "_"
        return chosen


@dataclass
class Converted:
    lines: list[str]
    python: str  # the Python the lines hold, for analysis (imports, bound names)


def comment(text: str, note: str, indent: str = "") -> str:
    """A commented-out line; inside a block it is a ``pass`` so the block stays valid."""
    head = f"{indent}pass  # " if indent else "# "
    return f"{head}{one_line(text)}  [{note}]"


def convert_body(body: str, names: Names, ctx: translate.LineContext) -> list[str]:
    """The body's lines with every special line translated."""
    lines = body.splitlines()
    out: list[str] = []
    specials = {s.line: s for s in syntax.find_specials(body)}
    index = 0
    while index < len(lines):
        special = specials.get(index)
        if special is None:
            out.append(lines[index])
            index += 1
            continue
        out.extend(_special(special, names, ctx))
        index += special.count
    return out


def _special(special: syntax.Special, names: Names, ctx: translate.LineContext) -> list[str]:
    indent = special.indent
    if special.kind == "!":
        return [comment("!" + special.text if not special.target else special.source, "shell command: not run", indent)]
    if special.kind == "?":
        return [comment(special.source, "help: not run", indent)]
    name, args = special.magic_name, special.magic_args
    if name == "mltrack":
        code, note = translate.mltrack_line(args, ctx)
        if not code:
            return [comment("%" + special.text, note, indent)]
        return [f"{indent}# %{one_line(special.text)}", *(indent + c for c in code)]
    if name == "time" and args.strip():
        prefix = f"{special.target} = " if special.target else ""
        return [f"{indent}{prefix}{args.strip()}  # %time: timing left out"]
    if name in ("env", "set_env"):
        key = re.split(r"[\s=]", args.strip(), maxsplit=1)[0] if args.strip() else ""
        shown = f"%{name} {key}=..." if key else f"%{name}"
        return [comment(shown, "set it in the environment instead", indent)]
    if name == "load_ext":
        return [comment("%" + special.text, "not needed outside Jupyter", indent)]
    return [comment(special.source if special.target else "%" + special.text, "IPython magic: not run", indent)]


def analysable(lines: list[str]) -> ast.Module | None:
    try:
        return ast.parse("\n".join(lines) + "\n")
    except (SyntaxError, ValueError):
        return None


def rewrite(
    lines: list[str],
    names: Names,
    parameters: set[str],
    scrub: Scrubber,
    observe: bool,
) -> list[str]:
    """Feed parameters from ARGS, read secret literals from the environment, route sklearn metrics."""
    source = "\n".join(lines) + "\n"
    tree = analysable(lines)
    if tree is None:
        return lines
    pos = edits.Positions(source)
    changes: list[edits.Edit] = []
    for _, target, value in literal_assignments(tree):
        if target in parameters:
            changes.append(pos.replace(value, f"{names.args}.{target}"))
    for target, value in _secret_literals(tree):
        scrub.add(str(value.value))
        names.uses.add("os")
        changes.append(pos.replace(value, f"os.environ[{_env_name(target)!r}]"))
    if observe:
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and _looks_like_metric(call.func):
                data = sklearn_metrics._data_name(call)
                changes.append(pos.insert_before(call.func, f"{names.tracking}.observe("))
                changes.append(pos.insert_after(call.func, f", {data!r})"))
    return edits.apply(source, changes).rstrip("\n").split("\n") if changes else lines


def _looks_like_metric(func: ast.expr) -> bool:
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    return name is not None and sklearn_metrics.looks_like_metric(name)


def _secret_literals(tree: ast.Module) -> list[tuple[str, ast.Constant]]:
    found: list[tuple[str, ast.Constant]] = []
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            pairs = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            pairs = [(node.target.id, node.value)]
        elif isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
        for name, value in pairs:
            literal = isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value
            if literal and is_secret_name(name):
                found.append((name, value))  # type: ignore[arg-type]
    return found


def _env_name(name: str) -> str:
    return _ENV_NAME.sub("_", name).upper()
