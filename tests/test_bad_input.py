"""Issue 17: every bad input gets one clear line, a non-zero exit, and changes nothing.

Each test asserts the message and that the files on disk are as they were. Results come
from the real quick asv runs of ``published_site`` (conftest): "alpha" has a ResNet-50
timing and machine facts, "beta" only MLX timings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from mpsbench import files
from mpsbench.cli import main
from mpsbench.commands import table
from mpsbench.errors import Unavailable, UserError, skip_when_out_of_memory
from mpsbench.history import index, releases
from mpsbench.ops.steps import cached_step, point_from_params
from mpsbench.results import resolve_commit

from .asv_recording import git
from .conftest import ROOT


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its mode, to compare before and after."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() + oct(p.stat().st_mode).encode()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def refused(capsys, *argv: str, watch: Path) -> str:
    """Run the CLI and assert it refuses (exit 2) with one line, leaving ``watch`` as it
    was; returns that line."""
    before = snapshot(watch)
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert snapshot(watch) == before
    errors = [line for line in err.splitlines() if not line.startswith("note: ")]
    assert len(errors) == 1, err
    return errors[0]


@pytest.fixture
def site(published_site: Path, tmp_path: Path) -> Path:
    """A copy of the two machines' results, to damage."""
    shutil.copytree(published_site / "results", tmp_path / "results")
    return tmp_path


def result_file(site: Path, machine: str = "alpha") -> Path:
    (path,) = (site / "results" / machine).glob("*-existing-*.json")
    return path


def rename_machine(results: Path, folder: str, name: str) -> None:
    """Move ``results/folder`` to ``results/name``, renamed in every file asv checks."""
    if folder != name:
        shutil.move(results / folder, results / name)
    for path in (results / name).glob("*.json"):
        data = json.loads(path.read_text())
        if path.name == "machine.json":
            data["machine"] = name
        else:
            data["params"]["machine"] = name
        path.write_text(json.dumps(data))


def commit_of(site: Path, machine: str = "alpha") -> str:
    return json.loads(result_file(site, machine).read_text())["commit_hash"]


# -- a fresh clone: no results/benchmarks.json ------------------------------------------


