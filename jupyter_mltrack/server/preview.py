"""What the side panel can show of an artifact: images, text, HTML, plotly figures.

The kind comes from the file name (and, for JSON, from its content: a plotly figure is an object
with a ``data`` list and a ``layout`` object); a file with an unknown extension is text when its
first bytes decode as UTF-8 without NUL bytes, else binary. Images (SVG included: the panel shows
them in ``<img>``, where scripts never run) come base64-encoded; text and HTML are cut to the
first ``max_bytes``; HTML is for a sandboxed frame, never for the page itself.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import posixpath
from typing import Any
from urllib.parse import quote

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".svg": "image/svg+xml",
}
HTML_EXTENSIONS = (".html", ".htm")
TEXT_EXTENSIONS = (
    ".txt",
    ".log",
    ".md",
    ".csv",
    ".tsv",
    ".py",
    ".yaml",
    ".yml",
    ".toml",
    ".ini",
    ".cfg",
    ".sh",
    ".r",
    ".sql",
    ".xml",
    ".ipynb",
    ".json",
    ".jsonl",
)
TEXT_NAMES = ("MLmodel", "Dockerfile", "LICENSE", "README", "requirements.txt")

#: Default and largest text/HTML preview, in bytes.
DEFAULT_TEXT_BYTES = 64 * 1024
MAX_TEXT_BYTES = 1024 * 1024
#: Files larger than these are not read for a preview (download them instead).
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_READ_BYTES = 20 * 1024 * 1024


def kind_of(path: str) -> str:
    """image, html, json (maybe plotly), text, or unknown (decided from the content)."""
    name = posixpath.basename(path)
    ext = posixpath.splitext(name)[1].lower()
    if ext in IMAGE_TYPES:
        return "image"
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext == ".json":
        return "json"
    if ext in TEXT_EXTENSIONS or name in TEXT_NAMES:
        return "text"
    return "unknown"


def read_limit(kind: str) -> int:
    return MAX_IMAGE_BYTES if kind == "image" else MAX_READ_BYTES


def content_type(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    return IMAGE_TYPES.get(ext) or mimetypes.guess_type(posixpath.basename(path))[0] or "application/octet-stream"


def too_large(path: str, size: int) -> dict[str, Any]:
    kind = kind_of(path)
    return _preview(
        path, "binary" if kind == "unknown" else ("text" if kind == "json" else kind), size, None, None, truncated=True
    )


def build(path: str, data: bytes, max_bytes: int) -> dict[str, Any]:
    """The preview of artifact ``path`` whose content is ``data``."""
    kind = kind_of(path)
    if kind == "image":
        return _preview(path, "image", len(data), "base64", base64.b64encode(data).decode("ascii"))
    if kind == "json":
        figure = _plotly_figure(data)
        if figure is not None:
            return _preview(path, "plotly", len(data), "json", figure)
        kind = "text"
    if kind == "unknown":
        if b"\0" in data[:8192] or _utf8_prefix(data[:8192], strict=True) is None:
            return _preview(path, "binary", len(data), None, None)
        kind = "text"
    text = _utf8_prefix(data[:max_bytes], strict=False) or ""
    return _preview(path, kind, len(data), "utf-8", text, truncated=len(data) > max_bytes)


def disposition(mode: str, path: str) -> str:
    """A Content-Disposition header value with an ASCII fallback name and the exact UTF-8 one."""
    name = posixpath.basename(path) or "artifact"
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in name)
    return f"{mode}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _preview(
    path: str, kind: str, size: int, encoding: str | None, content: Any, truncated: bool = False
) -> dict[str, Any]:
    return {
        "path": path,
        "kind": kind,
        "content_type": content_type(path),
        "size": size,
        "truncated": truncated,
        "encoding": encoding,
        "content": content,
    }


def _plotly_figure(data: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if (
        isinstance(parsed, dict)
        and isinstance(parsed.get("data"), list)
        and isinstance(parsed.get("layout"), dict)
        and all(isinstance(trace, dict) for trace in parsed["data"])
    ):
        return parsed
    return None


def _utf8_prefix(data: bytes, strict: bool) -> str | None:
    """Decode, forgiving a multi-byte character cut at the end; None if ``strict`` and not UTF-8."""
    for cut in range(4):
        try:
            return data[: len(data) - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(data) - 4:
                break
    return None if strict else data.decode("utf-8", errors="replace")
