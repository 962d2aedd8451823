"""Every cell kind and magic, as the lines it becomes in main.py (table-driven), and main.py stays
valid Python whatever the notebook holds."""

from __future__ import annotations

import ast

import pytest

from tests.export.kit import cell, main_py, notebook

TRACKED = "%%track first\nalpha = 1\n"

CASES = [
    # (id, cells, expected consecutive lines)
    ("markdown", [cell("# Title\n\nSome *text*", "markdown")], ["# %% [markdown]", "# # Title", "#", "# Some *text*"]),
    ("raw", [cell("raw text", "raw")], ["# %% [raw]", "# raw text"]),
    ("skip tag", [cell("x = 1", tags=("skip",))], ["# (cell 0 is tagged 'skip': left out)"]),
    ("plain code", ["x = 1\nprint(x)"], ["# %% cell 0", "x = 1", "print(x)"]),
    ("shell", ["!pip install six"], ["# !pip install six  [shell command: not run]"]),
    ("shell assignment", ["files = !ls -la"], ["# files = !ls -la  [shell command: not run]"]),
    ("shell in a block", ["for i in range(2):\n    !echo {i}"],
     ["for i in range(2):", "    pass  # !echo {i}  [shell command: not run]"]),
    ("line magic", ["%matplotlib inline"], ["# %matplotlib inline  [IPython magic: not run]"]),
    ("time keeps the code", ["%time y = sum(range(3))"], ["y = sum(range(3))  # %time: timing left out"]),
    ("help", ["len?"], ["# len?  [help: not run]"]),
    ("load_ext", ["%load_ext jupyter_mltrack"], ["# %load_ext jupyter_mltrack  [not needed outside Jupyter]"]),
    ("env hides the value", ["%env API_TOKEN=abc123secret"],
     ["# %env API_TOKEN=...  [set it in the environment instead]"]),
    ("other cell magic", ["%%bash\necho hi\nls"],
     ["# %% cell 0", "# %%bash  [cell magic: not run]", "# echo hi", "# ls"]),
    ("%%time keeps the body", ["%%time\nz = 2"], ["# %%time  [timing left out]", "z = 2"]),
    ("modulo continuation stays Python", ["w = (10\n% 3)"], ["w = (10", "% 3)"]),
    ("bang inside a string stays", ['s = """\n!not a command\n"""'], ['s = """', "!not a command", '"""']),
    ("autolog on", ["%mltrack autolog on sklearn --no-models"],
     ["# %mltrack autolog on sklearn --no-models", "mlt.autolog(frameworks=['sklearn'], log_models=False)"]),
    ("autolog off", ["%mltrack autolog off --silent"], ["mlt.autolog(disable=True, silent=True)"]),
    ("experiment", ["%mltrack experiment churn"],
     ["if PROJECT_RUN_ID is None:  # under `mltrack run`, runs go to the experiment chosen there",
      "    mlt.set_experiment('churn')"]),
    ("experiment shown", ["%mltrack experiment"], ["# %mltrack experiment  [display only]"]),
    ("log", ["%mltrack log precision=0.82 note=baseline params.seed=42 tags.k=v"],
     ["mlt.log_metrics({'precision': 0.82})", "mlt.log_params({'note': 'baseline', 'seed': '42'})",
      "mlt.set_tags({'k': 'v'})"]),
    ("log expanded values", ["%mltrack log acc={accuracy}"], ["log_pairs(f'acc={accuracy}')"]),
    ("log after a tracked cell", [TRACKED, "%mltrack log note=x"],
     ["with mlt.start_run(run_id=tracked_run.info.run_id, nested=True):", "    mlt.log_params({'note': 'x'})"]),
    ("display only", ["%mltrack runs --order-by 'metrics.acc DESC'"],
     ["# %mltrack runs --order-by 'metrics.acc DESC'  [display only]"]),
    ("status", ["%mltrack status"], ["# %mltrack status  [display only]"]),
    ("registry", ["%mltrack promote churn 1 --to Production"],
     ["# %mltrack promote churn 1 --to Production  [registry changes are not repeated by the project]"]),
    ("uri", ["%mltrack uri sqlite:///x.db"],
     ["# %mltrack uri sqlite:///x.db  [the store comes from MLTRACK_TRACKING_URI (`mltrack run` passes it)]"]),
    ("tracked cell", ["%%track rf -t team=vision\nn = 3\nscore = n / 4"],
     ["# %%track rf -t team=vision", "with (",
      "    mlt.start_run(run_id=PROJECT_RUN_ID, run_name='rf', tags={'team': 'vision'}) as tracked_run,",
      "    track_cell(globals(), ['n', 'score']) as tracking,", "):", "    n = ARGS.n", "    score = n / 4"]),
    ("second tracked cell is a child", [TRACKED, "%%track second -e other -p a -m b\nbeta = 2"],
     ["    mlt.start_run(run_name='second', parent_run_id=PROJECT_RUN_ID, experiment_id=experiment_id('other'))"
      " as tracked_run,", "    track_cell(globals(), ['beta'], params=['a'], metrics=['b']) as tracking,"]),
    ("nested", [TRACKED, "%%track --nested child\ngamma = 3"],
     ["    mlt.start_run(run_name='child', parent_run_id=tracked_run.info.run_id) as nested_run,"]),
    ("expanded run name", ["%%track rf-{n}\nx = 1"],
     ["    mlt.start_run(run_id=PROJECT_RUN_ID, run_name=f'rf-{n}') as tracked_run,"]),
    ("sklearn metric calls are observed", ["%%track\nprint(f1_score(y_test, clf.predict(X_test)))"],
     ["    print(tracking.observe(f1_score, 'X_test')(y_test, clf.predict(X_test)))"]),
    ("fit inputs", ["%%track\nm = M().fit(X_train, y_train)"],
     ["    track_cell(globals(), ['m'], fit_inputs=['X_train', 'y_train']) as tracking,"]),
    ("live and no-models", ["%%track --live --no-models\nx = 1"],
     ["# --live: no live chart outside Jupyter",
      "# --no-models: autolog logs models here (no notebook cell to tell it not to)"]),
    ("%%track over %%time", ["%%track t\n%%time\nq = 1"], ["# %%track t", "# %%time  [timing left out]", "with ("]),
    ("empty tracked cell", ["%%track\n# nothing"], ["    # nothing", "    pass"]),
    ("string lines are not re-indented", ['%%track\ntext = """a\nb""".upper()'], ['    text = """a', 'b""".upper()']),
    ("magic inside a tracked cell", ["%%track\n%mltrack log k=1\nv = 1"], ["    mlt.log_metrics({'k': 1.0})"]),
    ("secret literal", ['api_key = "sk-live-1234567890"'],
     ["api_key = os.environ['API_KEY']"]),
    ("parameters cell", [cell("alpha = 0.5\nname = 'x'\nflag = True\nn = -3", tags=("parameters",)), "print(alpha)"],
     ["alpha = ARGS.alpha", "name = ARGS.name", "flag = ARGS.flag", "n = ARGS.n"]),
    ("injected parameters replace the cell", [cell("alpha = 0.5", tags=("parameters",)),
                                              cell("alpha = 0.9", tags=("injected-parameters",))],
     ["# (cell 1 held papermill's injected parameters: they are command-line flags now)"]),
]


