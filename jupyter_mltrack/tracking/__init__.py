"""Tracking service: the stateless Client and the fluent active-run API."""
