// One plotly chart. plotly.js is imported lazily, the first time a chart is drawn, so the panel
// itself opens without loading it. Colours come from JupyterLab's CSS variables (light or dark).
import React, { useEffect, useRef, useState } from 'react';

import { Figure } from '../state/figures';

type PlotlyModule = typeof import('plotly.js-dist-min');

let plotly: Promise<PlotlyModule> | null = null;

/** Loads plotly.js once (a separate chunk of the extension). */
export function loadPlotly(): Promise<PlotlyModule> {
  if (!plotly) {
    plotly = import('plotly.js-dist-min').then(
      module => ((module as unknown as { default?: PlotlyModule }).default ?? module) as PlotlyModule
    );
  }
  return plotly;
}

function cssVar(node: HTMLElement, name: string, fallback: string): string {
  return getComputedStyle(node).getPropertyValue(name).trim() || fallback;
}

/** The figure's layout with the theme's font, grid colours and a transparent background. */
function themed(node: HTMLElement, figure: Figure, height: number): Record<string, unknown> {
  const font = cssVar(node, '--jp-ui-font-color1', '#333');
  const grid = cssVar(node, '--jp-border-color2', '#ddd');
  const axis = (extra: unknown): Record<string, unknown> => ({
    gridcolor: grid,
    zerolinecolor: grid,
    linecolor: grid,
    automargin: true,
    ...(extra as Record<string, unknown> | undefined)
  });
  return {
    height,
    margin: { l: 48, r: 16, t: 36, b: 40 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { color: font, family: cssVar(node, '--jp-ui-font-family', 'sans-serif'), size: 11 },
    legend: { font: { size: 10 } },
    ...figure.layout,
    xaxis: axis(figure.layout.xaxis),
    yaxis: axis(figure.layout.yaxis)
  };
}

/** JupyterLab's current theme (a change redraws the charts in its colours). */
function useThemeName(): string {
  const [name, setName] = useState(document.body.dataset.jpThemeName ?? '');
  useEffect(() => {
    const observer = new MutationObserver(() => setName(document.body.dataset.jpThemeName ?? ''));
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-name'] });
    return () => observer.disconnect();
  }, []);
  return name;
}

export function Plot(props: { figure: Figure; height?: number; label: string; onDrawn?: () => void }): JSX.Element {
  const { figure, height = 280, label, onDrawn } = props;
  const ref = useRef<HTMLDivElement>(null);
  const theme = useThemeName();

  useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    let cancelled = false;
    node.dataset.drawn = 'false';
    const requested = performance.now();
    void loadPlotly().then(async Plotly => {
      if (cancelled) {
        return;
      }
      const loaded = performance.now();
      await Plotly.react(node, figure.data, themed(node, figure, height), {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ['select2d', 'lasso2d']
      });
      if (!cancelled) {
        node.dataset.drawn = 'true';
        // for benchmarks/panel.py: how long plotly took to load, then to draw
        performance.measure(`mltrack:plotly-load:${label}`, { start: requested, end: loaded });
        performance.measure(`mltrack:plotly-draw:${label}`, { start: loaded });
        onDrawn?.();
      }
    });
    return () => {
      cancelled = true;
    };
  }, [figure, height, theme]);

  useEffect(() => {
    const node = ref.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() => {
      if (node.dataset.drawn === 'true') {
        void loadPlotly().then(Plotly => Plotly.Plots.resize(node));
      }
    });
    observer.observe(node);
    return () => {
      observer.disconnect();
      void loadPlotly().then(Plotly => Plotly.purge(node));
    };
  }, []);

  return <div className="jp-mltrack-plot" ref={ref} aria-label={label} data-drawn="false" />;
}