@pytest.mark.parametrize(("cells", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cell_becomes(cells: list[object], expected: list[str]) -> None:
    text = main_py(notebook(*cells))
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line == expected[0]]
    assert any(lines[i : i + len(expected)] == expected for i in starts), text
    ast.parse(text)  # always valid Python


def test_parameters_become_typed_flags() -> None:
    text = main_py(notebook(cell("alpha = 0.5\nname = 'x'\nflag = True\nn = -3", tags=("parameters",))))
    assert "parser.add_argument('--alpha', dest='alpha', type=float, default=0.5, help='float')" in text
    assert "parser.add_argument('--name', dest='name', type=str, default='x', help='str')" in text
    assert "parser.add_argument('--flag', dest='flag', type=boolean, default=True, help='bool')" in text
    assert "parser.add_argument('--n', dest='n', type=int, default=-3, help='int')" in text
    assert "from jupyter_mltrack.export.runtime import boolean" in text


def test_a_name_is_fed_to_the_first_tracked_cell_that_assigns_it() -> None:
    text = main_py(notebook("%%track a\nn = 1", "%%track b\nn = 2"))
    assert "    n = ARGS.n" in text and "    n = 2" in text


def test_generated_names_never_shadow_the_notebook() -> None:
    text = main_py(notebook("ARGS = 1\ntracked_run = 2\nmlt = 'mine'", "%%track\nx = 1"))
    assert "import jupyter_mltrack as mltrack_api" in text
    assert "as tracked_run_," in text and "ARGS = 1" in text


def test_future_imports_move_to_the_top_and_display_works_outside_jupyter() -> None:
    text = main_py(notebook("from __future__ import annotations\ndisplay(1)"))
    assert text.count("from __future__ import annotations") == 1
    assert text.index("from __future__") < text.index("import jupyter_mltrack")
    assert "def display(" in text
    ast.parse(text)


def test_a_bad_track_line_names_the_cell() -> None:
    from jupyter_mltrack.export.errors import ExportError

    with pytest.raises(ExportError, match="Cell 1: %%track: unrecognized arguments"):
        main_py(notebook("x = 1", "%%track --bogus\ny = 2"))
