"""The capture helpers on their own: AST analysis, metric names, package versions, notebook identity."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from jupyter_mltrack.capture import ast_params, environment, notebook, resources, sklearn_metrics


def test_bound_names_follow_top_level_assignments_only() -> None:
    analysis = ast_params.analyze(
        "a = 1\n"
        "b, (c, *d) = 2, (3, 4, 5)\n"
        "e: int = 6\n"
        "f: int\n"
        "a += 1\n"
        "_private = 7\n"
        "if True:\n    g = 8\nelse:\n    h = 9\n"
        "with open(__file__) as fh:\n    i = 10\n"
        "try:\n    j = 11\nexcept Exception:\n    k = 12\nfinally:\n    m = 13\n"
        "for loop_var in range(2):\n    n = loop_var\n"
        "while False:\n    o = 1\n"
        "def fn():\n    p = 1\n"
        "class K:\n    q = 1\n"
        "r = [s for s in range(3)]\n"
        "model.fit(X_train, y_train)\n"
        "other.fit(X=X_val, y=y_val)\n"
        "def later():\n    inner.fit(X_hidden)\n"
    )
    assert analysis.bound == ("a", "b", "c", "d", "e", "g", "h", "i", "j", "k", "m", "n", "o", "r")
    assert analysis.fit_inputs == ("X_train", "y_train", "X_val", "y_val")


def test_unparsable_code_gives_nothing() -> None:
    assert ast_params.analyze("def (:") == ast_params.CellAnalysis()


@pytest.mark.parametrize(
    "name",
    ["acc", "val_loss", "testAccuracy", "roc_auc_ovr", "f1_macro", "r2", "train_rmse", "cv_score", "valLoss"],
)
def test_metric_like_names(name: str) -> None:
    assert ast_params.is_metric_name(name)


@pytest.mark.parametrize("name", ["accumulate", "glossary", "scoring", "lr", "n_estimators", "f10", "maestro"])
def test_not_metric_names(name: str) -> None:
    assert not ast_params.is_metric_name(name)


def test_classify_values() -> None:
    import numpy as np

    params, metrics = ast_params.classify(
        {
            "lr": np.float64(0.1),
            "n": np.int64(3),
            "flag": True,
            "acc": np.float32(0.5),
            "loss": "hinge",
            "score": True,
            "layers": (64, 32),
            "grid": {"C": [1, 2]},
            "long": "x" * 300,
            "many": list(range(50)),
            "array": np.arange(3),
            "nothing": None,
        }
    )
    assert params == {"lr": "0.1", "n": "3", "flag": "True", "loss": "hinge", "score": "True", "layers": "(64, 32)"}
    assert metrics == {"acc": 0.5}


def test_imported_modules_and_versions() -> None:
    history = environment.ImportHistory()
    cells = [
        "import numpy as np, os\nfrom sklearn.metrics import f1_score",
        "from . import x\nimport not_installed_pkg",
    ]
    modules = history.update(cells)
    assert modules == {"numpy", "os", "sklearn", "not_installed_pkg"}
    import numpy
    import sklearn

    versions = environment.package_versions(modules)
    assert versions == {"numpy": numpy.__version__, "scikit-learn": sklearn.__version__}
    assert environment.packages_tag(versions) == f"numpy=={numpy.__version__} scikit-learn=={sklearn.__version__}"
    cells.append("import pandas")
    assert "pandas" in history.update(cells)
    assert history.update(["import json"]) == {"json"}  # another history starts over


def test_notebook_path_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert notebook.notebook_path({}) is None  # not a kernel, no server
    assert notebook.notebook_path({"__vsc_ipynb_file__": str(tmp_path / "v.ipynb")}) == str(tmp_path / "v.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "lab.ipynb"))
    assert notebook.notebook_path({"__vsc_ipynb_file__": "ignored"}) == str(tmp_path / "lab.ipynb")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rel.ipynb").write_text("{}")
    monkeypatch.setenv("JPY_SESSION_NAME", "some/server/folder/rel.ipynb")  # relative to the server root
    assert notebook.notebook_path({}) == str(tmp_path / "rel.ipynb")


def test_resource_metrics() -> None:
    start = resources.snapshot()
    block = bytearray(64 * 1024 * 1024)
    block[::4096] = b"x" * len(block[::4096])
    found = resources.usage_metrics(start, resources.snapshot())
    assert set(found) == set(resources.RESOURCE_METRICS)
    assert found[resources.WALL_TIME] >= 0 and found[resources.CPU_TIME] >= 0
    if sys.platform.startswith("linux"):
        assert found[resources.PEAK_MEMORY_GROWTH] >= 32
    del block


def test_rewrite_keeps_line_numbers_and_only_touches_metric_like_calls() -> None:
    source = "x = 1\nscore = f1_score(y_test, m.predict(X_test))\nprint(len(x))\nmod.mean_squared_error(a, b)\n"
    tree = sklearn_metrics.rewrite(ast.parse(source))
    text = ast.unparse(tree)
    assert "observe(f1_score, 'X_test')(y_test" in text
    assert "observe(mod.mean_squared_error, 'a')(a, b)" in text
    assert "print(len(x))" in text
    assert tree.body[1].lineno == 2 and tree.body[3].lineno == 4


def test_observe_returns_other_functions_unchanged() -> None:
    def my_score(a: int) -> int:
        return a

    sklearn_metrics.start()
    try:
        assert sklearn_metrics.observe(my_score, "x") is my_score
        assert sklearn_metrics.observe(len, "x") is len
    finally:
        assert sklearn_metrics.stop() == []
    from sklearn.metrics import accuracy_score

    assert sklearn_metrics.observe(accuracy_score, "x") is accuracy_score  # not collecting: untouched
