"""Turning Python objects (text, dicts, figures, images, tables) into artifact bytes.

Heavy libraries (matplotlib, plotly, PIL, pandas) are touched only when the object is one of
theirs, so logging text never imports them.
"""

from __future__ import annotations

import io
import json
import posixpath
from typing import Any

from jupyter_mltrack.errors import InvalidParameterError, MissingDependencyError


def _extension(artifact_file: str) -> str:
    return posixpath.splitext(artifact_file)[1].lower()


def text_bytes(text: str) -> bytes:
    if not isinstance(text, str):
        raise InvalidParameterError(f"log_text takes a str, got {type(text).__name__}; use log_dict for mappings.")
    return text.encode("utf-8")


def dict_bytes(dictionary: Any, artifact_file: str) -> bytes:
    ext = _extension(artifact_file)
    if ext in (".yaml", ".yml"):
        import yaml

        return str(yaml.safe_dump(dictionary, sort_keys=False, allow_unicode=True)).encode("utf-8")
    if ext not in (".json", ""):
        raise InvalidParameterError(f"log_dict writes .json, .yaml or .yml files, not {artifact_file!r}.")
    return json.dumps(dictionary, indent=2, default=str).encode("utf-8")


def figure_bytes(figure: Any, artifact_file: str) -> bytes:
    """A matplotlib Figure (any format savefig knows) or a plotly Figure (.html, .json, images)."""
    ext = _extension(artifact_file)
    module = type(figure).__module__
    if module.startswith("matplotlib"):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=ext.lstrip(".") or "png", bbox_inches="tight")
        return buffer.getvalue()
    if module.startswith("plotly"):
        if ext == ".html":
            return str(figure.to_html(include_plotlyjs="cdn", full_html=True)).encode("utf-8")
        if ext == ".json":
            return str(figure.to_json()).encode("utf-8")
        try:
            return bytes(figure.to_image(format=ext.lstrip(".")))
        except (ValueError, ImportError) as exc:
            raise MissingDependencyError("kaleido", "plots", f"Saving a plotly figure as {ext}") from exc
    raise InvalidParameterError(
        f"log_figure takes a matplotlib or plotly Figure, got {type(figure).__name__}; use log_image for arrays."
    )


def image_bytes(image: Any, artifact_file: str) -> bytes:
    """A PIL image or a numpy array (HxW, HxWx3, HxWx4; uint8, or floats in [0, 1])."""
    try:
        from PIL import Image
    except ImportError as exc:
        raise MissingDependencyError("pillow", "plots", "log_image") from exc
    if not isinstance(image, Image.Image):
        import numpy as np

        array = np.asarray(image)
        if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
            raise InvalidParameterError(f"log_image takes an HxW, HxWx3 or HxWx4 array; got shape {array.shape}.")
        if array.dtype.kind == "f":
            if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 1):
                raise InvalidParameterError("A float image must have values in [0, 1]; scale it or pass uint8.")
            array = (array * 255).round().astype(np.uint8)
        elif array.dtype != np.uint8:
            if array.size and (array.min() < 0 or array.max() > 255):
                raise InvalidParameterError("An integer image must have values in [0, 255].")
            array = array.astype(np.uint8)
        if array.ndim == 3 and array.shape[2] == 1:
            array = array[:, :, 0]
        image = Image.fromarray(array)
    buffer = io.BytesIO()
    fmt = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".bmp": "BMP"}.get(
        _extension(artifact_file), "PNG"
    )
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def table_json(data: Any, artifact_file: str, existing: bytes | None) -> bytes:
    """MLflow's table artifact: ``{"columns": [...], "data": [[...], ...]}``; appends to an existing one."""
    if _extension(artifact_file) != ".json":
        raise InvalidParameterError(f"log_table writes a .json file, not {artifact_file!r}.")
    import pandas as pd

    try:
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    except ValueError as exc:
        raise InvalidParameterError(f"log_table needs a DataFrame or a dict of equal-length columns: {exc}") from None
    if existing:
        old = json.loads(existing)
        frame = pd.concat([pd.DataFrame(old["data"], columns=old["columns"]), frame], ignore_index=True)
    table = json.loads(frame.to_json(orient="split", index=False, default_handler=str))
    return json.dumps({"columns": table["columns"], "data": table["data"]}).encode("utf-8")
