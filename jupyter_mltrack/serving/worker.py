"""Entry point of one ``--workers`` process: the config arrives in ``MLTRACK_SERVE_CONFIG``."""

from __future__ import annotations

import logging
import os

from jupyter_mltrack.serving.config import ServerConfig
from jupyter_mltrack.serving.server import run_forever

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s [{os.getpid()}] %(levelname)s %(message)s")
    run_forever(ServerConfig.from_json(os.environ["MLTRACK_SERVE_CONFIG"]), reuse_port=True)
