"""The magics' shell fixtures, for ``%mltrack export``."""

from tests.magics.conftest import bare_shell, shell

__all__ = ["bare_shell", "shell"]
