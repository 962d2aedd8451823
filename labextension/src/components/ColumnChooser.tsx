// Chooses which params, metrics and tags the runs table shows.
import React, { useState } from 'react';

import { ColumnKind } from '../state/columns';
import { RunsModel } from '../state/runs';
import { Popover } from './Popover';

const GROUPS: Array<{ kind: Exclude<ColumnKind, 'attributes'>; title: string }> = [
  { kind: 'metrics', title: 'Metrics' },
  { kind: 'params', title: 'Params' },
  { kind: 'tags', title: 'Tags' }
];

export function ColumnChooser(props: { model: RunsModel }): JSX.Element {
  const { model } = props;
  const [search, setSearch] = useState('');
  const keys = model.keys;
  const match = (key: string): boolean => key.toLowerCase().includes(search.toLowerCase());
  return (
    <Popover label="Columns" title="Choose the columns" className="jp-mltrack-columns">
      <input
        className="jp-mltrack-input"
        placeholder="Find a key"
        value={search}
        onChange={event => setSearch(event.target.value)}
      />
      {GROUPS.map(group => (
        <div key={group.kind} className="jp-mltrack-column-group">
          <div className="jp-mltrack-group-title">{group.title}</div>
          <ul className="jp-mltrack-checklist">
            {keys[group.kind].filter(match).map(key => (
              <li key={key}>
                <label>
                  <input
                    type="checkbox"
                    checked={model.isShown({ kind: group.kind, key })}
                    onChange={() => model.toggleColumn({ kind: group.kind, key })}
                  />
                  {key}
                </label>
              </li>
            ))}
            {keys[group.kind].length === 0 && <li className="jp-mltrack-muted">none in the loaded runs</li>}
          </ul>
        </div>
      ))}
    </Popover>
  );
}
