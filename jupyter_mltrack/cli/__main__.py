"""``python -m jupyter_mltrack.cli``: the same as the ``mltrack`` command."""

from jupyter_mltrack.cli.main import main

main()