def test_table_and_report_run_on_a_fresh_clone_without_benchmarks_json(tmp_path):
    clone = tmp_path / "clone"
    for name in git("ls-files", "asv.conf.json", "benchmarks", "results").splitlines():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, clone / name)
    assert not (clone / "results" / "benchmarks.json").exists()
    before = snapshot(clone / "results")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for command in ("table", "report"):
        done = subprocess.run([sys.executable, "-m", "mpsbench.cli", command], cwd=clone,
                              env=env, capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        if command == "report":
            assert done.returncode == 0 and "report written to" in done.stdout
        elif done.returncode != 0:  # the committed results predate today's versions
            assert "recorded by an older version of its benchmark" in done.stderr
        else:
            assert "## ResNet-50 on" in done.stdout
    assert snapshot(clone / "results") == before


def test_without_benchmarks_json_the_params_come_from_asvs_discovery(published_site, site,
                                                                      capsys):
    (site / "results" / "benchmarks.json").unlink()
    err = refused(capsys, "table", "--results", str(site / "results"), watch=site)
    assert "benchmarks.json is missing" in err and "asv run --bench just-discover" in err
    (site / "asv.conf.json").write_text(json.dumps(
        {"results_dir": "results", "benchmark_dir": str(published_site / "benchmarks")}))
    before = snapshot(site / "results")
    code, out, err = run(capsys, "table", "--results", str(site / "results"))
    assert code == 0, err
    row = next(line for line in out.splitlines() if "Forward (inference)" in line)
    assert float(row.split("|")[3]) > 0  # alpha's cpu time at batch 1
    assert snapshot(site / "results") == before  # discovery wrote nothing there


# -- table: machines without ResNet-50 timings, --commit --------------------------------


def test_a_machine_without_resnet_timings_is_a_note_and_later_machines_still_print(
        site, capsys):
    shutil.copytree(site / "results" / "beta", site / "results" / "aardvark")
    rename_machine(site / "results", "aardvark", "aardvark")
    results = str(site / "results")
    code, out, err = run(capsys, "table", "--results", results)
    assert code == 0
    assert "note: aardvark has results, but no ResNet-50 timings" in err
    assert "## ResNet-50 on alpha" in out and "on beta" not in out
    code, out, err = run(capsys, "table", "--results", results, "--machine", "beta")
    assert code == 0 and out == ""  # what 'mpsbench run' ends with after a good run
    assert "note: beta has results, but no ResNet-50 timings" in err
    assert "no results for machine 'gamma' (machines with results: aardvark, alpha, beta)" in \
        refused(capsys, "table", "--results", results, "--machine", "gamma", watch=site)


def test_commit_takes_a_short_hash_a_full_one_and_a_release_tag(site, capsys, monkeypatch):
    commit = commit_of(site)
    monkeypatch.setattr(table, "_history_tags", lambda path: {"mlx-0.32.4": commit})
    tables = []
    for given in (commit[:8], commit, commit[:8].upper(), "mlx-0.32.4"):
        code, out, err = run(capsys, "table", "--results", str(site / "results"),
                             "--machine", "alpha", "--commit", given)
        assert code == 0, err
        tables.append(out)
    assert f"(commit {commit[:8]})" in tables[0] and len(set(tables)) == 1


def test_an_unknown_commit_or_tag_is_refused_naming_the_recorded_ones(site, capsys,
                                                                      monkeypatch):
    commit = commit_of(site)
    monkeypatch.setattr(table, "_history_tags", lambda path: {"torch-2.13.0": "f" * 40})
    results = str(site / "results")
    err = refused(capsys, "table", "--results", results, "--commit", "deadbeef", watch=site)
    assert f"no ResNet-50 timings recorded at 'deadbeef'; commits with ResNet-50 timings: " \
        f"{commit[:8]}" in err
    err = refused(capsys, "table", "--results", results, "--commit", "torch-2.13.0",
                  watch=site)
    assert "at tag 'torch-2.13.0' (commit ffffffff)" in err
    monkeypatch.setattr(table, "_history_tags", lambda path: {})
    err = refused(capsys, "table", "--results", results, "--commit", "mlx-0.32.4", watch=site)
    assert "'mpsbench history generate' writes it" in err


def test_an_ambiguous_short_hash_is_refused_listing_the_matches():
    rows = pd.DataFrame({"commit": ["abc1" + "0" * 36, "abc2" + "0" * 36, "ffff" + "0" * 36],
                         "date": [1, 2, 3]})
    tags = {"mlx-0.32.4": "abc2" + "0" * 36}
    with pytest.raises(UserError, match=r"'abc' is ambiguous: abc10000, abc20000 \(mlx-0.32.4"):
        resolve_commit("abc", rows, tags)
    assert resolve_commit("abc2", rows, tags) == resolve_commit("mlx-0.32.4", rows, tags)
    with pytest.raises(UserError, match="no results recorded at ''"):
        resolve_commit("", rows, tags)


def test_table_html_leaves_out_a_folder_with_markup_naming_it(site, capsys):
    hostile = "<img src=x onerror=alert(1)>"  # a folder name: no slash
    results = site / "results"
    machine = results / "alpha"
    facts = json.loads((machine / "machine.facts").read_text())
    facts["gpu_devices"] = {"torch": "<b>gpu</b>", "mlx": None}
    (machine / "machine.facts").write_text(json.dumps(facts))
    rename_machine(results, "alpha", hostile)
    code, out, err = run(capsys, "table", "--results", str(results), "--html")
    assert code == 0, err
    assert "<img" not in out and "<b>" not in out and "gpu" not in out
    assert f"note: left out {results / hostile}: its name '{hostile}' is not a machine " \
        "name" in err  # issue 28: refused whole by the gate, named in a note


def test_history_recorded_lists_each_machines_commits(site, capsys, tmp_path):
    history = tmp_path / "history"
    assert main(["history", "generate", "--releases", str(ROOT / "releases.toml"),
                 "--history", str(history)]) == 0
    tagged = git("--git-dir", str(history), "rev-parse", "mlx-0.32.4")
    path = result_file(site, "beta")
    path.write_text(json.dumps({**json.loads(path.read_text()), "commit_hash": tagged}))
    code, out, _ = run(capsys, "history", "recorded", "--results", str(site / "results"),
                       "--history", str(history))
    assert code == 0
    assert f"alpha: {commit_of(site)[:8]} (not a commit of {history})" in out
    assert f"beta: mlx-0.32.4 ({tagged[:8]})" in out


# -- damaged files: one line, nothing written -------------------------------------------


def only_alpha(site: Path) -> Path:
    shutil.rmtree(site / "results" / "beta")
    return site / "results"


@pytest.mark.parametrize("value", ['"x"', "[]"])
def test_a_results_file_with_bad_results_is_skipped_saying_so(site, capsys, value):
    path = result_file(site)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "results": json.loads(value)}))
    results = only_alpha(site)
    err = refused(capsys, "table", "--results", str(results), watch=site)
    assert "no results to show under" in err
    code, _, notes = run(capsys, "table", "--results", str(results))
    assert f"note: left out {results / 'alpha'}: {path.name}: result_columns or results " \
        "is missing" in notes  # issue 28: the gate refuses the folder whole


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe{}", "it is not UTF-8"),
    (b"[]", "it holds a JSON list, not an object"),
    (b'{"gpu_devices": "x"}', 'gpu_devices = "x" is not an object'),
    (b'{"ram_bytes": "lots"}', 'ram_bytes = "lots" is not an integer'),
    (b'{"gpu_devices": {"torch": 1}}', "gpu_devices must map names to text"),
])
def test_bad_machine_facts_are_refused_naming_the_file_and_field(site, capsys, content,
                                                                 message):
    facts = site / "results" / "alpha" / "machine.facts"
    facts.write_bytes(content)
    results = str(site / "results")
    for argv in (["table", "--results", results],
                 ["report", "--results", results, "--html", str(site / "html")]):
        before = snapshot(site / "results")
        code, _, err = run(capsys, *argv)  # issue 28: the other machines still show
        assert code == 0 and snapshot(site / "results") == before
        assert f"note: left out {facts.parent}: machine.facts: {message}" in err


