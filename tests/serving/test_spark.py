"""Spark scoring in a real local SparkSession: equal to local scoring, one model load per Python worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import jupyter_mltrack.pyfunc as pyfunc
from jupyter_mltrack.errors import InvalidParameterError, MissingDependencyError
from jupyter_mltrack.models.errors import ModelFormatError, ModelUriError, SchemaEnforcementError
from jupyter_mltrack.spark import spark_udf

pytestmark = [
    pytest.mark.slow,
    # pyspark 4.x on pandas 3: its own deprecation notices, not ours
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

QUIET_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """One local Spark for the whole run (its start-up is most of this file's time)."""
    log4j = tmp_path_factory.mktemp("spark") / "log4j2.properties"
    log4j.write_text(QUIET_LOG4J)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("mltrack-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "16")  # many batches per partition
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def spark_models(iris: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A regressor, a tensor-output model and a multi-output custom model that records its loads."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LogisticRegression, Ridge

    from jupyter_mltrack.models import infer_signature, save_model

    X, y = iris
    root = tmp_path_factory.mktemp("spark-models")
    loads = tmp_path_factory.mktemp("loads")
    Xd, yd = load_diabetes(return_X_y=True, as_frame=True)
    save_model(Ridge().fit(Xd, yd), root / "diabetes", input_example=Xd.head(3))

    clf = LogisticRegression(max_iter=300).fit(X, y)
    pyfunc.save_model(
        root / "proba",
        python_model=lambda frame: clf.predict_proba(frame),
        signature=infer_signature(X, clf.predict_proba(X.head())),
    )

    class Multi(pyfunc.PythonModel):  # defined here so Spark ships it by value to its workers
        def load_context(self, context: Any) -> None:
            (loads / f"{os.getpid()}-{os.urandom(4).hex()}").touch()

        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            total = model_input.sum(axis=1).to_numpy()
            return pd.DataFrame(
                {
                    "label": (total > 10).astype("int64"),
                    "score": total,
                    "parts": [list(row) for row in model_input.to_numpy()[:, :2]],
                }
            )

    multi = Multi()
    with pytest.warns(UserWarning, match="integer column"):  # the label column: fine, it has no missing values
        signature = infer_signature(X, multi.predict(None, X.head()))
    pyfunc.save_model(root / "multi", python_model=multi, signature=signature)
    return {"root": root, "loads": loads, "diabetes": Xd}


def local_predict(folder: Path, frame: pd.DataFrame) -> Any:
    return pyfunc.load_model(str(folder)).predict(frame)


def scores(df: Any, column: Any) -> list[Any]:
    """One UDF per query: Spark gives each iterator UDF of a query its own Python worker, which is slow here."""
    return df.select("row", column.alias("p")).toPandas().sort_values("row")["p"].tolist()


def test_iris_classifier_every_call_form_equals_local(spark: SparkSession, model_dir: Path, iris: Any) -> None:
    X = iris[0]
    df = spark.createDataFrame(X.assign(row=np.arange(len(X))))
    udf = spark_udf(spark, str(model_dir / "iris"))
    shipped = spark_udf(spark, str(model_dir / "iris"), copy_to_executors=True)  # the cluster path, via addFile
    assert udf.result_type == T.LongType()  # the signature's output: an int64 tensor, one value per row
    expected = [int(v) for v in local_predict(model_dir / "iris", X)]
    calls = {
        "by signature": udf(),
        "by name": udf(*X.columns),
        "by position": udf(*[F.col(c) for c in X.columns]),
        "by name, reordered": udf(*reversed(X.columns)),
        "struct": udf(F.struct(*X.columns)),
        "shipped": shipped(),
    }
    for form, column in calls.items():
        assert scores(df, column) == expected, form


def test_regressor_and_tensor_outputs_equal_local(spark: SparkSession, spark_models: dict[str, Any], iris: Any) -> None:
    root, diabetes, X = spark_models["root"], spark_models["diabetes"], iris[0]
    regressor = spark_udf(spark, str(root / "diabetes"))
    assert regressor.result_type == T.DoubleType()
    got = spark.createDataFrame(diabetes).select(regressor().alias("p")).toPandas()["p"].to_numpy()
    np.testing.assert_allclose(got, local_predict(root / "diabetes", diabetes), rtol=1e-12)

    proba = spark_udf(spark, str(root / "proba"))
    assert proba.result_type == T.ArrayType(T.DoubleType())  # a (-1, 3) tensor: an array of 3 per row
    rows = spark.createDataFrame(X).select(proba(*X.columns).alias("p")).toPandas()["p"]
    np.testing.assert_allclose(np.vstack(rows.to_list()), local_predict(root / "proba", X), rtol=1e-12)


def test_multi_output_model_gives_a_struct_and_loads_once_per_worker(
    spark: SparkSession, spark_models: dict[str, Any], iris: Any
) -> None:
    root, X = spark_models["root"], iris[0]
    udf = spark_udf(spark, str(root / "multi"))
    assert udf.result_type.simpleString() == "struct<label:bigint,score:double,parts:array<double>>"
    frame = pd.concat([X] * 4, ignore_index=True)
    df = spark.createDataFrame(frame.assign(row=np.arange(len(frame)))).repartition(6)
    out = df.select("row", udf().alias("p")).select("row", "p.*").toPandas().sort_values("row")
    expected = local_predict(root / "multi", frame)
    assert out["label"].tolist() == expected["label"].tolist()
    np.testing.assert_allclose(out["score"], expected["score"], rtol=1e-12)
    assert [list(v) for v in out["parts"]] == expected["parts"].tolist()
    # 600 rows in batches of 16 (> 37 batches) over 6 partitions: each worker process loaded it once
    workers = [p.name.split("-")[0] for p in spark_models["loads"].iterdir()]
    pids = Counter(pid for pid in workers if pid != str(os.getpid()))  # the driver loaded it for local_predict
    assert pids and set(pids.values()) == {1}, pids
    assert sum(pids.values()) <= 6


def test_explicit_result_type_overrides_the_signature(
    spark: SparkSession, spark_models: dict[str, Any], model_dir: Path, iris: Any
) -> None:
    X = iris[0].head(20)
    df = spark.createDataFrame(X.assign(row=np.arange(len(X))))
    expected = local_predict(model_dir / "iris", X)
    as_text = spark_udf(spark, str(model_dir / "iris"), result_type="string")
    assert scores(df, as_text()) == [str(v) for v in expected]
    as_double = spark_udf(spark, str(model_dir / "iris"), result_type=T.DoubleType())
    assert scores(df, as_double()) == [float(v) for v in expected]
    label_only = spark_udf(spark, str(spark_models["root"] / "multi"), result_type="label int, score float")
    got = scores(df, label_only())
    assert [r["label"] for r in got] == local_predict(spark_models["root"] / "multi", X)["label"].tolist()
    assert [r["score"] for r in got] == pytest.approx(X.sum(axis=1).tolist(), rel=1e-6)  # as float32


def test_registered_model_uri_resolved_on_the_driver(spark: SparkSession, iris: Any) -> None:
    """Workers never see this test's store (they started before it existed): the driver resolves models:/."""
    from sklearn.tree import DecisionTreeClassifier

    import jupyter_mltrack as mlt

    X, y = iris
    with mlt.start_run():
        mlt.sklearn.log_model(
            DecisionTreeClassifier(max_depth=2).fit(X, y),
            "model",
            input_example=X.head(3),
            registered_model_name="iris-spark",
        )
    udf = spark_udf(spark, "models:/iris-spark/1")
    got = spark.createDataFrame(X).select(udf().alias("p")).toPandas()["p"].tolist()
    assert got == [int(v) for v in mlt.pyfunc.load_model("models:/iris-spark/1").predict(X)]


def test_schema_errors_name_the_columns(spark: SparkSession, model_dir: Path, iris: Any) -> None:
    X = iris[0]
    udf = spark_udf(spark, str(model_dir / "iris"))
    with pytest.raises(SchemaEnforcementError, match=r"missing \['sepal width \(cm\)'.*not inputs \['petals'\]"):
        udf("sepal length (cm)", "petal length (cm)", "petal width (cm)", "petals")  # caught on the driver
    with pytest.raises(SchemaEnforcementError, match="takes 4 inputs"):
        udf(F.col("a"), F.col("b"))
    bad = spark.createDataFrame(X.head(5).astype({"sepal width (cm)": str}))
    with pytest.raises(Exception) as info:  # raised in a worker; Spark hands back its message
        bad.select(udf().alias("p")).collect()
    message = str(info.value)
    assert "SchemaEnforcementError" in message
    assert "Incompatible input types for column 'sepal width (cm)'" in message


def test_bad_uri_and_bad_result_type_say_what_to_do(spark: SparkSession, model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelUriError, match="no such file or folder"):
        spark_udf(spark, str(tmp_path / "nowhere"))
    with pytest.raises(ModelFormatError, match="No MLmodel file"):
        spark_udf(spark, str(tmp_path))
    with pytest.raises(InvalidParameterError, match=r"result_type 'array<dub' is not a Spark type.*'double'"):
        spark_udf(spark, str(model_dir / "iris"), result_type="array<dub")
    with pytest.raises(InvalidParameterError, match="cannot return map<string,int>"):
        spark_udf(spark, str(model_dir / "iris"), result_type="map<string,int>")
    with pytest.raises(InvalidParameterError, match="env_manager='conda' is not supported"):
        spark_udf(spark, str(model_dir / "iris"), env_manager="conda")
    with pytest.warns(UserWarning, match="no output signature, so spark_udf returns double"):
        unsigned = spark_udf(spark, str(model_dir / "boom"))
    assert unsigned.result_type == T.DoubleType()
    with pytest.raises(InvalidParameterError, match="no named input signature"):
        unsigned()


def test_predictions_that_do_not_fit_the_result_type_say_which() -> None:
    """The per-batch conversion (it runs in the workers; checked here without a job)."""
    from jupyter_mltrack.spark.results import to_spark

    labels = pd.DataFrame({"label": ["a", "b"], "score": [0.5, 1.5]})
    assert to_spark(labels, T.DoubleType(), 2).tolist() == [0.5, 1.5]  # the leftmost column that fits
    with pytest.raises(InvalidParameterError, match=r"\(int64\) cannot be returned as int"):
        to_spark(np.array([2**40, 1]), T.IntegerType(), 2)  # would wrap around
    with pytest.raises(InvalidParameterError, match=r"no column\(s\) \['proba'\].*\['label', 'score'\]"):
        to_spark(labels, T.StructType([T.StructField("proba", T.DoubleType())]), 2)
    with pytest.raises(InvalidParameterError, match="returned 3 predictions for 2 rows"):
        to_spark(np.zeros(3), T.DoubleType(), 2)


def test_missing_pyspark_names_the_extra(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'jupyter-mltrack\[spark\]'"):
        spark_udf(None, str(model_dir / "iris"))


def test_the_lazy_submodule_does_not_import_pyspark() -> None:
    code = "import sys, jupyter_mltrack as mlt; assert callable(mlt.spark.spark_udf); print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
