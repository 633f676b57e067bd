#!/bin/sh
# The interpreter `make install` builds .venv with: the newest CPython of 3.13, 3.12 and 3.11 that
# runs here and has venv, on PATH or installed under pyenv (whose shim for a version that is not
# the active one only prints an error). The image runs 3.13 too (Dockerfile), supported to 2029;
# in-process it runs B1's start + complete on 3-7 % less CPU than 3.11 (README, Benchmarks, s13).
# Falls back to python3, whose version pyproject.toml then checks.
pyenv_root=$(pyenv root 2>/dev/null)
for version in 3.13 3.12 3.11; do
    installed=""
    if [ -n "$pyenv_root" ]; then
        installed=$(ls -d "$pyenv_root"/versions/"$version".*/bin/python"$version" 2>/dev/null | sort -V -r)
    fi
    for candidate in "python$version" $installed; do
        if "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
            echo "$candidate"
            exit 0
        fi
    done
done
echo python3