def test_a_benchmarks_json_that_is_not_utf8_is_refused(site, capsys):
    (site / "results" / "benchmarks.json").write_bytes(b'{"a": "\xe9"}')
    err = refused(capsys, "table", "--results", str(site / "results"), watch=site)
    assert "benchmarks.json is unreadable (not UTF-8: byte 0xe9 at offset 7); delete it" in err


@pytest.mark.parametrize(("encode", "message"), [
    (lambda text: ("# révisé\n" + text).encode("latin-1"),
     "is not UTF-8 (byte 0xe9 at offset 3); TOML files are UTF-8"),
    (lambda text: text.encode("utf-8-sig"), "starts with a byte-order mark"),
])
def test_a_release_list_in_latin1_or_with_a_bom_is_refused(tmp_path, capsys, encode, message):
    listed = tmp_path / "releases.toml"
    listed.write_bytes(encode((ROOT / "releases.toml").read_text()))
    for action in ("generate", "propose"):
        argv = ["history", action, "--releases", str(listed), "--history", str(tmp_path / "h")]
        if action == "propose":
            argv = argv[:-2] + ["--index-url", "http://127.0.0.1:9/{name}"]
        assert message in refused(capsys, *argv, watch=tmp_path)


def test_paths_of_the_wrong_kind_are_refused(site, capsys):
    a_file = site / "a-file"
    a_file.write_text("x")
    folder = site / "results"
    checks = [
        (["table", "--results", str(a_file)], "is a file; --results names asv's results"),
        (["report", "--results", str(a_file), "--html", str(site / "html")], "is a file"),
        (["report", "--results", str(folder), "--html", str(a_file)],
         "is a file; --html names asv's html folder"),
        (["machine", "--results", str(a_file), "--name", "m"], "is a file; --results"),
        (["history", "generate", "--releases", str(folder), "--history", str(site / "h")],
         "is a folder; --releases names the release list"),
        (["history", "propose", "--releases", str(folder)], "is a folder; --releases"),
        (["history", "hashfile", "--framework", "mlx", "--history", str(a_file)],
         "is a file, not the release history"),
    ]
    for argv, message in checks:
        assert message in refused(capsys, *argv, watch=site), argv


