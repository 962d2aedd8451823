"""``mltrack serve`` and ``mltrack predict``: thin commands over ``jupyter_mltrack.serving``."""

from __future__ import annotations

import logging

import click

from jupyter_mltrack.cli.context import State, pass_state


def _pairs(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, uri = value.partition("=")
        if not sep or not name.strip() or not uri.strip():
            raise click.BadParameter(f"expected NAME=URI, got {value!r}", ctx, param)
        out[name.strip()] = uri.strip()
    return out


def _use_store(state: State) -> None:
    """runs:/ and models:/ URIs are resolved against the store given to ``mltrack --tracking-uri``."""
    if state.tracking_uri:
        from jupyter_mltrack.tracking.api import set_tracking_uri

        set_tracking_uri(state.tracking_uri)


@click.command("serve")
@click.argument("model_uri", required=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (0.0.0.0 for all).")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="Port (0 picks a free one).")
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(1),
              help="Processes sharing the port.")
@click.option("--max-body", default=100.0, show_default=True, type=float, help="Largest request body, in MB (413).")
@click.option("--max-concurrency", default=32, show_default=True, type=click.IntRange(1),
              help="Predictions in flight per process; more are answered 503.")
@click.option("--timeout", default=30.0, show_default=True, type=float, help="Seconds a client may take to send.")
@click.option("--model", "models", multiple=True, callback=_pairs, metavar="NAME=URI",
              help="Also serve URI at /models/NAME/invocations (repeatable).")
@click.option("--split", default=None, metavar="NAME=W,...", help="Send /invocations to named models by weight.")
@click.option("--cors-origin", default=None, help="Allow browser calls from this origin.")
@click.option("--log-dir", default=None, type=click.Path(file_okay=False), help="Folder of the sampled request log.")
@click.option("--sample-rate", default=0.0, show_default=True, type=click.FloatRange(0, 1),
              help="Fraction of requests logged to --log-dir.")
@click.option("--no-batching", is_flag=True, help="Score each request alone (no micro-batching of concurrent ones).")
@pass_state
def serve(state: State, model_uri: str | None, host: str, port: int, workers: int, max_body: float,
          max_concurrency: int, timeout: float, models: dict[str, str], split: str | None, cors_origin: str | None,
          log_dir: str | None, sample_rate: float, no_batching: bool) -> None:
    """Serve MODEL_URI over MLflow's scoring protocol (POST /invocations)."""
    from jupyter_mltrack.serving.api import serve as run

    _use_store(state)
    if sample_rate and not log_dir:
        raise click.UsageError("--sample-rate needs --log-dir.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        run(model_uri, models=models, split=split, host=host, port=port, workers=workers, max_body_mb=max_body,
            max_concurrency=max_concurrency, timeout=timeout, cors_origin=cors_origin, log_dir=log_dir,
            sample_rate=sample_rate, batching=not no_batching)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("predict")
@click.argument("model_uri")
@click.option("--input", "-i", "input_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="A .csv, .parquet or .jsonl file.")
@click.option("--output", "-o", "output_path", required=True, type=click.Path(dir_okay=False),
              help="Where the predictions go (.csv, .parquet or .jsonl).")
@click.option("--batch-size", default=50_000, show_default=True, type=click.IntRange(1), help="Rows per chunk.")
@pass_state
def predict(state: State, model_uri: str, input_path: str, output_path: str, batch_size: int) -> None:
    """Score a file with MODEL_URI, chunk by chunk (memory stays bounded)."""
    from jupyter_mltrack.serving.batch import predict_batch

    _use_store(state)
    rows = predict_batch(model_uri, input_path, output_path, batch_size=batch_size)
    click.echo(f"Scored {rows} rows into {output_path}", err=True)
