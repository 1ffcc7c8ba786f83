"""Issue 28: contributed results are untrusted input, and every write is whole.

One test (or one parametrized case) per hostile input of the issue; each asserts the
message and that no file changed. Results come from the real quick asv runs of
``published_site`` (conftest), copied by ``site`` to be damaged.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from mpsbench import envinfo, files
from mpsbench.cooldown import COOLDOWN_ENV, cooldown_fraction
from mpsbench.errors import UserError
from mpsbench.threads import THREADS_ENV, cpu_threads

from .conftest import ROOT
from .test_bad_input import refused, run, site, snapshot  # noqa: F401 (site: a fixture)

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
def test_table_refuses_an_empty_machine_or_commit(site, capsys, option):  # noqa: F811
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
def recording(site, tmp_path, monkeypatch) -> Path:  # noqa: F811
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


def test_the_benchmarked_versions_are_written_whole_or_not_at_all(site, monkeypatch):  # noqa: F811
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
