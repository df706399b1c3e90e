"""Lint gates: ruff (format and checks) on every Python tree, pylint-odoo's checks on
the add-on."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON_TREES = ["fee_collection", "tests", "bench", "scripts"]


def run(*command):
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ["check", *PYTHON_TREES],
        ["format", "--check", *PYTHON_TREES],
    ],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command):
    result = run(sys.executable, "-m", "ruff", *command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pylint_odoo():
    # Every pylint-odoo check except the OCA-only ones: we are not an OCA repository, and the
    # module documentation lives in readme/*.md. A model extended by several concerns keeps
    # each in a file of its own (the subscriber's file, its agent terms; the receipt, the
    # collection process), against the check that would merge them.
    result = run(
        sys.executable,
        "-m",
        "pylint",
        "--load-plugins=pylint_odoo",
        "--disable=all",
        "--enable=odoolint",
        "--disable=manifest-required-author,missing-readme,"
        "consider-merging-classes-inherited",
        "--valid-odoo-versions=18.0",
        "--score=n",
        "fee_collection",
    )
    assert result.returncode == 0, result.stdout + result.stderr
