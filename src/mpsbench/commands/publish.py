"""``mpsbench publish``: from the recorded results to a site that opens offline: asv's
pages (read through asv-tachyon) and the comparison report, every asset on disk."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from mpsbench.commands import report
from mpsbench.errors import UserError, needs_extra

DEFAULT_CONFIG = Path("asv.conf.json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="build the site into html/ (asv's pages and the report), every asset on disk",
        description="Writes asv's benchmark list from a discovery of the full grid (so every "
        "recorded point is listed), runs 'asv publish', puts asv-tachyon's UI over asv's "
        "pages (asv's own load their scripts from CDNs and stay blank offline) and writes "
        "the comparison report into html/mpsbench/. Nothing the site shows is fetched at "
        "view time: serve html/ (python3 -m http.server -b 127.0.0.1 -d html) and open it.",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG,
                        help="asv's configuration (default: %(default)s)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return publish(args.config)


def publish(config: Path = DEFAULT_CONFIG) -> int:
    """Build the site ``config`` describes: asv's pages, their UI, then the report."""
    try:
        from mpsbench import site
    except ModuleNotFoundError as error:
        raise needs_extra(error) from None
    conf = asv_config(config)
    root = config.parent  # asv reads the configuration's paths from its folder
    results = root / conf.results_dir  # the one folder publish reads: asv and the report too
    html = root / conf.html_dir
    generate_history(config, root / conf.repo)
    benchmarks = site.write_benchmark_list(results)
    unlisted = site.unlisted_points(results, benchmarks)
    if unlisted:
        print(f"note: {len(unlisted)} recorded points are in no grid and stay off asv's "
              f"graphs, e.g. {unlisted[0]}", file=sys.stderr)
    admitted_publish(config, results)
    site.install_ui(html)
    site.write_sidecars(html)
    dropped = site.drop_machines_without_graphs(html)
    if dropped:
        print(f"left out of the machine picker (no result of the current suite): "
              f"{', '.join(dropped)}")
    return report.write(results, html)


def asv_config(path: Path):  # -> asv.config.Config
    """asv's configuration; a missing or broken one is one line."""
    from asv import config as asv_config_module
    from asv import util as asv_util

    try:
        return asv_config_module.Config.load(str(path))
    except asv_util.UserError as error:
        raise UserError(f"cannot read {path}: {error}") from None


def generate_history(config: Path, repo: Path) -> None:
    """Create or extend the release history where the configuration says asv reads it (a
    fresh clone has none, and 'asv publish' needs its commits and tags)."""
    from mpsbench.history import package, releases
    from mpsbench.history import repo as history_repo

    if repo.resolve() != (config.parent / history_repo.DEFAULT_PATH).resolve():
        return  # another repository (a test's): not the release history's to write
    release_list = config.parent / releases.DEFAULT_PATH
    commits = list(package.commits(releases.load(release_list)))
    history_repo.generate(repo, commits, str(release_list))


def admitted_publish(config: Path, results: Path) -> None:
    """'asv publish' of the folders the gate admits (asv reads every folder it finds, and
    shows machine fields and param names as HTML): from a scratch copy holding only those,
    through a copy of ``config`` naming it. A copy, not a move: a contributor's folder is
    never changed, and the copy holds the bytes the gate checked."""
    from mpsbench import gate
    from mpsbench.history.record import asv_config_for
    from mpsbench.results import load_benchmark_index

    admission = gate.admit(results, load_benchmark_index(results))
    for note in admission.notes():
        print(f"note: {note}", file=sys.stderr)
    with gate.admitted_copy(results, admission) as copy, \
            asv_config_for(copy, config) as where:
        asv_publish(Path(where[-1]) if where else config)


def asv_publish(config: Path) -> None:
    """'asv publish', its output streamed; a failure becomes a UserError."""
    command = [sys.executable, "-m", "asv", "publish", "--config", config.name]
    print(f"$ asv publish --config {config.name}", flush=True)
    if subprocess.run(command, cwd=config.parent).returncode != 0:
        raise UserError("'asv publish' failed; see its output above")
