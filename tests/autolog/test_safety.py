"""The safe-patching contract: the user's call is never changed by autolog, failures of ours are
one warning, the user's own exceptions reach them unchanged, and unpatching is exact."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import jupyter_mltrack as mlt
from jupyter_mltrack.autolog import autolog, status
from tests.autolog.conftest import Recorded, all_runs, only_run


def test_user_exception_propagates_unchanged_and_the_run_fails(iris: Any, recorded: Recorded) -> None:
    from sklearn.linear_model import LogisticRegression

    X_train, _, y_train, _ = iris
    bad = X_train.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError) as plain:
        LogisticRegression().fit(bad, y_train)

    autolog(frameworks=["sklearn"])
    with pytest.raises(ValueError) as logged:
        LogisticRegression().fit(bad, y_train)
    assert type(logged.value) is type(plain.value) and str(logged.value) == str(plain.value)
    run = only_run()
    assert run.info.status == "FAILED" and run.data.params["C"] == "1.0" and run.data.metrics == {}
    assert mlt.active_run() is None and recorded.autolog == []


def test_keyboard_interrupt_inside_fit_kills_the_run(iris: Any) -> None:
    from sklearn.preprocessing import FunctionTransformer

    def interrupted(X: Any) -> Any:
        raise KeyboardInterrupt

    autolog(frameworks=["sklearn"])
    with pytest.raises(KeyboardInterrupt):
        FunctionTransformer(interrupted).fit_transform(iris[0])
    assert only_run().info.status == "KILLED" and mlt.active_run() is None


def test_exception_inside_a_user_run_leaves_it_to_the_user(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    autolog(frameworks=["sklearn"])
    with pytest.raises(ValueError), mlt.start_run() as mine:
        LogisticRegression().fit(iris[0], iris[2][:-1])  # y too short: sklearn raises
    assert only_run().info.run_id == mine.info.run_id
    assert mlt.get_run(mine.info.run_id).info.status == "FAILED"  # by the user's `with`, as without autolog


def _fit_and_predict(data: Any) -> tuple[Any, Any, Any]:
    from sklearn.linear_model import LogisticRegression

    X_train, X_test, y_train, _ = data
    model = LogisticRegression(max_iter=300)
    returned = model.fit(X_train, y_train)
    return model, returned, model.predict_proba(X_test)


def test_a_failure_of_ours_is_one_warning_and_the_same_result(
    iris: Any, recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_mltrack.autolog import sklearn as sk

    _, _, expected = _fit_and_predict(iris)

    def broken(*args: Any, **kwargs: Any) -> dict[str, float]:
        raise RuntimeError("autolog bug")

    monkeypatch.setattr(sk, "training_metrics", broken)
    autolog(frameworks=["sklearn"])
    model, returned, proba = _fit_and_predict(iris)
    assert returned is model
    np.testing.assert_array_equal(proba, expected)
    [warning] = recorded.autolog
    assert "autolog bug" in str(warning.message) and "LogisticRegression.fit" in str(warning.message)
    assert warning.filename == __file__  # it points at the user's line, not at our code
    run = only_run()
    assert run.info.status == "FINISHED" and run.data.params["C"] == "1.0" and run.data.metrics == {}


def test_an_unusable_store_is_one_warning_and_the_fit_still_works(
    iris: Any, recorded: Recorded, tmp_path: Path
) -> None:
    _, _, expected = _fit_and_predict(iris)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    mlt.set_tracking_uri(f"sqlite:///{blocker / 'mltrack.db'}")
    autolog(frameworks=["sklearn"])
    model, returned, proba = _fit_and_predict(iris)
    assert returned is model
    np.testing.assert_array_equal(proba, expected)
    [warning] = recorded.autolog
    assert "could not set up logging" in str(warning.message)
    assert mlt.active_run() is None


def test_silent_means_no_warning_at_all(iris: Any, recorded: Recorded, monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_mltrack.autolog import sklearn as sk

    monkeypatch.setattr(sk, "training_metrics", lambda *a, **k: 1 / 0)
    autolog(frameworks=["sklearn"], silent=True)
    _fit_and_predict(iris)
    assert recorded.autolog == []
    assert only_run().info.status == "FINISHED"


def test_our_metric_calls_raise_no_user_visible_warnings(recorded: Recorded) -> None:
    from sklearn.linear_model import LogisticRegression

    X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    y = np.array([0, 0, 0, 0, 0, 1])  # precision of class 1 is ill-defined on the training data
    autolog(frameworks=["sklearn"], log_models=False)
    LogisticRegression(C=1e-6).fit(X, y)
    assert [w for w in recorded.caught if "ill-defined" in str(w.message)] == []
    assert "training_precision_score" in only_run().data.metrics


# ----------------------------------------------------------------------------------- unpatching
def _snapshot(owners: list[Any]) -> dict[tuple[int, str], Any]:
    """Every attribute of every owner, and what the closures of sklearn's metric functions call."""
    import sklearn.metrics

    found = {(id(owner), name): value for owner in owners for name, value in list(vars(owner).items())}
    for name, value in vars(sklearn.metrics).items():
        for var, cell in zip(
            (getattr(value, "__code__", None) and value.__code__.co_freevars) or (),
            getattr(value, "__closure__", None) or (),
            strict=True,
        ):
            found[(id(cell), f"{name}.{var}")] = cell.cell_contents
    return found


