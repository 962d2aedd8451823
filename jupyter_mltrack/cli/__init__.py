"""The `mltrack` command line (thin commands over the services)."""
