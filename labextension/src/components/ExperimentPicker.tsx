// Chooses the experiments whose runs the table shows (several at once).
import React, { useState } from 'react';

import { RunsModel } from '../state/runs';
import { Popover } from './Popover';

export function ExperimentPicker(props: { model: RunsModel }): JSX.Element {
  const { model } = props;
  const [search, setSearch] = useState('');
  const chosen = new Set(model.selectedExperimentIds);
  const names = model.experiments.filter(e => chosen.has(e.experiment_id)).map(e => e.name);
  const label = names.length === 0 ? 'No experiment' : names.length === 1 ? names[0] : `${names[0]} +${names.length - 1}`;
  const shown = model.experiments.filter(e => e.name.toLowerCase().includes(search.toLowerCase()));
  const toggle = (id: string): void => {
    const next = chosen.has(id) ? model.selectedExperimentIds.filter(x => x !== id) : [...model.selectedExperimentIds, id];
    void model.setExperiments(next);
  };
  return (
    <Popover label={label} title="Experiments" className="jp-mltrack-experiments">
      <input
        className="jp-mltrack-input"
        placeholder="Find an experiment"
        value={search}
        onChange={event => setSearch(event.target.value)}
      />
      <ul className="jp-mltrack-checklist">
        {shown.map(e => (
          <li key={e.experiment_id}>
            <label>
              <input type="checkbox" checked={chosen.has(e.experiment_id)} onChange={() => toggle(e.experiment_id)} />
              {e.name}
            </label>
          </li>
        ))}
        {shown.length === 0 && <li className="jp-mltrack-muted">No experiment matches.</li>}
      </ul>
    </Popover>
  );
}
