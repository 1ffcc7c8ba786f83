"""What a history commit pins on a host, and how a release that cannot exist is skipped."""

import json
import subprocess
import sys
import tomllib
import zipfile

import pytest
from packaging.requirements import Requirement

from mpsbench import frameworks
from mpsbench.history import package, releases, stack
from mpsbench.history.stack import Host

LIST = """
[[release]]
date = 2024-03-27T21:06:18Z
package = "torch"
version = "2.2.2"
torchvision = "0.17.2"
requires_python = ">=3.8.0"
min_macos = "11.0"
requires = ["numpy<2"]
[release.wheels]
"linux-x86_64" = ["3.8", "3.9", "3.10", "3.11", "3.12"]
"macos-arm64" = ["3.8", "3.9", "3.10", "3.11", "3.12"]

[[release]]
date = 2024-04-04T19:04:19Z
package = "mlx"
version = "0.9.1"
requires_python = ">=3.8"
min_macos = "14.0"
[release.wheels]
"macos-arm64" = ["3.9", "3.11"]
"linux-x86_64" = ["3"]
"""
LINUX_311 = Host("linux-x86_64", "3.11")
MAC_13 = Host("macos-arm64", "3.11", "13.6")
MAC_14 = Host("macos-arm64", "3.11", "14.5")


@pytest.fixture
def commit():
    return list(package.commits(releases.parse(LIST)))[-1]


@pytest.fixture
def pinned(commit):
    return json.loads(commit.files[stack.STACK_FILE])


def test_pins_what_has_a_wheel_here(pinned):
    assert stack.pinned_here(pinned, LINUX_311) == {
        "torch": "2.2.2", "torchvision": "0.17.2", "mlx": "0.9.1"}
    assert stack.pinned_here(pinned, MAC_13) == {"torch": "2.2.2", "torchvision": "0.17.2"}
    assert stack.pinned_here(pinned, Host("linux-x86_64", "3.13")) == {"mlx": "0.9.1"}
    assert stack.pinned_here(pinned, Host("windows-x86_64", "3.11")) == {}
    assert stack.pinned_here(pinned, Host(None, "3.11")) == {}


HOSTS = {  # host -> the environment markers pip would see there
    LINUX_311: {"sys_platform": "linux", "platform_machine": "x86_64",
                "python_version": "3.11", "platform_release": "6.1.0"},
    Host("linux-x86_64", "3.13"): {"sys_platform": "linux", "platform_machine": "x86_64",
                                   "python_version": "3.13", "platform_release": "6.1.0"},
    MAC_13: {"sys_platform": "darwin", "platform_machine": "arm64",
             "python_version": "3.11", "platform_release": "22.6.0"},
    MAC_14: {"sys_platform": "darwin", "platform_machine": "arm64",
             "python_version": "3.11", "platform_release": "23.5.0"},
    Host("macos-arm64", "3.10", "14.5"): {"sys_platform": "darwin", "platform_machine": "arm64",
                                          "python_version": "3.10",
                                          "platform_release": "23.5.0"},
    Host("windows-x86_64", "3.11"): {"sys_platform": "win32", "platform_machine": "AMD64",
                                     "python_version": "3.11", "platform_release": "10"},
}


@pytest.mark.parametrize("host", list(HOSTS))
def test_markers_pip_sees_agree_with_the_runtime_check(commit, pinned, host):
    """What the stack package installs (markers) is what the benchmarks expect."""
    deps = tomllib.loads(commit.files["pyproject.toml"])["project"]["dependencies"]
    installs = {}
    for dep in deps[len(package.BASE_REQUIREMENTS):]:
        requirement = Requirement(dep)
        if requirement.marker.evaluate(HOSTS[host]) and requirement.name != "numpy":
            installs[requirement.name] = str(requirement.specifier).removeprefix("===")
    assert installs == stack.pinned_here(pinned, host)