def test_an_empty_history_folder_is_generated_into(tmp_path, capsys):
    history = tmp_path / "history"
    history.mkdir()
    code, out, err = run(capsys, "history", "generate", "--releases",
                         str(ROOT / "releases.toml"), "--history", str(history))
    assert code == 0, err
    assert "releases, " in out and (history / "HEAD").is_file()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    err = refused(capsys, "history", "generate", "--releases", str(ROOT / "releases.toml"),
                  "--history", str(stranger), watch=tmp_path)
    assert "is not a release history (not a git repository): move it away" in err


def read_only(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``folder`` made read-only; as root (who writes anyway) writes there fail as they
    would for anyone else."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):
        real = files.tempfile.mkstemp

        def mkstemp(*args, dir=None, **kwargs):  # noqa: A002 (tempfile's own name)
            if Path(dir).resolve().is_relative_to(folder.resolve()):
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*args, dir=dir, **kwargs)

        monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


def test_a_read_only_html_folder_is_refused_and_nothing_is_half_written(site, capsys,
                                                                       monkeypatch):
    html = site / "html"
    read_only(html / "mpsbench", monkeypatch)
    err = refused(capsys, "report", "--results", str(site / "results"), "--html", str(html),
                  watch=site)
    assert f"cannot write {html / 'mpsbench'}" in err and "Permission denied" in err
    assert "make the folder writable, or pass another with --html" in err


