"""``%mltrack register|promote|request|approve|reject|models|history`` in a real shell."""

from __future__ import annotations

import pytest

from jupyter_mltrack import Client
from tests.magics.shellkit import Shell
from tests.magics.test_line import usage_error

TRAIN = (
    "%%track iris-lr\n"
    "from sklearn.datasets import load_iris\n"
    "from sklearn.linear_model import LogisticRegression\n"
    "X, y = load_iris(return_X_y=True)\n"
    "model = LogisticRegression(max_iter=300).fit(X, y)\n"
    "import jupyter_mltrack as mlt\n"
    "mlt.sklearn.log_model(model, name='model')\n"
    "accuracy = model.score(X, y)\n"
)


@pytest.fixture
def trained(shell: Shell) -> str:
    cell = shell.run(TRAIN)
    assert cell.error is None, cell.stderr
    run = shell.ns["mlt"].last_active_run()
    return str(run.info.run_id)


def test_register_promote_models_history(shell: Shell, trained: str) -> None:
    registered = shell.run(f"%mltrack register {trained[:8]} iris")  # a run id prefix, its 'model' artifact
    assert registered.error is None, registered.stderr
    assert "registered 'iris' version 1" in repr(registered.result.result)
    assert shell.run(f"%mltrack register runs:/{trained}/model iris").error is None
    promoted = shell.run("%mltrack promote iris 1 --to Production --comment 'first'")
    assert promoted.error is None and "stage Production" in repr(promoted.result.result)
    assert shell.run("%mltrack promote iris 2 --to @champion").error is None
    client = Client()
    assert client.get_model_version("iris", 1).current_stage == "Production"
    assert client.get_model_version_by_alias("iris", "champion").version == "2"

    listing = shell.run("%mltrack models")
    assert listing.error is None and "iris" in listing.result.result._repr_html_()
    detail = shell.run("%mltrack models iris")
    html = detail.result.result._repr_html_()
    assert "Production" in html and "champion" in html and "accuracy" in html  # the run's key metric
    history = shell.run("%mltrack history iris")
    text = repr(history.result.result)
    assert "create_model_version" in text and "transition_stage" in text and "set_alias" in text


def test_request_approve_reject_under_a_policy(shell: Shell, trained: str) -> None:
    shell.run(f"%mltrack register {trained} iris")
    Client().set_promotion_policy("iris", "Production", require_approval=True)
    refused = shell.run("%mltrack promote iris 1 --to Production")
    line = usage_error(refused)
    assert "requires approval" in line and "request_transition" in line
    asked = shell.run("%mltrack request iris 1 --to Production --comment 'ready'")
    assert asked.error is None and "[PENDING]" in repr(asked.result.result)
    request_id = Client().list_transition_requests("iris")[0].request_id
    approved = shell.run(f"%mltrack approve {request_id} --comment ok")
    assert approved.error is None and "[APPROVED]" in repr(approved.result.result)
    assert Client().get_model_version("iris", 1).current_stage == "Production"
    again = shell.run(f"%mltrack reject {request_id}")
    assert "already approved" in usage_error(again)
    second = shell.run("%mltrack request iris 1 --to Staging")
    assert second.error is None
    rejected = shell.run(f"%mltrack reject {Client().list_transition_requests('iris', 'PENDING')[0].request_id}")
    assert "[REJECTED]" in repr(rejected.result.result)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("%mltrack register", "the following arguments are required"),
        ("%mltrack register abcdef12 x", "no run has the id"),
        ("%mltrack promote nope 1 --to Production", "does not exist"),
        ("%mltrack promote iris 1", "--to"),
        ("%mltrack promote iris 1 --to Prod", "Unknown stage"),
        ("%mltrack approve 999", "does not exist"),
        ("%mltrack models nope", "does not exist"),
        ("%mltrack history nope", "does not exist"),
    ],
)
def test_bad_registry_arguments_are_one_line_errors(shell: Shell, line: str, fragment: str) -> None:
    assert fragment in usage_error(shell.run(line))


def test_hostile_names_are_escaped(shell: Shell, trained: str) -> None:
    shell.run(f"%mltrack register {trained} 'x<img src=y onerror=alert(1)>'")
    html = shell.run("%mltrack models").result.result._repr_html_()
    assert "<img" not in html and "&lt;img" in html


def test_registry_entities_render_as_html(shell: Shell, trained: str) -> None:
    shell.run(f"%mltrack register {trained} iris")
    formatter = shell.ip.display_formatter.formatters["text/html"]
    client = Client()
    model_html = formatter(client.get_registered_model("iris"))
    version_html = formatter(client.get_model_version("iris", 1))
    entry_html = formatter(client.get_model_history("iris")[0])
    assert "iris" in model_html and "<table" in version_html and "create_registered_model" in entry_html


def test_run_cards_link_to_the_side_panel(shell: Shell, trained: str) -> None:
    card = shell.ip.display_formatter.formatters["text/html"](Client().get_run(trained))
    assert f'data-mltrack-run-id="{trained}"' in card  # the labextension opens the run on a click
