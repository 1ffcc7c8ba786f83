"""The generated history: the same hashes everywhere, append-only, clear refusals."""

import tomllib
from pathlib import Path

import pytest

from mpsbench import cli
from mpsbench.errors import UserError
from mpsbench.history import package, releases, repo

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "releases.toml"

# The hashes the committed list generates. If one changes, every recorded result
# is orphaned: fix the generation, never these hashes.
GOLDEN = {
    "torch-2.1.2": "afe9c0577168b660d2e453a2346ce0119f24c4e8",
    "mlx-0.32.4": "a5fcf919390e4031f9b9be2926bbcf546590e1f7",
    "torch-2.15.0": "1735e522f2e3a46a61f9774399a6125e9d7af816",
}


def generate(path, text):
    commits = list(package.commits(releases.parse(text)))
    return repo.generate(path, commits)


def run_cli(*args):
    return cli.main(["history", *args])


@pytest.fixture(scope="module")
def committed_text():
    return COMMITTED.read_text()


def test_same_hashes_in_two_places(tmp_path, committed_text):
    first = generate(tmp_path / "a" / "history", committed_text)
    second = generate(tmp_path / "b" / "history", committed_text)
    assert first.hashes == second.hashes
    assert first.added == len(releases.parse(committed_text))


def test_golden_hashes_of_the_committed_list(tmp_path, committed_text):
    history = tmp_path / "history"
    generate(history, committed_text)
    assert {tag: repo.resolve_tag(history, tag) for tag in GOLDEN} == GOLDEN


def test_commits_carry_the_release_date_and_a_fixed_author(tmp_path, committed_text):
    history = tmp_path / "history"
    generate(history, committed_text)
    line = repo.git(history, "log", "-1", "--format=%an <%ae>|%aI|%cI|%s", "torch-2.1.2")
    assert line.strip() == (
        "mpsbench history <history@mpsbench.invalid>|2023-12-14T21:46:00+00:00|"
        "2023-12-14T21:46:00+00:00|torch 2.1.2")
    files = repo.git(history, "ls-tree", "-r", "--name-only", "mlx-0.32.4").split()
    assert files == ["mpsbench_stack/__init__.py", "mpsbench_stack/stack.json", "pyproject.toml"]


def test_the_stack_package_carries_mpsbench_runtime_dependencies():
    """A new runtime dependency belongs in asv.conf.json's matrix, not in the history."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert list(package.BASE_REQUIREMENTS) == declared


def test_append_adds_commits_and_keeps_hashes(tmp_path, committed_text):
    history = tmp_path / "history"
    entries = committed_text.split("[[release]]")
    head = "[[release]]".join(entries[:-2])
    before = generate(history, head)
    after = generate(history, committed_text)
    assert after.hashes[: len(before.hashes)] == before.hashes
    assert after.added == 2
    assert generate(history, committed_text).added == 0


def test_an_edited_entry_is_refused_and_nothing_changes(tmp_path, committed_text):
    history = tmp_path / "history"
    done = generate(history, committed_text)
    results = tmp_path / "results" / "machine" / f"{done.hashes[3][:8]}-virtualenv-py3.11.json"
    results.parent.mkdir(parents=True)
    results.write_text("{}")
    edited = committed_text.replace('version = "0.1.0"', 'version = "0.1.1"')
    changed = r"commit 3 \(mlx-0.1.0\) was [0-9a-f]{12}, now [0-9a-f]{12} \(mlx-0.1.1\)"
    with pytest.raises(UserError, match=changed):
        generate(history, edited)
    assert repo.tagged_commits(history) == list(zip(done.hashes, done.tags, strict=True))
    assert results.read_text() == "{}"


def test_a_shorter_list_is_refused(tmp_path, committed_text):
    history = tmp_path / "history"
    generate(history, committed_text)
    with pytest.raises(UserError, match="now absent"):
        generate(history, "[[release]]".join(committed_text.split("[[release]]")[:-1]))


def test_missing_history_and_unknown_tag(tmp_path, committed_text, capsys):
    history = tmp_path / "history"
    assert run_cli("hashfile", "--framework", "mlx", "--history", str(history)) == 2
    assert "no release history at" in capsys.readouterr().err
    generate(history, committed_text)
    with pytest.raises(UserError, match=r"no tag 'torch-2.13.1' .*did you mean .*torch-2.13.0"):
        repo.resolve_tag(history, "torch-2.13.1")
    assert run_cli("hashfile", "--framework", "mlx", "--history", str(history),
                   "--after", "mlx-9.9") == 2
    assert "no tag 'mlx-9.9'" in capsys.readouterr().err


def test_hashfile_lists_the_commits_of_one_framework(tmp_path, committed_text, capsys):
    history = tmp_path / "history"
    done = generate(history, committed_text)
    assert run_cli("hashfile", "--framework", "torch", "--history", str(history),
                   "--after", "torch-2.13.0") == 0
    by_tag = dict(zip(done.tags, done.hashes, strict=True))
    assert capsys.readouterr().out.split() == [by_tag["torch-2.14.1"], by_tag["torch-2.15.0"]]
    assert run_cli("hashfile", "--framework", "mlx", "--history", str(history)) == 0
    assert len(capsys.readouterr().out.split()) == sum(t.startswith("mlx-") for t in done.tags)


def test_generate_command_reports_a_bad_list(tmp_path, capsys):
    bad = tmp_path / "releases.toml"
    bad.write_text('[[release]]\npackage = "torch"\n')
    assert run_cli("generate", "--releases", str(bad), "--history", str(tmp_path / "h")) == 2
    err = capsys.readouterr().err
    assert "mpsbench history: error:" in err and "missing 'date'" in err
    assert not (tmp_path / "h").exists()