def test_a_read_only_results_folder_is_refused_before_asv_is_told(site, capsys, monkeypatch,
                                                                  tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    read_only(site / "results" / "newbox", monkeypatch)
    err = refused(capsys, "machine", "--name", "newbox", "--results", str(site / "results"),
                  watch=site)
    assert "cannot write" in err and "Permission denied" in err
    assert not (tmp_path / "home" / ".asv-machine.json").exists()


# -- machine names and another machine's facts ------------------------------------------


@pytest.mark.parametrize("name", ["../../escaped", "a/b", ".hidden", "",
                                  "<img src=x onerror=alert(1)>", "x" * 65, "tab\tname"])
def test_unsafe_machine_names_are_refused(tmp_path, capsys, monkeypatch, name):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    err = refused(capsys, "machine", "--name", name, "--results", str(tmp_path / "results"),
                  watch=tmp_path)
    assert f"machine name {name!r} is not allowed: use 1 to 64 letters, digits" in err
    assert not (tmp_path / "home").exists() and not (tmp_path / "results").exists()


def test_another_machines_facts_are_never_replaced_without_force(site, capsys, monkeypatch,
                                                                 tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    results = site / "results"
    facts = results / "alpha" / "machine.facts"
    theirs = {**json.loads(facts.read_text()), "cpu": "Someone Else's CPU",
              "hostname": "other-host"}
    facts.write_text(json.dumps(theirs))
    err = refused(capsys, "machine", "--name", "alpha", "--results", str(results), watch=site)
    assert "describes another machine (hostname 'other-host' there" in err
    assert "cpu \"Someone Else's CPU\" there" in err and "--force" in err
    assert not (tmp_path / "home" / ".asv-machine.json").exists()
    # beta has no facts: its asv machine.json says what it is
    info = results / "beta" / "machine.json"
    info.write_text(json.dumps({**json.loads(info.read_text()), "num_cpu": "999"}))
    err = refused(capsys, "machine", "--name", "beta", "--results", str(results), watch=site)
    assert "num_cpu '999' there" in err
    code, out, err = run(capsys, "machine", "--name", "alpha", "--results", str(results),
                         "--force")
    assert code == 0, err
    assert json.loads(facts.read_text())["cpu"] != theirs["cpu"]
    code, _, err = run(capsys, "machine", "--name", "alpha", "--results", str(results))
    assert code == 0, err  # the same machine again: its own facts are replaced freely


def test_unreadable_facts_in_the_named_folder_need_force(site, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (site / "results" / "alpha" / "machine.facts").write_text("[]")
    err = refused(capsys, "machine", "--name", "alpha", "--results", str(site / "results"),
                  watch=site)
    assert "holds a JSON list" in err and "replace it with --force" in err


# -- report --trend at a point never recorded -------------------------------------------


def test_a_trend_at_an_unrecorded_point_is_a_note_listing_the_recorded_ones(site, capsys):
    html = site / "html"
    report = ["report", "--results", str(site / "results"), "--html", str(html)]
    charts = re.compile(r"\((\d+) charts\)")
    code, out, _ = run(capsys, *report)
    default = charts.search(out)[1]
    code, out, err = run(capsys, *report, "--trend", "report_fixture.MatMul:batch=999")
    assert code == 0
    assert "--trend report_fixture.MatMul.time_step: no result recorded with batch=999; " \
        "recorded: batch=1, 2" in err
    assert charts.search(out)[1] == default  # no (empty) chart added
    code, out, err = run(capsys, *report, "--trend", "report_fixture.MatMul:batch=2,seq=99")
    note = "no result recorded with seq=99; recorded at batch=2: seq=8, 16"
    assert note in err and charts.search(out)[1] == default
    assert note in (html / "mpsbench" / "index.html").read_text()  # the page says it too


# -- the command line with the base dependencies only -----------------------------------

BLOCKER = """
import sys
BLOCKED = {"pandas", "asv", "asv_runner", "torch", "torchvision", "mlx", "plotly", "tabulate"}
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Blocker())
"""


def test_the_cli_works_with_only_the_base_dependencies(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT / "src")])}

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "mpsbench.cli", *argv], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in done.stderr, done.stderr
        return done

    probe = cli("history", "--help")
    assert probe.returncode == 0 and "generate" in probe.stdout
    assert subprocess.run([sys.executable, "-c", "import pandas"], env=env,
                          capture_output=True).returncode != 0  # the blocker is in force
    for command in ("machine", "table", "report", "run", "selfcheck", "synccheck"):
        assert cli(command, "--help").returncode == 0, command
    generated = cli("history", "generate", "--releases", str(ROOT / "releases.toml"),
                    "--history", str(tmp_path / "history"))
    assert generated.returncode == 0 and "releases" in generated.stdout
    for command, extra in (("table", "report"), ("report", "report"), ("machine", "bench"),
                           ("selfcheck", "bench")):
        done = cli(command)
        assert done.returncode == 2, command
        assert f"is not installed, and this command needs it: pip install -e '.[{extra}]'" \
            in done.stderr, (command, done.stderr)
    assert "pip install -e '.[bench]'" in cli("selfcheck", "--device", "gpu").stderr


# -- out of memory in a benchmark --------------------------------------------------------


def test_running_out_of_memory_says_so_at_what_size_and_what_to_do():
    torch = pytest.importorskip("torch")
    with pytest.raises(Unavailable, match=r"memory ran out at batch 4 \(RuntimeError: .*"
                       r"can't allocate memory") as error, skip_when_out_of_memory("batch 4"):
        torch.empty((2**40,))  # the CPU allocator refuses 4 TiB at once
    assert "This size does not fit here: leave it out (asv run --bench" in str(error.value)
    for raised in (MemoryError("Unable to allocate 3.00 PiB"),
                   torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"),
                   RuntimeError("MPS backend out of memory (MPS allocated: 17.00 GB)"),
                   RuntimeError("[METAL] Command buffer execution failed: Insufficient Memory "
                                "(00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)")):
        with pytest.raises(Unavailable, match="memory ran out at x"), \
                skip_when_out_of_memory("x"):
            raise raised
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"), \
            skip_when_out_of_memory("x"):
        raise RuntimeError("shapes cannot be multiplied")


