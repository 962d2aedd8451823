"""Loading registered models by models:/ URI, in a fresh process that never imported the registry."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import jupyter_mltrack as mlt
from jupyter_mltrack import Client


def test_models_uris_load_the_right_version(isolated_home: Path) -> None:
    X, y = load_iris(return_X_y=True)
    first = LogisticRegression(max_iter=500, C=0.01).fit(X, y)
    second = LogisticRegression(max_iter=500, C=100.0).fit(X, y)
    for model in (first, second):
        with mlt.start_run():
            mlt.sklearn.log_model(model, name="model", registered_model_name="iris", input_example=X[:2])
    client = Client()
    client.set_registered_model_alias("iris", "champion", 1)
    client.transition_model_version_stage("iris", 2, "Production")
    script = textwrap.dedent(
        """
        import sys, json, numpy as np
        import jupyter_mltrack.pyfunc as pyfunc
        X = np.array(json.loads(sys.argv[1]))
        out = {}
        for uri in ("models:/iris/1", "models:/iris@champion", "models:/iris/Production", "models:/iris/latest"):
            out[uri] = pyfunc.load_model(uri).predict(X).tolist()
        print(json.dumps(out))
        """
    )
    sample = X[::10]
    out = subprocess.run(
        [sys.executable, "-c", script, __import__("json").dumps(sample.tolist())],
        env={**os.environ, "MLTRACK_HOME": str(isolated_home)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    got = __import__("json").loads(out.stdout)
    expected_first, expected_second = first.predict(sample).tolist(), second.predict(sample).tolist()
    assert expected_first != expected_second  # the two versions are told apart by their predictions
    assert got["models:/iris/1"] == got["models:/iris@champion"] == expected_first
    assert got["models:/iris/Production"] == got["models:/iris/latest"] == expected_second
    assert np.array_equal(mlt.load_model("models:/iris@champion").predict(sample), first.predict(sample))