def _owners() -> list[Any]:
    import lightgbm
    import sklearn.metrics
    import xgboost
    import xgboost.sklearn
    from sklearn.utils import all_estimators

    classes: list[Any] = [cls for _, cls in all_estimators()]
    classes += [getattr(xgboost.sklearn, n) for n in ("XGBClassifier", "XGBRegressor", "XGBRanker")]
    classes += [lightgbm.LGBMClassifier, lightgbm.LGBMRegressor, lightgbm.LGBMRanker]
    owners: list[Any] = [sklearn.metrics, xgboost, lightgbm, *classes]
    try:
        import lightning.pytorch

        owners.append(lightning.pytorch.Trainer)
    except ImportError:
        pass
    return owners


def test_disable_restores_every_patched_attribute_exactly() -> None:
    owners = _owners()
    before = _snapshot(owners)
    autolog()
    during = _snapshot(owners)
    missing = object()
    changed = {key for key in during if before.get(key, missing) is not during[key]}
    import lightgbm
    import sklearn.metrics
    import xgboost
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    assert len(changed) > 600  # every estimator's fit/predict/score, the metrics, train()...
    expected = [
        (LogisticRegression, "fit"),
        (LogisticRegression, "score"),
        (Pipeline, "predict"),
        (xgboost, "train"),
        (lightgbm.LGBMClassifier, "fit"),
    ]
    assert {(id(owner), name) for owner, name in expected} <= changed
    # sklearn's metric functions stay the same objects; the functions their closures call are wrapped
    assert vars(sklearn.metrics)["accuracy_score"] is before[(id(sklearn.metrics), "accuracy_score")]
    assert (id(sklearn.metrics.accuracy_score.__closure__[0]), "accuracy_score.func") in changed
    autolog(disable=True)
    after = _snapshot(owners)
    assert after.keys() == before.keys()
    assert [key for key in before if after[key] is not before[key]] == []
    assert status()["sklearn"] == {"enabled": False, "patched": False, "waiting_for_import": False, "options": None}


def test_patched_functions_keep_their_signature_and_duck_typing() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC
    from sklearn.utils.validation import has_fit_parameter

    unpatched = inspect.signature(LogisticRegression.fit)
    autolog(frameworks=["sklearn"])
    assert inspect.signature(LogisticRegression.fit) == unpatched
    assert has_fit_parameter(LogisticRegression(), "sample_weight")
    assert not hasattr(SVC(probability=False), "predict_proba")  # available_if still decides
    assert not hasattr(Pipeline([("s", StandardScaler())]), "predict")


def test_switching_on_twice_patches_once_and_new_options_apply(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    autolog(frameworks=["sklearn"])
    patched = LogisticRegression.__dict__["fit"]
    autolog(frameworks="sklearn", log_models=False)
    assert LogisticRegression.__dict__["fit"] is patched
    assert status()["sklearn"]["options"]["log_models"] is False
    LogisticRegression(max_iter=300).fit(iris[0], iris[2])
    assert len(all_runs()) == 1


def test_bad_arguments_are_errors() -> None:
    from jupyter_mltrack.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=r"'keras'.*sklearn, xgboost, lightgbm, pytorch"):
        autolog(frameworks=["keras"])
    with pytest.raises(InvalidParameterError, match="max_tuning_runs"):
        autolog(max_tuning_runs=-1)
    assert not any(s["enabled"] for s in status().values())


