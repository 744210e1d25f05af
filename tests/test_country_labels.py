"""The country names in five languages are generated from pycountry: the committed file must be the script's output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_country_labels_file_is_the_scripts_output() -> None:
    made = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "country_labels.py")], capture_output=True, text=True, check=True
    ).stdout
    committed = (REPO / "hub" / "ontology" / "vocab" / "labels" / "countries.ttl").read_text(encoding="utf-8")
    assert made == committed, "regenerate: python scripts/country_labels.py > hub/ontology/vocab/labels/countries.ttl"
