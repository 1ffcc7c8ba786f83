"""Issue 28: contributed results are untrusted input, and every write is whole.

One test (or one parametrized case) per hostile input of the issue; each asserts the
message and that no file changed. Results come from the real quick asv runs of
``published_site`` (conftest), copied by ``site`` to be damaged.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from mpsbench import envinfo, files
from mpsbench.cooldown import COOLDOWN_ENV, cooldown_fraction
from mpsbench.errors import UserError
from mpsbench.threads import THREADS_ENV, cpu_threads

from . import test_bad_input
from .conftest import ROOT
from .test_bad_input import refused, result_file, run, snapshot

site = test_bad_input.site  # the fixture: a copy of two machines' results to damage

# -- the environment: validated when read, a stated range, a fallback that warns --------


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999", "4097"])
def test_a_thread_count_outside_1_to_4096_in_ascii_digits_warns_and_keeps_the_default(
        value, capsys):
    assert cpu_threads(4, 4, environ={THREADS_ENV: value}) == 3
    assert f"{THREADS_ENV}={value!r} is not an integer from 1 to 4096; using the default" \
        in capsys.readouterr().err


@pytest.mark.parametrize("value", ["1e5", "1e300", "inf", "nan", "-0.5"])
def test_a_cooldown_outside_0_to_10_warns_and_means_no_rest(value, capsys):
    assert cooldown_fraction({COOLDOWN_ENV: value}) == 0.0
    assert f"{COOLDOWN_ENV}={value!r} is not a fraction from 0 to 10; no cool-down" \
        in capsys.readouterr().err


def test_a_bogus_allocator_mode_is_refused_by_machine_before_anything_is_written(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MPSBENCH_MALLOC", "bogus")
    err = refused(capsys, "machine", "--name", "box", "--results", str(tmp_path / "results"),
                  watch=tmp_path)
    assert "MPSBENCH_MALLOC='bogus' is not one of pinned, system; unset it" in err
    assert not (tmp_path / "home").exists() and not (tmp_path / "results").exists()


# -- options: checked before work starts ------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["-a", "rounds=abc"], "-a rounds= 'abc' is not a whole number from 1 to 1000"),
    (["-a", "rounds=-3"], "-a rounds= '-3' is not a whole number from 1 to 1000"),
    (["-a", "rounds=٣"], "is not a whole number from 1 to 1000"),
    (["--bench", "("], "--bench '(' is not a regular expression (missing ), unterminated"),
    (["--bench", "[z-a]"], "--bench '[z-a]' is not a regular expression (bad character range"),
    (["--bench=("], "--bench '(' is not a regular expression"),
])
def test_run_refuses_bad_asv_arguments_before_any_work(tmp_path, capsys, monkeypatch, argv,
                                                       message):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, "run", "--plan", "--name", "box", "--", *argv, watch=tmp_path)
    assert message in err
    assert not (tmp_path / ".asv").exists()


@pytest.mark.parametrize("url", ["notaurl", "file:///etc/passwd?{name}",
                                 "https://pypi.org/pypi/torch/json"])
def test_propose_refuses_an_index_url_that_is_no_http_address_with_name(tmp_path, capsys, url):
    err = refused(capsys, "history", "propose", "--releases", str(ROOT / "releases.toml"),
                  "--index-url", url, watch=tmp_path)
    assert f"--index-url {url!r} is not an http(s) address with {{name}}" in err


@pytest.fixture
def suite_root(tmp_path, monkeypatch) -> Path:
    """A folder that looks like the repository root to 'mpsbench selfcheck'."""
    (tmp_path / "asv.conf.json").write_text("{}")
    (tmp_path / "benchmarks").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_selfcheck_refuses_an_unknown_case(suite_root, capsys):
    err = refused(capsys, "selfcheck", "--cases", "nosuchcase", watch=suite_root)
    assert "--cases: unknown fidelity case 'nosuchcase'; known: [" in err


@pytest.mark.parametrize("units", ["(", "[z-a]"])
def test_selfcheck_refuses_a_units_pattern_that_is_no_regex(suite_root, capsys, units):
    err = refused(capsys, "selfcheck", "--units", units, watch=suite_root)
    assert f"--units {units!r} is not a regular expression" in err


@pytest.mark.parametrize("option", ["--machine", "--commit"])
def test_table_refuses_an_empty_machine_or_commit(site, capsys, option):
    err = refused(capsys, "table", "--results", str(site / "results"), option, "",
                  watch=site)
    assert f"{option} is empty; give a value or leave the option out" in err


@pytest.mark.parametrize("year", ["2099", "9999"])
def test_generate_refuses_a_release_dated_in_the_future(tmp_path, capsys, year):
    text = (ROOT / "releases.toml").read_text()
    last = text.rindex("date = ")
    listed = tmp_path / "releases.toml"
    listed.write_text(text[:last] + f"date = {year}" + text[last + 11:])
    err = refused(capsys, "history", "generate", "--releases", str(listed), "--history",
                  str(tmp_path / "h"), watch=tmp_path)
    assert f"date = {year}-" in err
    assert "is in the future; a release is listed once it is out" in err


@pytest.fixture
def recording(site, tmp_path, monkeypatch) -> Path:
    """A clone-like folder: asv.conf.json naming results/, a generated history."""
    (site / "asv.conf.json").write_text(json.dumps({"results_dir": "results"}))
    assert run_quiet(["history", "generate", "--releases", str(ROOT / "releases.toml"),
                      "--history", str(site / "history")]) == 0
    monkeypatch.chdir(site)
    return site


def run_quiet(argv: list[str]) -> int:
    from mpsbench.cli import main

    return main(argv)


def test_record_refuses_swapped_bounds(recording, capsys):
    err = refused(capsys, "history", "record", "--name", "alpha", "--history", "history",
                  "--from", "torch-2.15.0", "--to", "torch-2.14.1", watch=recording)
    assert "--from torch-2.15.0 comes after --to torch-2.14.1 in history; swap them" in err


# -- every write whole, every run alone -------------------------------------------------


def test_a_second_run_on_the_same_machine_is_refused_while_the_first_holds_the_lock(
        recording, capsys):
    with files.machine_lock("alpha"):
        before = snapshot(recording / "results")
        err = refused(capsys, "history", "record", "--name", "alpha", "--history", "history",
                      watch=recording / "results")
        assert snapshot(recording / "results") == before
    assert "another run is writing machine 'alpha''s results in this clone (pid " in err
    assert "asv would keep only one run's values. Wait for it to end" in err
    with files.machine_lock("alpha"), files.machine_lock("beta"):
        pass  # released, and another machine's lock is its own


def test_the_benchmarked_versions_are_written_whole_or_not_at_all(site, monkeypatch):
    results = site / "results"
    facts = results / "alpha" / "machine.facts"
    before = facts.read_bytes()
    monkeypatch.setattr(envinfo, "asv_environments", lambda extra: [("env", "python")])
    monkeypatch.setattr(envinfo, "versions_of", lambda python: {
        "python": "3.11.9", "packages": {"torch": "2.15.0" + "0" * 8000}})
    monkeypatch.setattr(envinfo, "benchmarked_commit", lambda extra: "a" * 40)
    real = files.os.fdopen

    def disk_full(fd, *args, **kwargs):
        stream = real(fd, *args, **kwargs)
        stream.write = lambda text: (_ for _ in ()).throw(OSError(errno.ENOSPC,
                                                                  "No space left on device"))
        return stream

    monkeypatch.setattr(files.os, "fdopen", disk_full)
    with pytest.raises(UserError, match=f"cannot write {facts}: No space left on device; "
                       "free space or make"):
        envinfo.record_benchmarked(results, "alpha", [])
    assert facts.read_bytes() == before
    assert [p.name for p in facts.parent.iterdir() if p.name.startswith(".")] == []


# -- the gate: a contributed folder is admitted whole or refused whole, named -----------

HOSTILE = "<img src=x onerror=window.__xss=1>"


def damage(site: Path, change) -> Path:
    """alpha's results file, after ``change(data)`` edits its JSON."""
    path = result_file(site)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    return path


