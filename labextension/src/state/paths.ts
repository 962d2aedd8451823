// Notebook paths: runs record the path the kernel saw (the magics record it absolute, e.g.
// /home/ada/work/train.ipynb; the Python API takes whatever it is given), while JupyterLab names
// documents relative to the server's root (work/train.ipynb). These convert between the two.

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

/** The absolute form of a server path, when the server root is known and absolute. */
export function absolutePath(serverPath: string, serverRoot: string): string | null {
  const root = trimSlashes(serverRoot.replace(/\\/g, '/'));
  if (!root.startsWith('/') && !/^[A-Za-z]:\//.test(root)) {
    return null; // "~/..." or unknown: the absolute path cannot be told
  }
  return `${root}/${serverPath.replace(/^\/+/, '')}`;
}

/** The paths a run made from this notebook may have recorded. */
export function recordedPathCandidates(serverPath: string, serverRoot: string): string[] {
  const candidates = [serverPath];
  const absolute = absolutePath(serverPath, serverRoot);
  if (absolute && absolute !== serverPath) {
    candidates.push(absolute);
  }
  return candidates;
}

/**
 * The server path (what the document manager opens) of a recorded notebook path, or null when
 * the notebook is outside the server's root.
 */
export function serverPathOf(recordedPath: string, serverRoot: string): string | null {
  const path = recordedPath.replace(/\\/g, '/');
  if (!path.startsWith('/') && !/^[A-Za-z]:\//.test(path)) {
    return path.replace(/^\.\//, '');
  }
  const root = trimSlashes(serverRoot.replace(/\\/g, '/'));
  if (root && path.startsWith(root + '/')) {
    return path.slice(root.length + 1);
  }
  return null;
}
