// The runs table, virtualized: only the rows in view (and a few around them) are in the DOM, so
// it scrolls smoothly through 10,000 runs; the next page loads as the end comes near.
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';

import { MltrackModel } from '../model';
import { ATTRIBUTE_COLUMNS, Column, columnId, columnTitle, formatCell, sameColumn } from '../state/columns';
import { Run } from '../types';

export const ROW_HEIGHT = 26;
const OVERSCAN = 8;
const CHECK_WIDTH = 28;

function columnWidth(column: Column): number {
  if (column.kind === 'attributes') {
    return column.key === 'run_name' ? 170 : column.key === 'status' ? 86 : 124;
  }
  return 96;
}

export function RunsTable(props: { model: MltrackModel }): JSX.Element {
  const { model } = props;
  const runs = model.runs;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const lastClicked = useRef<number | null>(null);

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    setHeight(node.clientHeight);
    const observer = new ResizeObserver(() => setHeight(node.clientHeight));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const columns = [...ATTRIBUTE_COLUMNS, ...runs.columns];
  const template = [CHECK_WIDTH, ...columns.map(columnWidth)].map(w => `${w}px`).join(' ');
  const width = CHECK_WIDTH + columns.reduce((sum, c) => sum + columnWidth(c), 0);
  const rowCount = runs.runs.length + (runs.hasMore ? 1 : 0);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rowCount - 1, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    runs.ensureLoaded(last);
  }, [last, runs.runs.length, runs.hasMore]);

  const onCheck = (index: number, run: Run, shift: boolean): void => {
    if (shift && lastClicked.current !== null) {
      runs.selectRange(lastClicked.current, index, !runs.isSelected(run.info.run_id));
    } else {
      runs.toggleSelected(run);
    }
    lastClicked.current = index;
  };

  const rows: JSX.Element[] = [];
  for (let index = first; index <= last; index++) {
    const run = runs.runs[index];
    const style = { top: index * ROW_HEIGHT, height: ROW_HEIGHT, gridTemplateColumns: template, width };
    if (!run) {
      rows.push(
        <div key="loading" className="jp-mltrack-row jp-mltrack-row-loading" style={style}>
          Loading more runs…
        </div>
      );
      continue;
    }
    const selected = runs.isSelected(run.info.run_id);
    rows.push(
      <div
        key={run.info.run_id}
        className={'jp-mltrack-row' + (selected ? ' jp-mod-selected' : '')}
        style={style}
        role="row"
        aria-rowindex={index + 2}
        data-run-id={run.info.run_id}
        onClick={() => void model.openRun(run.info.run_id)}
        title="Open this run"
      >
        <span className="jp-mltrack-cell" onClick={event => event.stopPropagation()}>
          <input
            type="checkbox"
            aria-label={`Select ${run.info.run_name}`}
            checked={selected}
            onChange={event => onCheck(index, run, (event.nativeEvent as MouseEvent).shiftKey)}
          />
        </span>
        {columns.map(column => (
          <span
            key={columnId(column)}
            className={'jp-mltrack-cell' + (column.kind === 'metrics' ? ' jp-mltrack-number' : '')}
            role="cell"
          >
            {column.kind === 'attributes' && column.key === 'status' ? (
              <span className={`jp-mltrack-status jp-mltrack-status-${run.info.status.toLowerCase()}`}>
                {run.info.status.toLowerCase()}
              </span>
            ) : (
              formatCell(run, column)
            )}
          </span>
        ))}
      </div>
    );
  }

  return (
    <div
      className="jp-mltrack-table"
      ref={scroller}
      role="table"
      aria-rowcount={rowCount + 1}
      onScroll={event => setScrollTop((event.target as HTMLDivElement).scrollTop)}
    >
      <div className="jp-mltrack-header" role="row" style={{ gridTemplateColumns: template, width }}>
        <span className="jp-mltrack-cell">
          <input
            type="checkbox"
            aria-label="Select all loaded runs"
            title="Select all loaded runs (at most 1,000)"
            checked={runs.runs.length > 0 && runs.selected.size >= runs.runs.length && runs.runs.every(r => runs.isSelected(r.info.run_id))}
            onChange={event => (event.target.checked ? runs.selectAllLoaded() : runs.clearSelection())}
          />
        </span>
        {columns.map(column => {
          const sorted = runs.order && sameColumn(runs.order.column, column) ? runs.order : null;
          return (
            <span
              key={columnId(column)}
              className={'jp-mltrack-cell jp-mltrack-sortable' + (column.kind === 'metrics' ? ' jp-mltrack-number' : '')}
              role="columnheader"
              aria-sort={sorted ? (sorted.descending ? 'descending' : 'ascending') : 'none'}
              title={`${columnId(column)}: click to sort`}
              onClick={() => void runs.sortBy(column)}
            >
              {column.kind !== 'attributes' && <span className="jp-mltrack-kind">{column.kind[0]}</span>}
              {columnTitle(column)}
              {sorted && <span className="jp-mltrack-arrow">{sorted.descending ? '▼' : '▲'}</span>}
            </span>
          );
        })}
      </div>
      <div className="jp-mltrack-body" style={{ height: rowCount * ROW_HEIGHT, width }}>
        {rows}
      </div>
      {rowCount === 0 && !runs.loading && (
        <div className="jp-mltrack-empty">
          {runs.selectedExperimentIds.length === 0 ? 'Choose an experiment.' : 'No runs match.'}
        </div>
      )}
    </div>
  );
}
