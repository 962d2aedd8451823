// View 2, Compare: curves over steps, parallel coordinates, a scatter, params and metric summaries.
import React, { useEffect, useMemo, useState } from 'react';

import { MltrackModel } from '../model';
import { formatNumber } from '../state/columns';
import { curvesFigure, parallelFigure, paramRows, runLabel, scatterFigure } from '../state/figures';
import { useSignal } from './hooks';
import { Plot } from './Plot';

/** Columns (runs) shown in the params and metrics tables; the charts show every run. */
const TABLE_RUNS = 50;

export function CompareView(props: { model: MltrackModel }): JSX.Element {
  const { model } = props;
  const compare = model.compare;
  useSignal(compare.changed);
  const { runs, histories } = compare;
  // the curves are drawn first; the other charts wait for them, so the first chart comes fast
  const [curvesDrawn, setCurvesDrawn] = useState(false);
  useEffect(() => setCurvesDrawn(false), [runs]);

  const curves = useMemo(
    () =>
      compare.curveKeys.map(key => ({
        key,
        figure: histories.some(h => h.key === key) ? curvesFigure(runs, histories, key) : null
      })),
    [runs, histories, compare.curveKeys]
  );
  const parallel = useMemo(
    () => (compare.parallelMetric ? parallelFigure(runs, compare.parallelMetric) : null),
    [runs, compare.parallelMetric]
  );
  const scatter = useMemo(
    () =>
      compare.scatterParam && compare.scatterMetric
        ? scatterFigure(runs, compare.scatterParam, compare.scatterMetric)
        : null,
    [runs, compare.scatterParam, compare.scatterMetric]
  );

  if (runs.length === 0) {
    return (
      <div className="jp-mltrack-compare">
        {compare.error && <div className="jp-mltrack-message jp-mod-error">{compare.error}</div>}
        <p className="jp-mltrack-muted">Select 2 to 1,000 runs in the Runs tab, then press Compare.</p>
      </div>
    );
  }
  const showRest = curvesDrawn || (compare.curveKeys.length === 0 && !compare.loadingCurves);
  const paramKeys = [...new Set(runs.flatMap(r => Object.keys(r.data.params)))].sort();
  const tableRuns = runs.slice(0, TABLE_RUNS);
  const rows = paramRows(tableRuns, compare.onlyDifferences);

  return (
    <div className="jp-mltrack-compare">
      <div className="jp-mltrack-toolbar">
        <span className="jp-mltrack-title">Comparing {runs.length} runs</span>
        <span className="jp-mltrack-spacer" />
        <button className="jp-mltrack-button" onClick={() => model.setView('runs')}>
          Back to runs
        </button>
      </div>
      {compare.error && <div className="jp-mltrack-message jp-mod-error">{compare.error}</div>}

      <details open className="jp-mltrack-section">
        <summary>Metric curves{compare.loadingCurves ? ' · loading…' : ''}</summary>
        <div className="jp-mltrack-chips">
          {compare.metricKeys.map(key => (
            <button
              key={key}
              className={'jp-mltrack-chip' + (compare.curveKeys.includes(key) ? ' jp-mod-active' : '')}
              aria-pressed={compare.curveKeys.includes(key)}
              onClick={() => void compare.toggleCurve(key)}
            >
              {key}
            </button>
          ))}
        </div>
        {curves.map(({ key, figure }) =>
          figure ? (
            <Plot key={key} figure={figure} label={`${key} over steps`} onDrawn={() => setCurvesDrawn(true)} />
          ) : (
            <div key={key} className="jp-mltrack-plot-placeholder jp-mltrack-muted">
              Loading the {key} histories…
            </div>
          )
        )}
      </details>

      <details open className="jp-mltrack-section">
        <summary>Parallel coordinates</summary>
        <label className="jp-mltrack-field">
          metric
          <select value={compare.parallelMetric} onChange={e => compare.setParallelMetric(e.target.value)}>
            {compare.metricKeys.map(key => (
              <option key={key}>{key}</option>
            ))}
          </select>
        </label>
        {parallel && showRest && <Plot figure={parallel} label="parallel coordinates" height={300} />}
      </details>

      <details open className="jp-mltrack-section">
        <summary>Scatter</summary>
        <label className="jp-mltrack-field">
          param
          <select value={compare.scatterParam} onChange={e => compare.setScatter(e.target.value, compare.scatterMetric)}>
            {paramKeys.map(key => (
              <option key={key}>{key}</option>
            ))}
          </select>
        </label>
        <label className="jp-mltrack-field">
          metric
          <select value={compare.scatterMetric} onChange={e => compare.setScatter(compare.scatterParam, e.target.value)}>
            {compare.metricKeys.map(key => (
              <option key={key}>{key}</option>
            ))}
          </select>
        </label>
        {scatter && showRest && <Plot figure={scatter} label="scatter" height={260} />}
      </details>

      <details open className="jp-mltrack-section">
        <summary>Params</summary>
        <label className="jp-mltrack-field">
          <input
            type="checkbox"
            checked={compare.onlyDifferences}
            onChange={e => compare.setOnlyDifferences(e.target.checked)}
          />
          only differences
        </label>
        {runs.length > TABLE_RUNS && <p className="jp-mltrack-muted">The first {TABLE_RUNS} runs of {runs.length}.</p>}
        <div className="jp-mltrack-scroll-x">
          <table className="jp-mltrack-kv jp-mltrack-params-table">
            <thead>
              <tr>
                <th>param</th>
                {tableRuns.map(run => (
                  <th key={run.info.run_id}>{runLabel(run)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(row => (
                <tr key={row.key} className={row.differs ? 'jp-mod-differs' : ''}>
                  <th>{row.key}</th>
                  {row.values.map((value, i) => (
                    <td key={i}>{value}</td>
                  ))}
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={tableRuns.length + 1} className="jp-mltrack-muted">
                    {compare.onlyDifferences ? 'All params are the same.' : 'No params.'}
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </details>

      <details open className="jp-mltrack-section">
        <summary>Metrics: last (min – max){compare.loadingSummaries ? ' · loading…' : ''}</summary>
        <div className="jp-mltrack-scroll-x">
          <table className="jp-mltrack-kv jp-mltrack-metrics-table">
            <thead>
              <tr>
                <th>metric</th>
                {tableRuns.map(run => (
                  <th key={run.info.run_id}>{runLabel(run)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {compare.metricKeys.map(key => (
                <tr key={key}>
                  <th>{key}</th>
                  {tableRuns.map(run => {
                    const s = compare.summary(run.info.run_id, key);
                    return (
                      <td key={run.info.run_id} className="jp-mltrack-number">
                        {s ? (
                          <>
                            {formatNumber(s.last)}
                            <span className="jp-mltrack-range">
                              {' '}
                              ({formatNumber(s.min)} – {formatNumber(s.max)})
                            </span>
                          </>
                        ) : (
                          ''
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
