"""Monitoring: training-data profiles, drift of served inputs (PSI, Kolmogorov-Smirnov), alerts."""

from __future__ import annotations

from jupyter_mltrack.models.profile import profile_data, read_profile, write_profile
from jupyter_mltrack.monitoring.alerts import add_alert_hook, remove_alert_hook
from jupyter_mltrack.monitoring.drift import DriftReport, drift_report, read_log

__all__ = ["DriftReport", "add_alert_hook", "drift_report", "profile_data", "read_log", "read_profile",
           "remove_alert_hook", "write_profile"]
