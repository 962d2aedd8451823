"""Hostile names and secrets: nothing an export writes escapes OUT_DIR, breaks out of a comment or
string, or holds a password, a token or a secret environment variable's value (the whole output
tree is searched)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import nbformat
import pytest

from jupyter_mltrack.export import export_notebook
from jupyter_mltrack.export.sanitize import Scrubber, is_secret_name, one_line, slug
from tests.export.kit import cell, notebook, tree_text, write

SECRETS = {
    "AWS_SECRET_ACCESS_KEY": "aws-s3cr3t-value-0001",
    "GITHUB_TOKEN": "ghp_tokenvalue000000002",
    "MLTRACK_TRACKING_URI": "postgresql://tracker:trackerpw0003@db.internal/mltrack",
}
IN_NOTEBOOK = ["hunter2pw0004", "sk-live-0000000005", "querysecret0006", "outputsecret0007", "envsecret0008"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("../../etc/passwd", "etc-passwd"), ("$(rm -rf ~)", "rm-rf"), ("..", "project"), ("a\nb`c`", "a-b-c"),
     ("Ünïcodé name", "Unicode-name"), (".hidden", "hidden")],
)
def test_slugs(given: str, expected: str) -> None:
    assert slug(given) == expected


def test_secret_names_and_scrubbing() -> None:
    assert all(is_secret_name(n) for n in ("api_key", "dbPassword", "GITHUB_TOKEN", "client_secret", "pwd"))
    assert not any(is_secret_name(n) for n in ("tokenizer", "max_tokens", "keyboard", "monkey", "n_estimators"))
    scrub = Scrubber(["s3cr3t-literal"], environ={"MY_API_KEY": "envvalue123", "HOME": "/root"})
    text = "postgresql://bob:pw@h/db s3://b/k?X-Amz-Signature=abc&ok=1 s3cr3t-literal envvalue123 /root"
    expected = "postgresql://bob:***@h/db s3://b/k?X-Amz-Signature=<redacted>&ok=1 <redacted> <redacted> /root"
    assert scrub(text) == expected
    assert one_line("a\nb\rc\u2028d\x00e") == "a b c d e"


def test_hostile_names_and_secrets_never_reach_the_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in SECRETS.items():
        monkeypatch.setenv(key, value)
    hostile = tmp_path / 'evil"""\n$(touch pwned) `id`; rm -rf ~.ipynb'
    nb = notebook(
        cell('# Title """\nimport os; os.system("touch pwned")', "markdown"),
        cell('db_uri = "postgresql://bob:hunter2pw0004@db/x"\napi_key = "sk-live-0000000005"', tags=("parameters",)),
        '%mltrack uri postgresql://bob:hunter2pw0004@db/x\n%env SECRET_VALUE=envsecret0008\n'
        'url = "https://files.example/data.csv?token=querysecret0006"\nprint(db_uri, api_key, url)',
        "%%track run-with-secrets -t uri=mysql://root:hunter2pw0004@h/db\nconnect(password='sk-live-0000000005')",
        f"print({SECRETS['GITHUB_TOKEN']!r})",
    )
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="outputsecret0007\n")]
    nb.metadata["papermill"] = {"parameters": {"api_key": "sk-live-0000000005"}}
    path = write(nb, hostile)
    result = export_notebook(path, tmp_path / "out", name="../../escape\n--name")

    out = tmp_path / "out"
    files = tree_text(out)
    assert result.name == "escape-name" and Path(result.path) == out
    assert not (tmp_path / "escape").exists() and not list(tmp_path.glob("**/pwned"))
    assert set(files) == {"Dockerfile", "MLproject", "README.md", "conda.yaml", "main.py", "mltrack_export.json",
                          "python_env.yaml", "requirements.txt", "evil-touch-pwned-id-rm-rf.ipynb"}
    for name, text in files.items():
        for secret in [*SECRETS.values(), *IN_NOTEBOOK]:
            assert secret not in text, (name, secret)
    main = files["main.py"]
    tree = ast.parse(main)  # the hostile name and markdown stayed inside a docstring and comments
    assert [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "system"] == []
    assert "db_uri = ARGS.db_uri" in main and "postgresql://bob:***@db/x" in main
    assert "api_key = os.environ['API_KEY']" in main and "password=os.environ['PASSWORD']" in main
    assert "api_key" not in json.loads(json.dumps(result.parameters.keys() and list(result.parameters)))
    copy = nbformat.reads(files["evil-touch-pwned-id-rm-rf.ipynb"], as_version=4)
    assert copy.cells[2].outputs == [] and "papermill" not in copy.metadata
