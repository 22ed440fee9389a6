"""carbon_models imports nothing of ours: every module loads with neither ledger nor webapp.

Run in a fresh interpreter, because this test session has long since imported both.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

_CHECK = """
import importlib, json, pkgutil, sys
import carbon_models
names = ["carbon_models"] + [m.name for m in pkgutil.walk_packages(carbon_models.__path__, "carbon_models.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"walked": names, "ours": sorted(m for m in sys.modules if m.split(".")[0] in ("ledger", "webapp"))}))
"""


def test_every_module_of_carbon_models_loads_without_ledger_or_webapp() -> None:
    run = subprocess.run([sys.executable, "-c", _CHECK], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    found = json.loads(run.stdout)
    assert "carbon_models.estimator.predict" in found["walked"]  # the walk reached the subpackage
    assert found["ours"] == [], f"carbon_models loaded {found['ours']}"
