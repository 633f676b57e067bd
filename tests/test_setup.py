"""The interpreter `make install` builds .venv with, and the image's: the newest CPython Baton runs on."""

import re
import subprocess
import sys

from tests.conftest import ROOT

SUPPORTED = ("3.13", "3.12", "3.11")  # newest first, as scripts/find_python.sh tries them


def _found() -> str:
    done = subprocess.run(
        ["sh", str(ROOT / "scripts" / "find_python.sh")], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_make_install_takes_a_supported_python_that_runs():
    assert _version(_found()) in SUPPORTED


def test_make_install_takes_no_older_python_than_the_one_running_the_tests():
    # The suite runs in the venv `make install` built: the script's pick is that version or newer.
    running = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert SUPPORTED.index(_version(_found())) <= SUPPORTED.index(running)


def test_the_image_runs_the_newest_supported_python_and_pyproject_admits_the_oldest():
    image = re.search(r"^FROM python:(\d+\.\d+)-slim$", (ROOT / "Dockerfile").read_text(), re.M)
    assert image and image.group(1) == SUPPORTED[0]
    assert f'requires-python = ">={SUPPORTED[-1]}"' in (ROOT / "pyproject.toml").read_text()
