// Shows one artifact from the preview route: an image, text, HTML in a sandboxed frame (no
// script, no same-origin access), or a plotly figure drawn with plotly.
import React from 'react';

import { Figure } from '../state/figures';
import { ArtifactPreview as Preview } from '../types';
import { Plot } from './Plot';

function isFigure(content: unknown): content is Figure {
  return !!content && typeof content === 'object' && Array.isArray((content as Figure).data);
}

export function ArtifactPreview(props: { preview: Preview; downloadUrl: string }): JSX.Element {
  const { preview, downloadUrl } = props;
  const download = (
    <a className="jp-mltrack-link" href={downloadUrl} download>
      Download
    </a>
  );
  if (preview.content === null || preview.content === undefined) {
    return (
      <div className="jp-mltrack-preview jp-mltrack-muted">
        {preview.truncated ? 'Too large to preview.' : 'No preview for this kind of file.'} {download}
      </div>
    );
  }
  switch (preview.kind) {
    case 'image':
      return (
        <div className="jp-mltrack-preview">
          <img alt={preview.path} src={`data:${preview.content_type};base64,${String(preview.content)}`} />
        </div>
      );
    case 'html':
      return (
        <div className="jp-mltrack-preview">
          <iframe
            className="jp-mltrack-frame"
            title={preview.path}
            sandbox=""
            referrerPolicy="no-referrer"
            srcDoc={String(preview.content)}
          />
          {preview.truncated && <div className="jp-mltrack-muted">Cut to the first part. {download}</div>}
        </div>
      );
    case 'plotly': {
      const figure = preview.content as Figure;
      return isFigure(figure) ? (
        <div className="jp-mltrack-preview">
          <Plot figure={{ data: figure.data, layout: figure.layout ?? {} }} label={preview.path} />
        </div>
      ) : (
        <pre className="jp-mltrack-preview jp-mltrack-code">{JSON.stringify(preview.content, null, 2)}</pre>
      );
    }
    default:
      return (
        <div className="jp-mltrack-preview">
          <pre className="jp-mltrack-code">{String(preview.content)}</pre>
          {preview.truncated && <div className="jp-mltrack-muted">Cut to the first part. {download}</div>}
        </div>
      );
  }
}
