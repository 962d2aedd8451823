"""Row 1: ``import jupyter_mltrack`` vs ``import mlflow`` in a fresh interpreter.

The harness starts one interpreter per sample and takes the median; interpreter start-up itself
is not counted (it is the same Python for both).
"""

from __future__ import annotations

import sys

from _adapter import PACKAGE, args, emit, perf_counter

opts = args(tool="")
t0 = perf_counter()
__import__(PACKAGE[opts["tool"]])
seconds = perf_counter() - t0
emit(seconds=seconds, modules_loaded=len(sys.modules))
