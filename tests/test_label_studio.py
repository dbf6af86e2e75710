"""Label Studio itself, not a simulation of its formats (tests/test_annotation.py has those).

* The Label Studio SDK (``label_studio_sdk.label_interface.LabelInterface``) checks that our
  labelling config parses and validates, that every task has the data its ``<Text>`` reads, that
  our predictions validate against the config, and that an annotation made with the SDK's
  ``create_regions`` imports. The SDK is not a project dependency (it pulls opencv, nltk, black and
  would move numpy): the checks run in a separate interpreter, ``python`` beside the
  ``label-studio`` executable (its virtualenv ships the SDK), as part of the slow test.
* The slow test runs a real server: a project with our config, our exported tasks with their
  predictions imported over the REST API, two annotations submitted as an annotator would (one
  accepting the pre-annotation, one changing it), one task skipped, one left alone, the project
  exported as JSON and brought back with ``framing import``.

The server is the ``label-studio`` executable named by ``FRAMING_LABEL_STUDIO``, else the one on
PATH. Install it into its own virtualenv (it pins Django and friends), e.g.
``python3 -m venv /opt/ls-venv && /opt/ls-venv/bin/pip install 'label-studio==1.23.*'`` and
``FRAMING_LABEL_STUDIO=/opt/ls-venv/bin/label-studio``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from framing.labels import FRAMES, STANCES

LS_ENV = "FRAMING_LABEL_STUDIO"
ARTICLE = "Talks stall as Kyiv is excluded\nThe U.S. team reported progress. Critics doubt the deal.\n"
START_TIMEOUT = 300  # first start runs the database migrations: about a minute on two cores
REQUEST_TIMEOUT = 60
TOKEN = "framing-test-token-0123456789"

# Runs in an interpreter that has label_studio_sdk: argv[1] holds {"config", "tasks"}; prints a report.
SDK_CHECK = r"""
import json, sys
from label_studio_sdk.label_interface import LabelInterface

given = json.load(open(sys.argv[1], encoding="utf-8"))
interface = LabelInterface(given["config"])
interface.validate()  # the XML schema, unique names, toName targets; raises if invalid
controls = {}
for c in interface.controls:
    controls[c.name] = {"tag": c.tag, "labels": list(c.labels), "to_name": list(c.to_name),
                        "choice": c.attr.get("choice"), "required": c.is_output_required}
objects = {o.name: {"tag": o.tag, "data_key": o.value_name} for o in interface.objects}
missing, errors = [], {}
for task in given["tasks"]:
    data = task["data"]
    read = [o.value_name for o in interface.objects if o.value_is_variable]
    missing += [data.get("id") for key in read if data.get(key) is None]
    for prediction in task.get("predictions", []):
        errors[data.get("id")] = interface.validate_prediction(prediction, return_errors=True)
