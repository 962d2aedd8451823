// Build the prebuilt labextension OFFLINE (DESIGN.md section 7): `jupyter labextension build`
// would download JupyterLab's core metadata; we pass the copy inside the installed jupyterlab
// package (its `staging` folder) with --core-path. Extra arguments (e.g. --development) pass on.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const candidates = [process.env.PYTHON, 'python', 'python3'].filter(Boolean);

function run(python, args, opts = {}) {
  return execFileSync(python, args, { encoding: 'utf-8', ...opts });
}

let python;
let corePath;
for (const candidate of candidates) {
  try {
    corePath = run(candidate, [
      '-c',
      'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))'
    ]).trim();
    python = candidate;
    break;
  } catch {
    // try the next interpreter
  }
}
if (!python) {
  console.error('build-labextension: no Python with jupyterlab installed (set PYTHON=/path/to/python)');
  process.exit(1);
}
const args = ['-m', 'jupyter', 'labextension', 'build', '--core-path', corePath, ...process.argv.slice(2), here];
console.log(`${python} ${args.join(' ')}`);
run(python, args, { stdio: 'inherit' });
