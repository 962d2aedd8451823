// The panel's icon in the left bar: a rising curve over a grid, in JupyterLab's icon colour.
import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 3h2v16h16v2H3z"/>
    <path d="M7 16.5l4.2-5.6 3.3 2.6 4.9-7.1 1.6 1.2-6.1 8.9-3.3-2.6-3 4z"/>
    <circle cx="11.2" cy="10.9" r="1.4"/>
    <circle cx="19.4" cy="6.4" r="1.4"/>
  </g>
</svg>`;

export const mltrackIcon = new LabIcon({ name: 'jupyter-mltrack:panel', svgstr });
