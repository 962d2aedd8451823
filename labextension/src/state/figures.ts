// Plotly figures (plain data + layout objects) built from runs and metric histories. Pure
// functions: the Compare view draws them, the tests check them.
import { MetricHistory, Run, metricNumber } from '../types';

export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/** At most this many traces get a legend (beyond, hovering names the run). */
const LEGEND_LIMIT = 20;
/** At most this many param axes in the parallel coordinates. */
const MAX_AXES = 12;

export function runLabel(run: Run): string {
  return run.info.run_name || run.info.run_id.slice(0, 8);
}

/** A metric value for plotting: null (a gap) for NaN and infinities. */
function plottable(value: number): number | null {
  return isFinite(value) ? value : null;
}

/** One line per run: the metric `key` over steps (a bar per run when each has a single value). */
export function curvesFigure(runs: Run[], histories: MetricHistory[], key: string): Figure {
  const byRun = new Map(histories.filter(h => h.key === key).map(h => [h.run_id, h]));
  const series = [...byRun.values()].filter(h => h.steps.length > 0);
  if (series.length > 0 && series.every(h => h.steps.length === 1)) {
    return singleValues(runs, byRun, key);
  }
  const data = runs
    .map(run => ({ run, history: byRun.get(run.info.run_id) }))
    .filter(({ history }) => history && history.steps.length > 0)
    .map(({ run, history }) => ({
      type: 'scatter',
      mode: history!.steps.length === 1 ? 'markers' : 'lines',
      name: runLabel(run),
      x: history!.steps,
      y: history!.values.map(v => plottable(metricNumber(v))),
      hovertemplate: `${escapeTemplate(runLabel(run))}<br>step %{x}: %{y}<extra></extra>`
    }));
  return {
    data,
    layout: {
      title: { text: key },
      xaxis: { title: { text: 'step' } },
      yaxis: { title: { text: key } },
      showlegend: data.length <= LEGEND_LIMIT
    }
  };
}

function singleValues(runs: Run[], byRun: Map<string, MetricHistory>, key: string): Figure {
  const shown = runs.filter(run => (byRun.get(run.info.run_id)?.values.length ?? 0) > 0);
  return {
    data: [
      {
        type: 'bar',
        x: shown.map(runLabel),
        y: shown.map(run => plottable(metricNumber(byRun.get(run.info.run_id)!.values[0]))),
        hovertemplate: `%{x}<br>${escapeTemplate(key)}=%{y}<extra></extra>`
      }
    ],
    layout: {
      title: { text: `${key} (one value per run)` },
      xaxis: { type: 'category', automargin: true },
      yaxis: { title: { text: key } },
      showlegend: false
    }
  };
}

/** Whether every value is a number (then an axis is numeric, else categorical). */
export function allNumeric(values: Array<string | undefined>): boolean {
  return values.every(v => v !== undefined && v.trim() !== '' && isFinite(Number(v)));
}

/** Param keys whose values differ between the runs (constant ones tell nothing). */
export function differingParams(runs: Run[]): string[] {
  const keys = new Set<string>();
  runs.forEach(r => Object.keys(r.data.params).forEach(k => keys.add(k)));
  return [...keys].sort().filter(key => new Set(runs.map(r => r.data.params[key])).size > 1);
}

/** Parallel coordinates: one axis per differing param, then the metric, coloured by it. */
export function parallelFigure(runs: Run[], metricKey: string): Figure {
  const metric = runs.map(r => plottable(metricNumber(r.data.metrics[metricKey])));
  const dimensions = differingParams(runs)
    .slice(0, MAX_AXES)
    .map(key => axis(key, runs.map(r => r.data.params[key])));
  dimensions.push({ label: metricKey, values: metric.map(v => (v === null ? NaN : v)) });
  const finite = metric.filter((v): v is number => v !== null);
  return {
    data: [
      {
        type: 'parcoords',
        dimensions,
        line: {
          color: metric.map(v => (v === null ? NaN : v)),
          colorscale: 'Viridis',
          showscale: true,
          cmin: finite.length ? Math.min(...finite) : 0,
          cmax: finite.length ? Math.max(...finite) : 1
        }
      }
    ],
    layout: { title: { text: `params → ${metricKey}` } }
  };
}

function axis(label: string, values: Array<string | undefined>): Record<string, unknown> {
  if (allNumeric(values)) {
    return { label, values: values.map(v => Number(v)) };
  }
  const categories = [...new Set(values.map(v => v ?? '∅'))].sort();
  const index = new Map(categories.map((c, i) => [c, i]));
  return {
    label,
    values: values.map(v => index.get(v ?? '∅')),
    tickvals: categories.map((_, i) => i),
    ticktext: categories
  };
}

/** A param against a metric, one marker per run. */
export function scatterFigure(runs: Run[], paramKey: string, metricKey: string): Figure {
  const params = runs.map(r => r.data.params[paramKey]);
  const numeric = allNumeric(params);
  return {
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: params.map(v => (numeric ? Number(v) : v ?? '∅')),
        y: runs.map(r => plottable(metricNumber(r.data.metrics[metricKey]))),
        text: runs.map(runLabel),
        hovertemplate: `%{text}<br>${escapeTemplate(paramKey)}=%{x}<br>${escapeTemplate(metricKey)}=%{y}<extra></extra>`,
        marker: { size: 8 }
      }
    ],
    layout: {
      title: { text: `${paramKey} vs ${metricKey}` },
      xaxis: { title: { text: paramKey }, type: numeric ? '-' : 'category' },
      yaxis: { title: { text: metricKey } }
    }
  };
}

/** Plotly reads %{...} in hover templates: a name holding `%{` must not be read as one. */
function escapeTemplate(text: string): string {
  return text.replace(/%\{/g, '%\u200b{');
}

export interface ParamRow {
  key: string;
  values: string[];
  differs: boolean;
}

/** The params table: one row per key, one value per run ('' when missing). */
export function paramRows(runs: Run[], onlyDifferences: boolean): ParamRow[] {
  const keys = new Set<string>();
  runs.forEach(r => Object.keys(r.data.params).forEach(k => keys.add(k)));
  return [...keys]
    .sort()
    .map(key => {
      const values = runs.map(r => r.data.params[key] ?? '');
      return { key, values, differs: new Set(values).size > 1 };
    })
    .filter(row => !onlyDifferences || row.differs);
}

export interface MetricSummary {
  min: number;
  max: number;
  last: number;
}

/** min, max and last of a series (NaN is never a min or max; all-NaN gives NaN). */
export function summarize(history: MetricHistory): MetricSummary | null {
  if (history.values.length === 0) {
    return null;
  }
  const values = history.values.map(metricNumber);
  const real = values.filter(v => !isNaN(v));
  return {
    min: real.length ? Math.min(...real) : NaN,
    max: real.length ? Math.max(...real) : NaN,
    last: values[values.length - 1]
  };
}