def test_a_stale_reference_to_a_patched_function_does_nothing_once_off(iris: Any) -> None:
    from sklearn.linear_model import LogisticRegression

    autolog(frameworks=["sklearn"])
    fit = LogisticRegression.fit  # bound while patched

    autolog(disable=True)
    model = LogisticRegression(max_iter=300)
    assert fit(model, iris[0], iris[2]) is model
    assert all_runs() == []


# --------------------------------------------------------------------------- patch on import
def _fresh_python(code: str, tmp_path: Path) -> dict[str, Any]:
    env = {"MLTRACK_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.slow
def test_frameworks_imported_after_autolog_are_patched_on_import(tmp_path: Path) -> None:
    found = _fresh_python(
        """
        import json, sys
        from jupyter_mltrack.autolog import autolog, status, _imports
        from jupyter_mltrack.autolog._patch import is_patched
        autolog()
        before = [m for m in ("sklearn", "xgboost", "lightgbm") if m in sys.modules]
        from sklearn.linear_model import LogisticRegression   # the submodule first, sklearn on the way
        import xgboost, lightgbm
        from sklearn.datasets import load_iris
        X, y = load_iris(return_X_y=True)
        LogisticRegression(max_iter=300).fit(X, y)
        import jupyter_mltrack as mlt
        run = mlt.last_active_run()
        print(json.dumps({
            "before": before,
            "patched": {k: v["patched"] for k, v in status().items()},
            "fit": is_patched(vars(LogisticRegression)["fit"]),
            "xgb_train": is_patched(vars(xgboost)["train"]),
            "lgb_fit": is_patched(vars(lightgbm.LGBMClassifier)["fit"]),
            "waiting": _imports.watched(),
            "run": [run.info.status, run.data.tags["mltrack.autolog"], run.data.params["max_iter"]],
            "loader": type(sys.modules["sklearn"].__spec__.loader).__name__,
        }))
        """,
        tmp_path,
    )
    assert found["before"] == []
    assert found["fit"] and found["xgb_train"] and found["lgb_fit"]
    assert found["patched"]["sklearn"] and found["patched"]["xgboost"] and found["patched"]["lightgbm"]
    assert found["run"] == ["FINISHED", "sklearn", "300"]
    assert found["loader"] == "SourceFileLoader"  # the module never sees our loader
    assert "sklearn" not in found["waiting"]


@pytest.mark.slow
def test_disable_before_import_removes_the_import_hook(tmp_path: Path) -> None:
    found = _fresh_python(
        """
        import json, sys
        from jupyter_mltrack.autolog import autolog, _imports
        from jupyter_mltrack.autolog._patch import is_patched
        autolog(frameworks=["sklearn", "xgboost"])
        hooked = _imports.installed()
        autolog(disable=True)
        from sklearn.linear_model import LogisticRegression
        print(json.dumps({"hooked": hooked, "after": _imports.installed(),
                          "fit": is_patched(vars(LogisticRegression)["fit"])}))
        """,
        tmp_path,
    )
    assert found == {"hooked": True, "after": False, "fit": False}


def test_the_import_hook_only_answers_for_watched_modules(tmp_path: Path) -> None:
    from jupyter_mltrack.autolog import _imports

    seen: list[ModuleType] = []
    package = tmp_path / "mltrack_probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("VALUE = 41\n")
    sys.path.insert(0, str(tmp_path))
    try:
        _imports.watch("mltrack_probe_pkg", seen.append)
        import mltrack_probe_pkg  # type: ignore[import-not-found]

        assert seen == [mltrack_probe_pkg] and mltrack_probe_pkg.VALUE == 41
        assert not _imports.installed()  # nothing left to watch: the finder is gone
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("mltrack_probe_pkg", None)
        _imports.unwatch("mltrack_probe_pkg")
