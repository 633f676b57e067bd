"""`make install`: install the inbox's npm packages (npm ci) and copy their dist files into the app.

Runs `npm ci` only when node_modules is missing or package-lock.json changed since the last run,
then copies what the pages load into app/web/static/vendor/ (git-ignored), so the app serves
bpmn-js and form-js itself: no CDN, it works offline.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "node_modules"
VENDOR = ROOT / "app" / "web" / "static" / "vendor"
STAMP = MODULES / ".baton-lock-sha256"
COPIES = {
    "bpmn-js/dist/bpmn-navigated-viewer.production.min.js": "bpmn-js/",
    "bpmn-js/dist/assets/diagram-js.css": "bpmn-js/",
    "bpmn-js/dist/assets/bpmn-js.css": "bpmn-js/",
    "@bpmn-io/form-js/dist/form-viewer.umd.js": "form-js/",
    "@bpmn-io/form-js/dist/assets/form-js.css": "form-js/",
}


def lock_digest() -> str:
    return hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()


def npm_ci() -> None:
    if STAMP.exists() and STAMP.read_text().strip() == lock_digest():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to install the inbox's front-end packages (apt-get install npm)")
    # --ignore-scripts: nothing we use needs an install script, and some only phone home.
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=True)
    STAMP.write_text(lock_digest())


def copy_dist() -> None:
    for source, target in COPIES.items():
        destination = VENDOR / target
        destination.mkdir(parents=True, exist_ok=True)
        shutil.copy2(MODULES / source, destination / Path(source).name)


def main() -> None:
    npm_ci()
    copy_dist()
    print(f"front-end packages ready in {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
