"""Proposals from the package index, against small hand-made index documents."""

import pytest

from mpsbench.history import index, releases


def wheel(name, version, date, tags, yanked=False):
    return {"filename": f"{name}-{version}-{tags}.whl", "upload_time_iso_8601": date,
            "requires_python": ">=3.10", "yanked": yanked}


def project(name, versions):
    return {"releases": {v: [wheel(name, v, d, t) for t in tags] for v, (d, tags) in
                         versions.items()}}


LINUX_311 = "cp311-cp311-manylinux_2_28_x86_64"
MAC_311 = "cp311-cp311-macosx_14_0_arm64"
INDEX = {
    "torch": project("torch", {
        "2.13.0": ("2026-07-08T16:01:59.348299Z", [LINUX_311, MAC_311]),
        "2.14.0": ("2026-09-02T13:42:48Z", [LINUX_311, MAC_311]),
        "2.14.1": ("2026-09-30T17:43:48Z", [LINUX_311, MAC_311, "cp312-cp312-win_amd64"]),
        "2.15.0": ("2026-10-28T15:16:25Z", [LINUX_311]),
        "2.16.0rc1": ("2026-11-01T00:00:00Z", [LINUX_311]),
    }),
    "torchvision": project("torchvision", {
        "0.28.0": ("2026-07-08T16:07:27Z", [LINUX_311, MAC_311]),
        "0.29.0": ("2026-09-02T13:46:52Z", [LINUX_311, MAC_311]),
        "0.29.1": ("2026-09-30T17:56:58Z", [LINUX_311, "cp311-cp311-macosx_15_0_arm64"]),
    }),
    "mlx": project("mlx", {
        "0.32.3": ("2026-09-29T00:14:41Z", ["cp311-cp311-macosx_14_0_arm64"]),
        "0.32.4": ("2026-10-14T21:15:37Z", ["cp311-cp311-manylinux_2_35_x86_64",
                                             "cp314-cp314t-manylinux_2_35_x86_64"]),
    }),
}


def fetch(name):
    return INDEX[name]


def test_reads_wheels_dates_and_floors():
    found = index.published(INDEX["torch"])
    assert "2.16.0rc1" not in found
    assert found["2.13.0"].date.isoformat() == "2026-07-08T16:01:59+00:00"
    assert found["2.14.1"].wheels == {"linux-x86_64": ["3.11"], "macos-arm64": ["3.11"],
                                      "windows-x86_64": ["3.12"]}
    assert found["2.14.1"].min_macos == "14.0"
    mlx = index.published(INDEX["mlx"])["0.32.4"]
    assert mlx.wheels == {"linux-x86_64": ["3.11"]}  # free-threaded build left out


def test_yanked_and_wheelless_versions_are_not_releases():
    data = {"releases": {"1.0": [wheel("x", "1.0", "2024-01-01T00:00:00Z", LINUX_311, True)],
                         "1.1": [{"filename": "x-1.1.tar.gz", "yanked": False,
                                  "upload_time_iso_8601": "2024-02-01T00:00:00Z"}]}}
    assert index.published(data) == {}


def test_proposes_newest_patch_of_each_minor_from_an_empty_list():
    found, notes = index.propose([], fetch, newest_patch=True)
    assert [r.tag for r in found] == ["torch-2.13.0", "torch-2.14.1", "mlx-0.32.4"]
    torch = found[1]
    assert torch.torchvision == "0.29.1"
    assert torch.wheels == {"linux-x86_64": ["3.11"], "macos-arm64": ["3.11"]}
    assert torch.min_macos == "15.0"  # the later floor of torch and torchvision
    assert notes == ["torch 2.15.0 (2026-10-28T15:16:25Z): no torchvision was published "
                     "within a day of it; not proposed"]


def test_proposes_only_what_is_newer_and_appendable():
    listed, _ = index.propose([], fetch, newest_patch=True)
    listed = listed[:2]  # torch 2.13.0, torch 2.14.1
    found, notes = index.propose(listed, fetch)
    assert [r.tag for r in found] == ["mlx-0.32.4"]
    assert not any(r.tag == "mlx-0.32.3" for r in found)  # dated before torch 2.14.1
    assert any("mlx 0.32.3 (2026-09-29T00:14:41Z) is older than the last entry" in n
               for n in notes)


def test_proposals_are_valid_list_entries():
    found, _ = index.propose([], fetch, newest_patch=True)
    text = "\n".join(releases.to_toml(r) for r in found)
    assert releases.parse(text) == found


@pytest.mark.parametrize(
    ("tag", "platforms"),
    [
        ("cp311-cp311-macosx_11_0_universal2", {"macos-arm64": "11.0", "macos-x86_64": "11.0"}),
        ("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", {"linux-x86_64": None}),
        ("cp311-cp311-manylinux2014_aarch64", {"linux-aarch64": None}),
        ("cp311-cp311-musllinux_1_1_x86_64", {}),
        ("cp311-cp311-win_arm64", {"windows-arm64": None}),
    ],
)
def test_platform_tags(tag, platforms):
    assert index._platforms(tag.split("-")[-1]) == platforms


def test_python_tags():
    assert index._pythons("cp311", "cp311") == {"3.11"}
    assert index._pythons("cp314", "cp314t") == set()
    assert index._pythons("cp39", "abi3") == {"3"}
    assert index._pythons("py2.py3", "none") == {"3"}
