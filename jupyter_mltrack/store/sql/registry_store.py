"""The model registry's SQL store: same database, same engine and migrations as tracking."""

from __future__ import annotations

from sqlalchemy import Engine

from jupyter_mltrack.store.sql.registry_models import RegistryModelsMixin
from jupyter_mltrack.store.sql.registry_promotion import RegistryPromotionMixin


class SqlRegistryStore(RegistryModelsMixin, RegistryPromotionMixin):
    """Registered models, versions, stages, aliases, approvals and their audit log.

    Every method that changes something takes the ``actor`` recorded in the audit row.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