def a_row(data: dict, fixture: str = "report_fixture.TorchMatMul.time_step") -> list:
    return data["results"][fixture]


def is_left_out(site: Path, capsys, message: str, commands=("check-results", "table")) -> None:
    """Each command leaves alpha out naming ``message`` (check-results: refuses it), and
    nothing under ``site`` changes."""
    results = site / "results"
    if "recorded" in commands and not (site / "history").exists():
        assert run(capsys, "history", "generate", "--releases", str(ROOT / "releases.toml"),
                   "--history", str(site / "history"))[0] == 0
    for command in commands:
        if command == "check-results":
            err = refused(capsys, "check-results", str(results / "alpha"), watch=site)
            assert f"refused {results / 'alpha'}: " in err and message in err, err
            continue
        argv = {"table": ["table", "--results", str(results)],
                "report": ["report", "--results", str(results), "--html", str(site / "html")],
                "recorded": ["history", "recorded", "--results", str(results), "--history",
                             str(site / "history")]}[command]
        before = snapshot(results)
        code, out, err = run(capsys, *argv)
        note = next((line for line in err.splitlines()
                     if line.startswith(f"note: left out {results / 'alpha'}: ")), "")
        assert message in note, (command, err)
        assert "## ResNet-50 on alpha" not in out and snapshot(results) == before


@pytest.mark.parametrize("field", ["cpu", "os", "arch", "ram", "num_cpu", "allocator",
                                   "torch_threads"])
def test_markup_in_any_machine_field_refuses_the_folder(site, capsys, field):
    path = site / "results" / "alpha" / "machine.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), field: HOSTILE}))
    is_left_out(site, capsys, f"machine.json: {field} = '{HOSTILE}' holds characters outside "
                "letters, digits")


def test_markup_in_a_params_key_refuses_the_folder(site, capsys):
    damage(site, lambda data: data["params"].update({HOSTILE: "x"}))
    is_left_out(site, capsys, f"a key of params = '{HOSTILE}' holds characters outside")