def test_pins_are_exact_so_a_local_build_never_matches(commit):
    text = commit.files["pyproject.toml"]
    assert '"torch===2.2.2; ' in text and '"mlx[cpu]===0.9.1; ' in text
    assert '"mlx===0.9.1; (sys_platform == \'darwin\'' in text
    assert "\"numpy<2; " in text


def test_darwin_versions():
    assert [package.darwin_major(v) for v in ("10.9", "11.0", "14.0", "15.2", "26.0")] == [
        13, 20, 23, 24, 25]


def test_reasons_name_the_release_and_the_host(pinned, monkeypatch):
    monkeypatch.setattr(stack, "installed_version", lambda dist: None)
    assert stack.framework_reason(pinned, "mlx", MAC_13) == (
        "mlx 0.9.1, pinned at history commit mlx-0.9.1 (2024-04-04), has no wheel for "
        "macOS 13.6 (needs macOS 14.0 or later)")
    assert "no wheel for Python 3.13 on linux-x86_64 (only 3.8, 3.9" in stack.framework_reason(
        pinned, "torchvision", Host("linux-x86_64", "3.13"))
    assert "no wheel for windows-x86_64 (wheels for: linux-x86_64, macos-arm64)" in (
        stack.framework_reason(pinned, "torch", Host("windows-x86_64", "3.11")))
    without_torch = {key: value for key, value in pinned.items() if key != "torch"}
    assert stack.framework_reason(without_torch, "torch", LINUX_311) == (
        "no torch release in the history yet at history commit mlx-0.9.1 (2024-04-04)")


def test_an_install_that_does_not_match_the_pin_is_refused(pinned, monkeypatch):
    installed = {"torch": "2.2.2+cpu", "torchvision": "0.17.2", "mlx": "0.9.1"}
    monkeypatch.setattr(stack, "installed_version", installed.get)
    assert stack.framework_reason(pinned, "torchvision", LINUX_311) == ""
    assert "pins torch 2.2.2 but 2.2.2+cpu is installed" in stack.framework_reason(
        pinned, "torch", LINUX_311)


def test_sync_removes_what_the_next_commit_does_not_want(monkeypatch):
    installed = {"torch": "2.13.0+cpu", "torchvision": "0.28.0", "mlx": "0.32.4",
                 "mlx-cpu": "0.32.3", "mlx-metal": None}
    monkeypatch.setattr(stack, "installed_version", installed.get)
    assert stack.stale_dists({"torch": "2.13.0", "torchvision": "0.28.0", "mlx": "0.32.4"}) == [
        "torch", "mlx-cpu"]
    assert stack.stale_dists({}) == ["torch", "torchvision", "mlx", "mlx-cpu"]


def test_sync_script_reads_the_wheel_and_needs_only_the_standard_library(commit, tmp_path):
    wheel = tmp_path / "mpsbench_stack-2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(stack.STACK_FILE, commit.files[stack.STACK_FILE])
    assert stack.stack_of_wheel(str(wheel))["commit"] == "mlx-0.9.1"
    usage = subprocess.run([sys.executable, "-I", stack.__file__], capture_output=True, text=True)
    assert usage.returncode == 2 and "usage: python stack.py sync WHEEL" in usage.stderr


def test_availability_skips_a_release_without_importing_it(pinned, monkeypatch):
    monkeypatch.setattr(stack, "installed_stack", lambda: pinned)
    monkeypatch.setattr(stack, "this_host", lambda: Host("windows-x86_64", "3.11"))
    found = frameworks.availability("torch")
    assert not found.ok and "torch 2.2.2 (torchvision 0.17.2), pinned at" in found.reason
    with pytest.raises(frameworks.Unavailable, match="no wheel for windows-x86_64"):
        frameworks.require("mlx")


def test_no_installed_stack_changes_nothing(monkeypatch):
    monkeypatch.setattr(stack, "installed_stack", lambda: None)
    assert stack.unavailable_reason("torch") == ""
