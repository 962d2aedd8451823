"""Metric gates: filter expressions in the run-search grammar, checked against a version's run.

A gate such as ``metrics.accuracy >= 0.9`` passes when the version's source run matches it, so
gates say exactly what the run search says, with the same grammar and the same errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from jupyter_mltrack.entities import ModelVersion

if TYPE_CHECKING:
    from jupyter_mltrack.tracking.client import Client


def validate_gates(gates: Sequence[str]) -> list[str]:
    """Parse each gate now, so a typo fails when the policy is set, not at promotion time."""
    from jupyter_mltrack.store.sql.search_grammar import parse_filter

    clean = []
    for gate in gates:
        if not isinstance(gate, str) or parse_filter(gate) is None:
            from jupyter_mltrack.errors import InvalidParameterError

            raise InvalidParameterError(
                f"A gate must be a non-empty filter such as 'metrics.accuracy >= 0.9', got {gate!r}."
            )
        clean.append(gate.strip())
    return clean


def failed_gates(client: "Client", version: ModelVersion, gates: Sequence[str]) -> list[str]:
    """The gates the version's source run does not pass (all of them if it has no run)."""
    if not gates:
        return []
    if not version.run_id:
        return list(gates)
    run = client.get_run(version.run_id)
    failed = []
    for gate in gates:
        found = client.search_runs(
            [run.info.experiment_id],
            f"({gate}) and attributes.run_id = '{version.run_id}'",
            run_view_type="ALL",
            max_results=1,
        )
        if not found:
            failed.append(gate)
    return failed
