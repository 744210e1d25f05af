"""Refresh hub/api/docs_assets/swagger-ui/: the Swagger UI files the API's /docs page is served from.

Run by hand when Swagger UI is upgraded; the output is committed, so `hub serve` (and an
installed wheel) needs neither npm nor this script, and /docs loads nothing from outside.
Input: the npm package ``swagger-ui-dist`` (Apache-2.0, SmartBear), unpacked, e.g.

    npm pack swagger-ui-dist@5.35.0 && tar xzf swagger-ui-dist-5.35.0.tgz
    python scripts/vendor_swagger_ui.py package

5.35.0's tarball is ``sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==``
(what ``npm pack --json`` prints as ``integrity``). The files are copied unchanged; the
package's own package.json comes along as the record of the version.
It is not an entry of the repo's package.json: the npm package depends on a telemetry
package (``@scarf/scarf``) with an install script, which the hub has no use for.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "hub" / "api" / "docs_assets" / "swagger-ui"
VERSION = "5.35.0"
FILES = [
    "swagger-ui-bundle.js",
    "swagger-ui-bundle.js.LICENSE.txt",
    "swagger-ui.css",
    "favicon-32x32.png",
    "LICENSE",
    "NOTICE",
    "package.json",
]


def main(package: Path) -> None:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    if meta.get("name") != "swagger-ui-dist" or meta.get("version") != VERSION:
        sys.exit(
            f"{package} holds {meta.get('name')} {meta.get('version')}, not swagger-ui-dist {VERSION} (change VERSION "
            "to upgrade)"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.iterdir():
        if stale.name not in FILES:
            stale.unlink()
    for name in FILES:
        shutil.copyfile(package / name, OUT / name)
        print(f"{hashlib.sha256((OUT / name).read_bytes()).hexdigest()}  {name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