wrong = {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["hostile"]}}
regions = interface.create_regions({"stance": "sceptical", "frames": ["win-loss", "stalling"]})
annotation = {"result": [json.loads(r.to_json()) for r in regions]}
report = {"valid": interface.is_valid, "controls": controls, "objects": objects, "missing_data": missing}
report["prediction_errors"] = errors
report["wrong_label_errors"] = interface.validate_prediction({"result": [wrong]}, return_errors=True)
report["sdk_annotation"] = annotation
report["sdk_annotation_valid"] = interface.validate_annotation(annotation)
print(json.dumps(report))
"""


def _label_studio() -> str | None:
    named = os.environ.get(LS_ENV)
    return named if named else shutil.which("label-studio")


def _python_beside(executable: str) -> str | None:
    """The interpreter of the Label Studio install (its virtualenv has the SDK)."""
    path = Path(executable)
    for candidate in (path.parent / "python", path.resolve().parent / "python"):
        if candidate.exists():
            return str(candidate)
    first = path.read_bytes()[:300].split(b"\n", 1)[0].decode(errors="replace")
    return first[2:].strip().split()[0] if first.startswith("#!") else None


@pytest.fixture
def tasks(cli, tmp_path) -> tuple[list[dict], str]:
    """``framing export`` of three predicted sentences and one plain text: (tasks, config)."""
    (tmp_path / "article.txt").write_text(ARTICLE)
    assert cli("predict", "article.txt", "-o", "predicted.jsonl").code == 0
    (tmp_path / "texts.jsonl").write_text('{"text": "Envoys met in Riyadh on Tuesday."}\n')
    run = cli("export", "predicted.jsonl", "texts.jsonl", "--format", "label-studio", "-o", "tasks.json")
    assert run.code == 0, run.err
    exported = json.loads((tmp_path / "tasks.json").read_text())
    return exported, (tmp_path / "tasks.label_config.xml").read_text()


def _sdk_report(python: str, config: str, tasks: list[dict], work: Path) -> dict:
    (work / "sdk-input.json").write_text(json.dumps({"config": config, "tasks": tasks}))
    (work / "sdk_check.py").write_text(SDK_CHECK)
    run = subprocess.run(
        [python, str(work / "sdk_check.py"), str(work / "sdk-input.json")],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=work,
    )
    assert run.returncode == 0, f"SDK check failed:\n{run.stderr[-4000:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def _check_sdk_report(report: dict, tasks: list[dict], cli, tmp_path: Path) -> None:
    assert report["valid"]
    assert report["objects"] == {"text": {"tag": "Text", "data_key": "text"}}
    stance, frames = report["controls"]["stance"], report["controls"]["frames"]
    assert (stance["labels"], stance["choice"], stance["required"]) == (list(STANCES), "single", True)
    assert (frames["labels"], frames["choice"], frames["required"]) == (list(FRAMES), "multiple", False)
    assert stance["to_name"] == frames["to_name"] == ["text"]
    assert report["missing_data"] == []
    predicted = [t["data"]["id"] for t in tasks if t.get("predictions")]
    assert sorted(report["prediction_errors"]) == sorted(predicted) and len(predicted) == 3
    assert all(errors == [] for errors in report["prediction_errors"].values()), report["prediction_errors"]
    assert report["wrong_label_errors"], "the SDK's validator accepted an unknown label: it checks nothing"
    # An annotation built by the SDK, in a JSON export, imports as the codebook record.
    assert report["sdk_annotation_valid"] is True
    exported = [{"id": 1, "data": tasks[0]["data"], "annotations": [report["sdk_annotation"]]}]
    (tmp_path / "sdk-export.json").write_text(json.dumps(exported))
    run = cli("import", "sdk-export.json", "--format", "label-studio", "-o", "sdk.jsonl")
    assert run.code == 0, run.err
    (record,) = [json.loads(line) for line in (tmp_path / "sdk.jsonl").read_text().splitlines()]
    assert (record["id"], record["stance"], record["frames"]) == (
        tasks[0]["data"]["id"],
        "sceptical",
        ["stalling", "win-loss"],
    )


# --------------------------------------------------------------------------- a real server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path) -> dict[str, str]:
    """The environment without anything Label Studio reads unprefixed, plus a fresh user and home."""
    unprefixed = {"HOST", "PORT", "USERNAME", "PASSWORD", "USER_TOKEN", "DATABASE_NAME", "DJANGO_DB"}
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in unprefixed and not key.startswith(("LABEL_STUDIO_", "HEARTEX_"))
    }
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):  # appdirs writes a user_id
        env[name] = str(data_dir / name.lower())
    return env | {
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": "annotator@example.com",
        "LABEL_STUDIO_PASSWORD": "framing-test-password",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        # 1.23 creates organisations with legacy tokens off; the pre-made token is a legacy one.
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_LATEST_VERSION_CHECK": "false",  # no look-up of the newest release on PyPI
        "PYTHONUNBUFFERED": "1",
    }


class Server:
    def __init__(self, url: str, log: Path):
        self.url, self.log = url, log

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"

    def call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Token {TOKEN}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:2000]
            raise AssertionError(f"{method} {path}: HTTP {err.code}: {detail}") from None


def _wait_until_up(process: subprocess.Popen, server: Server) -> float:
    started = time.monotonic()
    while time.monotonic() - started < START_TIMEOUT:
        if process.poll() is not None:
            pytest.fail(f"label-studio exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/health", timeout=5) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(1)
    pytest.fail(f"label-studio did not answer /health within {START_TIMEOUT} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: the server and anything it started
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def _annotate(server: Server, tasks: dict[str, dict]) -> None:
    """What an annotator does in the UI: accept, change, skip; one task is left alone."""
    accept = tasks["article-s001"]
    (prediction,) = accept["predictions"]
    result = [
        {k: v for k, v in region.items() if k != "score"} | {"origin": "prediction"}
        for region in prediction["result"]
    ]
    server.call(
        "POST",
        f"/api/tasks/{accept['id']}/annotations",
        {"result": result, "parent_prediction": prediction["id"], "lead_time": 2.5},
    )
    change = tasks["article-s002"]
    result = [
        {"id": "s2-stance", "from_name": "stance", "to_name": "text", "type": "choices",
         "value": {"choices": ["sceptical"]}, "origin": "manual"},
        {"id": "s2-frames", "from_name": "frames", "to_name": "text", "type": "choices",
         "value": {"choices": ["win-loss", "stalling"]}, "origin": "manual"},
    ]  # fmt: skip
    server.call("POST", f"/api/tasks/{change['id']}/annotations", {"result": result})
    skip = tasks["article-s003"]
    server.call(
        "POST",
        f"/api/tasks/{skip['id']}/annotations",
        {"result": [], "was_cancelled": True},
    )


@pytest.mark.slow
def test_label_studio_server_round_trip(cli, tasks, tmp_path, capsys):
    executable = _label_studio()
    if not executable:
        message = f"no label-studio executable: set {LS_ENV}=/path/to/label-studio or put it on PATH"
        if os.environ.get("CI"):  # .ci/run installs it: there, missing is a failure
            pytest.fail(message)
        pytest.skip(message)
    exported, config = tasks
    python = _python_beside(executable)
    if python:  # the SDK comes with label-studio
        _check_sdk_report(_sdk_report(python, config, exported, tmp_path), exported, cli, tmp_path)

    with tempfile.TemporaryDirectory(prefix="framing-label-studio-") as data:
        port = _free_port()
        server = Server(f"http://127.0.0.1:{port}", Path(data) / "server.log")
        command = [executable, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port)]
        with open(server.log, "wb") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_server_env(Path(data)),
                cwd=data,
                start_new_session=True,
            )
        try:
            seconds = _wait_until_up(process, server)
            with capsys.disabled():  # in CI's log: how long a first start (migrations) takes
                print(f"\n{executable}: answered /health {seconds:.1f} s after start", flush=True)
            assert server.call("GET", "/api/current-user/whoami")["email"] == "annotator@example.com"
            project = server.call("POST", "/api/projects", {"title": "framing", "label_config": config})
            assert project["label_config"].strip() == config.strip()
            imported = server.call("POST", f"/api/projects/{project['id']}/import", exported)
            assert (imported["task_count"], imported["prediction_count"]) == (4, 3), imported
            listed = server.call("GET", f"/api/tasks?project={project['id']}&fields=all&page_size=100")
            by_id = {t["data"]["id"]: t for t in listed["tasks"]}
            assert sorted(by_id) == ["article-s001", "article-s002", "article-s003", "texts-s001"]
            assert by_id["texts-s001"]["predictions"] == []
            _annotate(server, by_id)
            path = f"/api/projects/{project['id']}/export?exportType=JSON&download_all_tasks=true"
            (tmp_path / "export.json").write_text(json.dumps(server.call("GET", path)))
        finally:
            _stop(process)

    run = cli("import", "export.json", "--format", "label-studio", "-o", "round1.jsonl")
    assert run.code == 0, run.err
    assert "2 record(s) written to round1.jsonl, 2 task(s) without an annotation skipped" in run.err
    records = [json.loads(line) for line in (tmp_path / "round1.jsonl").read_text().splitlines()]
    assert records == [
        {"id": "article-s001", "doc_id": "article", "text": "Talks stall as Kyiv is excluded",
         "stance": "neutral", "frames": ["sidelining"]},
        {"id": "article-s002", "doc_id": "article", "text": "The U.S. team reported progress.",
         "stance": "sceptical", "frames": ["stalling", "win-loss"]},
    ]  # fmt: skip
