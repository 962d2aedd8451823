"""What a notebook cell is, for whoever records it (``%%track``, autolog).

One small module per kind of fact: ``cell`` (which cell runs now, and the hooks autolog uses),
``ast_params`` (params and metrics a cell binds), ``notebook`` (which notebook file), ``environment``
(imported package versions), ``resources`` (time and memory), ``datasets`` (what was fitted on),
``sklearn_metrics`` (scores computed in the cell) and ``recorder`` (a cell's run, start to end).

Rules (DESIGN.md section 1): only the public tracking API is used, nothing here imports IPython,
and a failure while capturing is a warning: the user's cell result stands.
"""
