"""Table-driven tests for the run-search filter grammar (MLflow's, plus OR and parentheses).

Each valid case asserts the exact AST (kinds, canonical keys, normalised operators, typed values,
positions); each invalid case asserts where the error points and what it says, because that is
what a user sees when a filter is wrong.
"""

from __future__ import annotations

import pytest

from jupyter_mltrack.errors import FilterSyntaxError, InvalidParameterError
from jupyter_mltrack.store.sql.search_grammar import (
    NUMERIC_ATTRIBUTES,
    STRING_ATTRIBUTES,
    And,
    Comparison,
    Node,
    Or,
    OrderBy,
    parse_filter,
    parse_order_by,
)

C = Comparison


def _m(key: str, pos: int) -> Comparison:
    """``metrics.<key> > 1`` at ``pos``: a compact leaf for the boolean-structure cases."""
    return C("metric", key, ">", 1.0, pos)


# Boolean-structure texts use one-letter metrics "metrics.X > 1" (13 characters each).
A, B, D, E = "metrics.a > 1", "metrics.b > 1", "metrics.d > 1", "metrics.e > 1"

VALID: list[tuple[str, Node]] = [
    # --- metrics: every prefix spelling, every numeric operator, number formats
    ("metric.acc = 1", C("metric", "acc", "=", 1.0, 0)),
    ("metrics.acc != 1", C("metric", "acc", "!=", 1.0, 0)),
    ("METRICS.acc <> 1", C("metric", "acc", "!=", 1.0, 0)),
    ("metrics.acc > 0.9", C("metric", "acc", ">", 0.9, 0)),
    ("metrics.acc >= -1.5", C("metric", "acc", ">=", -1.5, 0)),
    ("metrics.acc < 1e-3", C("metric", "acc", "<", 0.001, 0)),
    ("metrics.acc <= 2.5E+2", C("metric", "acc", "<=", 250.0, 0)),
    ("metrics.acc>-.5", C("metric", "acc", ">", -0.5, 0)),
    ("metrics.acc = 3.", C("metric", "acc", "=", 3.0, 0)),
    ("metrics.acc IN (1, 2.5, -3)", C("metric", "acc", "IN", (1.0, 2.5, -3.0), 0)),
    ("metrics.acc not in (0)", C("metric", "acc", "NOT IN", (0.0,), 0)),
    ("metrics.acc IS NULL", C("metric", "acc", "IS NULL", None, 0)),
    ("metrics.acc is not null", C("metric", "acc", "IS NOT NULL", None, 0)),
    ("metrics.val/loss < 0.2", C("metric", "val/loss", "<", 0.2, 0)),
    ("metrics.f1-score >= 0.5", C("metric", "f1-score", ">=", 0.5, 0)),
    ("metrics.step:3.x_y = 7", C("metric", "step:3.x_y", "=", 7.0, 0)),
    ("metrics.`my key` > 1", C("metric", "my key", ">", 1.0, 0)),
    ('metrics."my key" > 1', C("metric", "my key", ">", 1.0, 0)),
    ("metrics.`a``b` = 1", C("metric", "a`b", "=", 1.0, 0)),
    ("metrics.Acc = 1", C("metric", "Acc", "=", 1.0, 0)),
    ("   metrics.acc > 1   ", C("metric", "acc", ">", 1.0, 3)),
    # --- params: every prefix spelling, every string operator, quoting and escaping
    ("param.model = 'rf'", C("param", "model", "=", "rf", 0)),
    ("params.model != 'rf'", C("param", "model", "!=", "rf", 0)),
    ("params.model <> 'rf'", C("param", "model", "!=", "rf", 0)),
    ("parameter.model LIKE 'r%'", C("param", "model", "LIKE", "r%", 0)),
    ("parameters.model ILIKE '%F'", C("param", "model", "ILIKE", "%F", 0)),
    ("params.model IN ('rf', 'xgb')", C("param", "model", "IN", ("rf", "xgb"), 0)),
    ("params.model NOT IN ('rf')", C("param", "model", "NOT IN", ("rf",), 0)),
    ("params.model IS NULL", C("param", "model", "IS NULL", None, 0)),
    ("params.model IS NOT NULL", C("param", "model", "IS NOT NULL", None, 0)),
    ('params.model = "rf"', C("param", "model", "=", "rf", 0)),
    ("params.note = 'it''s'", C("param", "note", "=", "it's", 0)),
    ('params.note = "say ""hi"""', C("param", "note", "=", 'say "hi"', 0)),
    ("params.note = 'say \"hi\"'", C("param", "note", "=", 'say "hi"', 0)),
    ("params.note = 'a and b or c'", C("param", "note", "=", "a and b or c", 0)),
    ("params.lr = '0.1'", C("param", "lr", "=", "0.1", 0)),
    ("Params.model = ''", C("param", "model", "=", "", 0)),
    ("params.`and` = 'x'", C("param", "and", "=", "x", 0)),
    ("params.\"my key\" like '%'", C("param", "my key", "LIKE", "%", 0)),
    ("params.m in ('a','b' , \"c\")", C("param", "m", "IN", ("a", "b", "c"), 0)),
    # --- tags
    ("tag.team = 'ml'", C("tag", "team", "=", "ml", 0)),
    ("tags.mlflow.source.type = 'NOTEBOOK'", C("tag", "mlflow.source.type", "=", "NOTEBOOK", 0)),
    ("tags.owner != 'x'", C("tag", "owner", "!=", "x", 0)),
    ("tags.owner like 'a%'", C("tag", "owner", "LIKE", "a%", 0)),
    ("tags.owner ilike 'A%'", C("tag", "owner", "ILIKE", "A%", 0)),
    ("tags.owner in ('a','b','c')", C("tag", "owner", "IN", ("a", "b", "c"), 0)),
    ("tags.owner not in ('a')", C("tag", "owner", "NOT IN", ("a",), 0)),
    ("tags.owner is null", C("tag", "owner", "IS NULL", None, 0)),
    ("TAGS.owner IS NOT NULL", C("tag", "owner", "IS NOT NULL", None, 0)),
    # --- attributes: every prefix spelling, aliases, status normalisation
    ("attributes.run_id = 'abc'", C("attribute", "run_id", "=", "abc", 0)),
    ("attribute.run_name = 'x'", C("attribute", "run_name", "=", "x", 0)),
    ("attr.status = 'running'", C("attribute", "status", "=", "RUNNING", 0)),
    (
        "run.status IN ('finished', 'Failed')",
        C("attribute", "status", "IN", ("FINISHED", "FAILED"), 0),
    ),
    ("attributes.status != 'KILLED'", C("attribute", "status", "!=", "KILLED", 0)),
    (
        "attributes.status NOT IN ('scheduled')",
        C("attribute", "status", "NOT IN", ("SCHEDULED",), 0),
    ),
    ("attributes.status LIKE 'run%'", C("attribute", "status", "LIKE", "RUN%", 0)),
    ("attributes.status IS NULL", C("attribute", "status", "IS NULL", None, 0)),
    ("attributes.created > 1700000000000", C("attribute", "start_time", ">", 1.7e12, 0)),
    ("attributes.Created >= 5", C("attribute", "start_time", ">=", 5.0, 0)),
    ("attributes.run_uuid = 'abc'", C("attribute", "run_id", "=", "abc", 0)),
    ("attributes.name = 'best'", C("attribute", "run_name", "=", "best", 0)),
    ("run.name != 'best'", C("attribute", "run_name", "!=", "best", 0)),
    ("attributes.RUN_NAME = 'x'", C("attribute", "run_name", "=", "x", 0)),
    ("attributes.`run_name` = 'x'", C("attribute", "run_name", "=", "x", 0)),
    ("attributes.start_time <= 3", C("attribute", "start_time", "<=", 3.0, 0)),
    ("attributes.end_time IS NULL", C("attribute", "end_time", "IS NULL", None, 0)),
    ("attributes.end_time IN (1, 2)", C("attribute", "end_time", "IN", (1.0, 2.0), 0)),
    ("attributes.end_time <> 2", C("attribute", "end_time", "!=", 2.0, 0)),
    ("attributes.artifact_uri LIKE 'file:%'", C("attribute", "artifact_uri", "LIKE", "file:%", 0)),
    ("attributes.user_id = 'me'", C("attribute", "user_id", "=", "me", 0)),
    (
        "attributes.notebook_path ILIKE '%.ipynb'",
        C("attribute", "notebook_path", "ILIKE", "%.ipynb", 0),
    ),
    ("attributes.cell_id = 'c1'", C("attribute", "cell_id", "=", "c1", 0)),
    (
        "attributes.parent_run_id IS NOT NULL",
        C("attribute", "parent_run_id", "IS NOT NULL", None, 0),
    ),
    (
        "attributes.experiment_id IN ('0', '1')",
        C("attribute", "experiment_id", "IN", ("0", "1"), 0),
    ),
    ("attributes.lifecycle_stage = 'active'", C("attribute", "lifecycle_stage", "=", "active", 0)),
    # --- datasets
    ("dataset.name = 'iris'", C("dataset", "name", "=", "iris", 0)),
    ("datasets.digest IN ('abc', 'def')", C("dataset", "digest", "IN", ("abc", "def"), 0)),
    ("datasets.context LIKE 'train%'", C("dataset", "context", "LIKE", "train%", 0)),
    ("datasets.context not in ('eval')", C("dataset", "context", "NOT IN", ("eval",), 0)),
    ("datasets.name IS NOT NULL", C("dataset", "name", "IS NOT NULL", None, 0)),
    ("DATASETS.Name != 'x'", C("dataset", "name", "!=", "x", 0)),
    # --- boolean structure: AND binds tighter than OR, parentheses group, same types flatten
    (
        "metrics.acc > 0.9 and params.model = 'rf'",
        And((C("metric", "acc", ">", 0.9, 0), C("param", "model", "=", "rf", 22))),
    ),
    (f"{A} AND {B} AND {D}", And((_m("a", 0), _m("b", 18), _m("d", 36)))),
    (f"{A} OR {B}", Or((_m("a", 0), _m("b", 17)))),
    (f"{A} AND {B} OR {D}", Or((And((_m("a", 0), _m("b", 18))), _m("d", 35)))),
    (f"{A} OR {B} AND {D}", Or((_m("a", 0), And((_m("b", 17), _m("d", 35)))))),
    (f"({A} OR {B}) AND {D}", And((Or((_m("a", 1), _m("b", 18))), _m("d", 37)))),
    (f"{A} AND ({B} OR {D})", And((_m("a", 0), Or((_m("b", 19), _m("d", 36)))))),
    (f"(({A}))", _m("a", 2)),
    (f"({A} AND {B}) AND {D}", And((_m("a", 1), _m("b", 19), _m("d", 38)))),
    (f"{A} OR ({B} OR {D})", Or((_m("a", 0), _m("b", 18), _m("d", 35)))),
    (
        f"({A} OR {B}) OR ({D} AND {E})",
        Or((_m("a", 1), _m("b", 18), And((_m("d", 37), _m("e", 55))))),
    ),
    (
        f"(({A} OR {B}) AND ({D} OR {E})) OR {A}",
        Or(
            (
                And((Or((_m("a", 2), _m("b", 19))), Or((_m("d", 39), _m("e", 56))))),
                _m("a", 75),
            )
        ),
    ),
    (f"{A} aNd {B} Or {D}", Or((And((_m("a", 0), _m("b", 18))), _m("d", 35)))),
    (
        "metrics.a>1 AND(params.b='x')",
        And((C("metric", "a", ">", 1.0, 0), C("param", "b", "=", "x", 16))),
    ),
    (
        "params.a='x'and params.b='y'or tags.c='z'",
        Or(
            (
                And((C("param", "a", "=", "x", 0), C("param", "b", "=", "y", 16))),
                C("tag", "c", "=", "z", 31),
            )
        ),
    ),
    ("params.`x and y` = 'a or b'", C("param", "x and y", "=", "a or b", 0)),
    (
        "params.m IN ('a') AND metrics.n NOT IN (1) OR tags.t IS NULL",
        Or(
            (
                And((C("param", "m", "IN", ("a",), 0), C("metric", "n", "NOT IN", (1.0,), 22))),
                C("tag", "t", "IS NULL", None, 46),
            )
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_valid_filter_parses_to_exact_ast(text: str, expected: Node) -> None:
    assert parse_filter(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_empty_filter_means_no_filter(text: str | None) -> None:
    assert parse_filter(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("metrics.acc = 1", 1.0),
        ("attributes.created > 17", 17.0),
        ("metrics.acc IN (1, 2)", (1.0, 2.0)),
    ],
)
def test_numbers_are_floats_never_ints(text: str, expected: float | tuple[float, ...]) -> None:
    node = parse_filter(text)
    assert isinstance(node, Comparison)
    assert node.value == expected
    values = node.value if isinstance(node.value, tuple) else (node.value,)
    assert all(type(v) is float for v in values)


INVALID: list[tuple[str, int, str]] = [
    # --- identifiers
    ("foo = 1", 0, "'foo' has no prefix; write metrics.<key>, params.<key>"),
    ("run_id = 'x'", 0, "did you mean attributes.run_id?"),
    ("bogus.x = 1", 0, "unknown prefix 'bogus'"),
    ("attributes.foo = 'x'", 0, "unknown attribute 'foo'; use one of run_id, run_name, status"),
    ("datasets.schema = 'x'", 0, "unknown dataset field 'schema'; use datasets.name"),
    ("metrics. = 1", 0, "missing key after 'metrics.'"),
    ("metrics.`` = 1", 0, "missing key after 'metrics.'"),
    ("`params.x` = 'a'", 0, "backticks quote keys only"),
    (
        "'params.x' = 'a'",
        0,
        "expected a condition like metrics.acc > 0.9, got the string 'params.x'",
    ),
    ("metrics.`my key = 1", 8, "unterminated quoted key"),
    # --- operators, and operators that do not fit the field's type
    ("metrics.acc", 11, "expected an operator after metrics.acc"),
    ("metrics.acc 1", 12, "expected an operator after metrics.acc"),
    ("metrics.acc == 1", 12, "'==' is not an operator; use '='"),
    ("metrics.acc ! 1", 12, "unexpected character '!'"),
    (
        "params.model > 'a'",
        13,
        ("params are strings: compare them with = != LIKE ILIKE IN NOT IN IS NULL IS NOT NULL, not '>'"),
    ),
    ("tags.t <= 'a'", 7, "tags are strings: compare them with"),
    ("attributes.run_name >= 'a'", 20, "attributes.run_name is a string: compare it with"),
    ("datasets.name < 'a'", 14, "datasets.name is a string"),
    (
        "metrics.acc LIKE '%a'",
        12,
        ("metrics are numbers: compare them with = != > >= < <= IN NOT IN IS NULL IS NOT NULL, not 'LIKE'"),
    ),
    ("attributes.start_time ILIKE 'x'", 22, "attributes.start_time is a number"),
    ("params.m NOT LIKE 'a'", 13, "NOT must be followed by IN"),
    ("params.m IS 'a'", 12, "expected NULL or NOT NULL after IS"),
    ("params.m IS NOT 'a'", 16, "expected NULL after IS NOT"),
    # --- string values
    ("params.model = rf", 15, "quote the value: params.model = 'rf'"),
    ("params.model LIKE rf", 18, "quote the value: params.model LIKE 'rf'"),
    ("params.lr = 0.1", 12, "quote the value: params.lr = '0.1'"),
    ("params.x = NULL", 11, "use params.x IS NULL"),
    ("params.model LIKE", 17, "expected a quoted string after LIKE"),
    ("params.model = 'rf", 15, "unterminated string"),
    ('params.model = "rf', 15, "unterminated string"),
    ("params.model = 'it''s", 15, "unterminated string"),
    (
        "attributes.status = 'DONE'",
        20,
        "unknown run status 'DONE'; use one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED",
    ),
    ("attributes.status IN ('RUNNING', 'nope')", 33, "unknown run status 'nope'"),
    # --- numeric values
    ("metrics.acc > nan", 14, "nan is not allowed"),
    ("metrics.acc > Infinity", 14, "Infinity is not allowed"),
    ("metrics.acc > '0.9'", 14, "metrics are numbers: remove the quotes around '0.9'"),
    (
        "metrics.acc > 'high'",
        14,
        "metrics are numbers: expected a number after >, got the string 'high'",
    ),
    ("attributes.created = 'x'", 21, "attributes.start_time is a number"),
    ("metrics.acc > 1.2.3", 14, "malformed number '1.2.3'"),
    ("metrics.acc > 1e", 14, "malformed number '1e'"),
    ("metrics.acc > 1e999", 14, "out of range"),
    ("metrics.acc > -x", 14, "unexpected character '-'"),
    ("metrics.acc >", 13, "expected a number after >, got end of text"),
    # --- IN lists
    ("params.m IN ()", 12, "empty IN list"),
    ("params.m NOT IN ()", 16, "empty NOT IN list"),
    ("params.m IN 'a'", 12, "expected '(' after IN"),
    ("params.m IN ('a' 'b')", 17, "expected ',' or ')' in the IN list"),
    ("params.m IN ('a',)", 17, "expected a quoted string in the IN list, got ')'"),
    ("params.m IN ('a',", 17, "expected a quoted string in the IN list, got end of text"),
    ("params.m IN ('a'", 12, "unbalanced parenthesis: the IN list is never closed"),
    ("params.m IN (a)", 13, "quote the value: 'a'"),
    ("metrics.m IN ('a')", 14, "expected a number in the IN list"),
    # --- boolean structure and parentheses
    ("metrics.acc > 1 AND", 16, "dangling AND"),
    ("metrics.acc > 1 or  ", 16, "dangling OR"),
    ("AND metrics.acc > 1", 0, "expected a condition like metrics.acc > 0.9, got 'AND'"),
    ("NOT metrics.acc > 1", 0, "expected a condition"),
    ("metrics.a > 1 AND AND metrics.b > 1", 18, "expected a condition"),
    ("metrics.a > 1 AND ) ", 18, "expected a condition like metrics.acc > 0.9, got ')'"),
    ("metrics.a > 1 metrics.b > 2", 14, "expected AND or OR between conditions, got 'metrics.b'"),
    ("metrics.a > 1 'x'", 14, "expected AND or OR"),
    ("metrics.a > 1)", 13, "unbalanced parenthesis: this ')' has no matching '('"),
    ("(metrics.a > 1", 0, "unbalanced parenthesis: this '(' is never closed"),
    ("params.m = 'a' OR (tags.t = 'b'", 18, "unbalanced parenthesis"),
    ("((metrics.a > 1)", 0, "unbalanced parenthesis"),
    ("(", 0, "unbalanced parenthesis"),
    ("()", 0, "empty parentheses"),
    ("metrics.a > 1 AND ()", 18, "empty parentheses"),
    ("(metrics.a > 1 metrics.b > 2)", 15, "expected AND, OR or ')'"),
    ("params.x = 'a' ; drop table runs", 15, "unexpected character ';'"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), INVALID, ids=[t for t, _, _ in INVALID])
def test_invalid_filter_points_at_the_offending_token(text: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_filter(text)
    assert info.value.position == position
    assert fragment in info.value.reason
    assert info.value.text == text


def test_error_is_an_invalid_parameter_with_a_caret_under_the_token() -> None:
    with pytest.raises(InvalidParameterError) as info:
        parse_filter("params.model > 'a'")
    assert info.value.error_code == "INVALID_PARAMETER_VALUE"
    assert info.value.message.splitlines()[1:] == ["  params.model > 'a'", "               ^"]


ORDER_BY_VALID: list[tuple[str, OrderBy]] = [
    ("metrics.acc", OrderBy("metric", "acc", True)),
    ("metrics.acc DESC", OrderBy("metric", "acc", False)),
    ("metric.acc asc", OrderBy("metric", "acc", True)),
    ("params.model desc", OrderBy("param", "model", False)),
    ("parameter.lr", OrderBy("param", "lr", True)),
    ("tags.`my tag` DESC", OrderBy("tag", "my tag", False)),
    ("tag.mlflow.runName Desc", OrderBy("tag", "mlflow.runName", False)),
    ('tags."x y"', OrderBy("tag", "x y", True)),
    ("attributes.created DESC", OrderBy("attribute", "start_time", False)),
    ("attr.run_name", OrderBy("attribute", "run_name", True)),
    ("run.end_time ASC", OrderBy("attribute", "end_time", True)),
    ("attribute.name", OrderBy("attribute", "run_name", True)),
    ("  metrics.loss  ", OrderBy("metric", "loss", True)),
]


@pytest.mark.parametrize(("clause", "expected"), ORDER_BY_VALID, ids=[c for c, _ in ORDER_BY_VALID])
def test_valid_order_by(clause: str, expected: OrderBy) -> None:
    assert parse_order_by(clause) == expected


ORDER_BY_INVALID: list[tuple[str, int, str]] = [
    ("", 0, "empty order_by clause"),
    ("   ", 0, "empty order_by clause"),
    ("datasets.name", 0, "datasets cannot be used in order_by"),
    ("acc DESC", 0, "'acc' has no prefix"),
    ("attributes.nope", 0, "unknown attribute 'nope'"),
    ("'metrics.acc'", 0, "expected a column like metrics.acc"),
    ("metrics.acc up", 12, "expected ASC or DESC after metrics.acc, got 'up'"),
    ("metrics.acc > 1", 12, "expected ASC or DESC"),
    ("metrics.acc DESC extra", 17, "unexpected 'extra' after DESC"),
    ("metrics.acc ASC, params.x", 15, "unexpected ','"),
]


@pytest.mark.parametrize(("clause", "position", "fragment"), ORDER_BY_INVALID, ids=[c for c, _, _ in ORDER_BY_INVALID])
def test_invalid_order_by(clause: str, position: int, fragment: str) -> None:
    with pytest.raises(FilterSyntaxError) as info:
        parse_order_by(clause)
    assert info.value.position == position
    assert fragment in info.value.reason


def test_attribute_sets_are_the_documented_ones() -> None:
    assert {"start_time", "end_time"} == NUMERIC_ATTRIBUTES
    assert {
        "run_id", "run_name", "status", "artifact_uri", "user_id", "notebook_path",
        "cell_id", "parent_run_id", "experiment_id", "lifecycle_stage",
    } == STRING_ATTRIBUTES  # fmt: skip


def test_every_string_attribute_accepts_string_operators_and_rejects_ordering() -> None:
    for name in sorted(STRING_ATTRIBUTES - {"status"}):
        assert parse_filter(f"attributes.{name} ILIKE 'a%'") == C("attribute", name, "ILIKE", "a%", 0)
        with pytest.raises(FilterSyntaxError, match="is a string"):
            parse_filter(f"attributes.{name} > 'a'")


def test_every_numeric_attribute_accepts_numbers_and_rejects_like() -> None:
    for name in sorted(NUMERIC_ATTRIBUTES):
        assert parse_filter(f"attributes.{name} > 10") == C("attribute", name, ">", 10.0, 0)
        with pytest.raises(FilterSyntaxError, match="is a number"):
            parse_filter(f"attributes.{name} LIKE '1%'")