@pytest.mark.parametrize("framework", ["torch", "mlx"])
@pytest.mark.parametrize("mode", ["eager", "compiled"])
def test_an_operator_too_big_for_memory_is_na_with_its_size(framework, mode):
    pytest.importorskip(framework)
    point = point_from_params(framework, "linear", "cpu", "float32", mode, "forward",
                              2**20, 2**20)
    with pytest.raises(Unavailable, match=rf"^memory ran out at {framework} linear \({mode}, "
                       r"forward\) in float32 on cpu, batch 1048576 x seq 1048576 x dim 768 "
                       r"\(MemoryError: Unable to allocate 3.00 PiB"):
        cached_step(point)  # not 'compile does not work': memory ran out


# -- the release list: strict rules, and propose prints only what generate takes --------

MLX_ENTRY = """
[[release]]
date = 2026-10-14T21:15:37Z
package = "mlx"
version = "0.32.4"
requires_python = ">=3.10"
requires = ["numpy<2"]
[release.wheels]
"linux-x86_64" = ["3.11"]
"""


@pytest.mark.parametrize(("old", "new", "message"), [
    ('">=3.10"', '">=3.10\\nimport os"', "requires_python = '>=3.10\\nimport os' is not valid: it "
     "must be version specifiers such as '>=3.10'"),
    ('"numpy<2"', '"evil @ file:///tmp/evil"', "requires = 'evil @ file:///tmp/evil' is not "
     "valid: it must be a project name with optional extras and version specifiers"),
    ('"numpy<2"', '"--index-url=http://evil.invalid"', "requires = '--index-url=http://evil."
     "invalid' is not valid"),
    ('"0.32.4"', '"0.٣٢.4"', "version = '0.٣٢.4' is not valid: it must be a final release, "
     "ASCII digits"),
    ('"0.32.4"', '"０.32.4"', "version = '０.32.4' is not valid"),
    ('["3.11"]', '["3.١١"]', "wheels.linux-x86_64 = '3.١١' is not valid"),
    ("2026-10-14T21:15:37Z", "2023-06-01T00:00:00Z", "date = 2023-06-01T00:00:00Z is before mlx "
     "had any release (none before 2023-11-01)"),
])
def test_the_release_list_refuses_naming_the_field_and_the_rule(tmp_path, capsys, old, new,
                                                               message):
    listed = tmp_path / "releases.toml"
    assert old in MLX_ENTRY
    listed.write_text(MLX_ENTRY.replace(old, new), encoding="utf-8")
    err = refused(capsys, "history", "generate", "--releases", str(listed), "--history",
                  str(tmp_path / "h"), watch=tmp_path)
    assert f"{listed}: release 1 (mlx " in err and message in err


def test_a_torch_date_before_torch_existed_is_refused():
    entry = MLX_ENTRY.replace('"mlx"', '"torch"').replace("[release.wheels]",
                                                         'torchvision = "0.1.6"\n[release.wheels]')
    with pytest.raises(UserError, match="before torch had any release"):
        releases.parse(entry.replace("2026-10-14", "2015-12-31"))


def test_propose_leaves_out_what_generate_would_refuse_saying_why():
    def wheel(version, date, requires_python):
        return [{"filename": f"mlx-{version}-cp311-cp311-manylinux_2_35_x86_64.whl",
                 "upload_time_iso_8601": date, "requires_python": requires_python,
                 "yanked": False}]

    projects = {
        "torchvision": {"releases": {}}, "torch": {"releases": {}},
        "mlx": {"releases": {
            "0.32.3": wheel("0.32.3", "2026-09-29T00:14:41Z", ">=3.10\n[[release]]"),
            "0.32.4": wheel("0.32.4", "2026-10-14T21:15:37Z", ">=3.10"),
        }},
    }
    listed = releases.parse(MLX_ENTRY.replace("0.32.4", "0.32.2").replace("10-14", "09-01"))
    found, notes = index.propose(listed, projects.__getitem__)
    assert [r.version for r in found] == ["0.32.4"]
    assert any("mlx 0.32.3 (2026-09-29T00:14:41Z) is not proposed: the list would refuse it"
               in note and "requires_python" in note for note in notes)
    text = MLX_ENTRY.replace("0.32.4", "0.32.2").replace("10-14", "09-01") + "".join(
        releases.to_toml(r) for r in found)
    assert [r.version for r in releases.parse(text)] == ["0.32.2", "0.32.4"]
