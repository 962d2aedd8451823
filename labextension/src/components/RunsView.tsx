// View 1, Runs: experiments, filter, columns, the table, and what to do with the selection.
import React, { useEffect, useState } from 'react';

import { MltrackModel } from '../model';
import { MAX_RUNS, MIN_RUNS } from '../state/compare';
import { ColumnChooser } from './ColumnChooser';
import { ExperimentPicker } from './ExperimentPicker';
import { useSignal } from './hooks';
import { loadPlotly } from './Plot';
import { RunsTable } from './RunsTable';

export function RunsView(props: { model: MltrackModel }): JSX.Element {
  const { model } = props;
  const runs = model.runs;
  useSignal(runs.changed);
  const selected = runs.selected.size;
  const canCompare = selected >= MIN_RUNS && selected <= MAX_RUNS;
  useEffect(() => {
    if (canCompare) {
      void loadPlotly(); // a comparison is likely next: fetch plotly.js now, off the panel's opening
    }
  }, [canCompare]);
  return (
    <div className="jp-mltrack-runs">
      <div className="jp-mltrack-toolbar">
        <ExperimentPicker model={runs} />
        <ColumnChooser model={runs} />
        <button className="jp-mltrack-button" title="Reload the runs" onClick={() => void runs.reload()}>
          Refresh
        </button>
      </div>
      <FilterBox model={model} />
      {runs.error && (
        <div className="jp-mltrack-message jp-mod-error" role="alert">
          {runs.error}
        </div>
      )}
      <RunsTable model={model} />
      <div className="jp-mltrack-statusbar">
        <span className="jp-mltrack-count">
          {runs.runs.length}
          {runs.hasMore ? '+' : ''} runs{runs.loading ? ' · loading…' : ''}
        </span>
        <span className="jp-mltrack-spacer" />
        {selected > 0 && <span>{selected} selected</span>}
        {selected > 0 && (
          <button className="jp-mltrack-button" onClick={() => runs.clearSelection()}>
            Clear
          </button>
        )}
        <button
          className="jp-mltrack-button jp-mod-accept"
          disabled={!canCompare}
          title={canCompare ? 'Compare the selected runs' : `Select ${MIN_RUNS} to ${MAX_RUNS} runs to compare`}
          onClick={() => void model.compareSelected()}
        >
          Compare
        </button>
      </div>
    </div>
  );
}

/** The filter box: the search grammar, applied on Enter; a refused filter shows the server's message. */
function FilterBox(props: { model: MltrackModel }): JSX.Element {
  const runs = props.model.runs;
  const [text, setText] = useState(runs.filter);
  useEffect(() => setText(runs.filter), [runs.filter]);
  return (
    <div className="jp-mltrack-filter">
      <input
        className={'jp-mltrack-input' + (runs.filterError ? ' jp-mod-invalid' : '')}
        type="search"
        placeholder="Filter: metrics.acc > 0.9 and params.model = 'rf'"
        aria-label="Filter runs"
        aria-invalid={runs.filterError !== null}
        value={text}
        spellCheck={false}
        onChange={event => setText(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            void runs.applyFilter(text);
          }
        }}
      />
      {runs.filterError && (
        <pre className="jp-mltrack-filter-error" role="alert">
          {runs.filterError}
        </pre>
      )}
    </div>
  );
}
