"""The release list: what it accepts, what it refuses and why, and the committed list."""

from pathlib import Path

import pytest

from mpsbench.errors import UserError
from mpsbench.history import releases

REPO = Path(__file__).resolve().parents[1]

TORCH = """
[[release]]
date = 2026-07-08T16:01:59Z
package = "torch"
version = "2.13.0"
torchvision = "0.28.0"
requires_python = ">=3.10"
[release.wheels]
"linux-x86_64" = ["3.10", "3.11"]
"""
MLX = """
[[release]]
date = 2026-10-14T21:15:37Z
package = "mlx"
version = "0.32.4"
requires_python = ">=3.10"
min_macos = "14.0"
[release.wheels]
"macos-arm64" = ["3.11"]
"linux-x86_64" = ["3.11"]
"""


def test_parses_a_valid_list():
    torch, mlx = releases.parse(TORCH + MLX)
    assert (torch.tag, torch.torchvision, mlx.tag, mlx.min_macos) == (
        "torch-2.13.0", "0.28.0", "mlx-0.32.4", "14.0")
    assert torch.wheels == {"linux-x86_64": ["3.10", "3.11"]}
    assert releases.format_date(mlx.date) == "2026-10-14T21:15:37Z"


def test_to_toml_round_trips():
    listed = releases.parse(TORCH + MLX)
    assert releases.parse("\n".join(releases.to_toml(r) for r in listed)) == listed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[release]\n", "not valid TOML"),
        (TORCH.replace('torchvision = "0.28.0"\n', ""), "only a torch release, names a"),
        (MLX.replace('package = "mlx"', 'package = "jax"'), "package must be one of"),
        (MLX.replace('requires_python = ">=3.10"\n', ""), "missing 'requires_python'"),
        (MLX.replace("min_macos", "min_macOS"), "unknown field 'min_macOS'"),
        (MLX.replace('"0.32.4"', '"0.32.4rc1"'), "version = '0.32.4rc1' is not valid"),
        (MLX.replace("2026-10-14T21:15:37Z", '"yesterday"'), "date must be a UTC timestamp"),
        (MLX.replace("2026-10-14T21:15:37Z", "2026-10-14T21:15:37"), "date must be a UTC"),
        (MLX.replace('"macos-arm64"', '"macos-m1"'), "unknown platform 'macos-m1'"),
        (MLX.replace('["3.11"]', '["py3.11"]'), "wheels.macos-arm64 = 'py3.11' is not valid"),
        (MLX + MLX, "release 2 (mlx 0.32.4, 2026-10-14T21:15:37Z) is listed twice"),
        (MLX + TORCH, "release 2 (torch 2.13.0, 2026-07-08T16:01:59Z) is dated before release 1"),
        (MLX.replace("0.32.4", "0.33.0") + MLX.replace("21:15", "22:15"),
         "mlx 0.32.4, 2026-10-14T22:15:37Z) is older than mlx 0.33.0"),
        ('releases = "x"\n', "unknown top-level key"),
        (TORCH.replace("[release.wheels]", 'requires = ["numpy<2; python_version < \'3\'"]\n'
                       "[release.wheels]"), "requires = \"numpy<2; python_version"),
    ],
)
def test_refuses_a_bad_list_saying_where(text, message):
    with pytest.raises(UserError, match="release list") as error:
        releases.parse(text)
    assert message in str(error.value)


def test_missing_list_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no release list at"):
        releases.load(tmp_path / "releases.toml")


def _minors(listed, package):
    return {tuple(int(p) for p in r.version.split(".")[:2]) for r in listed if r.package == package}


def test_committed_list_covers_every_minor():
    listed = releases.load(REPO / "releases.toml")
    torch = _minors(listed, "torch")
    assert torch == {(2, minor) for minor in range(1, max(torch)[1] + 1)}
    mlx = _minors(listed, "mlx")
    assert mlx == {(0, minor) for minor in range(0, max(mlx)[1] + 1)}
    assert all(r.torchvision for r in listed if r.package == "torch")