@pytest.mark.parametrize(("change", "message"), [
    (lambda row: row[1].__setitem__(4, ["'1'", "'2'"]),
     "results['report_fixture.TorchMatMul.time_step'] batch = \"'1'\" is text where the "
     "suite declares a number"),
    (lambda row: row[1].__setitem__(2, ["'eager'", "'max-autotune'"]),
     "mode = \"'max-autotune'\" is not a value this suite declares"),
    (lambda row: row[0].__setitem__(0, float("inf")), "value inf is impossible for seconds"),
    (lambda row: row[0].__setitem__(0, -5), "value -5 is impossible for seconds (above 0"),
    (lambda row: row[0].__setitem__(0, 0), "value 0 is impossible for seconds"),
    (lambda row: row[0].__setitem__(0, 1e300), "value 1e+300 is impossible for seconds"),
    (lambda row: row[0].__setitem__(0, True), "value = True is impossible: not a number"),
    (lambda row: row[0].__setitem__(0, "0.1"), "value = '0.1' is impossible: not a number"),
])
def test_a_value_or_param_the_suite_cannot_have_refuses_the_folder(site, capsys, change,
                                                                   message):
    damage(site, lambda data: change(a_row(data)))
    is_left_out(site, capsys, message)


@pytest.mark.parametrize(("change", "message"), [
    (lambda data: data.update(date=float("nan")), "date = nan is not a time from 2000 to now"),
    (lambda data: data.update(date=253402300799000), "is not a time from 2000 to now"),
    (lambda data: data.update(params=["machine", "alpha"]), "params = ['machine', 'alpha'] "
     "is not an object"),
    (lambda data: data.update(commit_hash="<b>"), "commit_hash = '<b>' is not a commit hash"),
])
def test_a_results_file_with_an_impossible_field_refuses_the_folder(site, capsys, change,
                                                                   message):
    damage(site, change)
    is_left_out(site, capsys, message)


def test_deeply_nested_json_refuses_the_folder_in_every_reader(site, capsys):
    path = result_file(site)
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000)
    is_left_out(site, capsys, f"{path.name}: it is nested deeper than 12 levels",
                ("check-results", "table", "report", "recorded"))


@pytest.mark.parametrize("name", ["results", "machine.facts", "machine.json"])
def test_a_fifo_in_a_machine_folder_refuses_it_without_hanging(site, capsys, name):
    path = result_file(site) if name == "results" else site / "results" / "alpha" / name
    path.unlink()
    os.mkfifo(path)
    is_left_out(site, capsys, f"{path.name} is a FIFO, not a regular file",
                ("check-results", "table", "report", "recorded"))


def test_a_fifo_benchmarks_json_is_named_without_hanging(site, capsys):
    path = site / "results" / "benchmarks.json"
    path.unlink()
    os.mkfifo(path)
    err = refused(capsys, "table", "--results", str(site / "results"), watch=site)
    assert f"{path} is unreadable (it is a FIFO, not a regular file)" in err


def test_a_results_file_linked_to_dev_zero_refuses_the_folder_without_reading_it(
        site, capsys):
    path = result_file(site)
    path.unlink()
    path.symlink_to("/dev/zero")
    is_left_out(site, capsys, f"{path.name} is a symbolic link, not a regular file",
                ("check-results", "table", "report", "recorded"))


def test_a_machine_folder_that_is_a_link_or_unreadable_is_named_in_a_note(site, capsys,
                                                                         tmp_path):
    results = site / "results"
    shutil.move(results / "alpha", tmp_path / "alpha")
    (results / "alpha").symlink_to(tmp_path / "alpha")
    is_left_out(site, capsys, "it is a symbolic link, not a folder",
                ("table", "report", "recorded"))
    (results / "alpha").unlink()
    shutil.move(tmp_path / "alpha", results / "alpha")
    (results / "alpha").chmod(0)
    try:
        if os.access(results / "alpha", os.R_OK):
            pytest.skip("running as root: a folder without permissions is still readable")
        is_left_out(site, capsys, "it cannot be read (Permission denied)",
                    ("table", "report", "recorded"))
    finally:
        (results / "alpha").chmod(0o755)


def test_check_results_admits_the_recorded_folders(site, capsys):
    code, out, err = run(capsys, "check-results", str(site / "results"))
    assert code == 0, err
    assert f"admitted {site / 'results' / 'alpha'}" in out
    assert f"admitted {site / 'results' / 'beta'}" in out


def test_a_truncated_results_file_is_named_with_the_fix_before_a_run(recording, capsys):
    path = result_file(recording)
    path.write_bytes(path.read_bytes()[:4096])
    err = refused(capsys, "history", "record", "--name", "alpha", "--history", "history",
                  watch=recording)
    shown = path.relative_to(recording)  # as --results gives it: results/
    assert f"{shown} is unreadable (it is not whole JSON (" in err
    assert f"Move it away (mv {shown} {shown}.broken) and run again" in err
