"""The folder tree is the architecture: the import contract in pyproject.toml holds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("knowledge", "answers", "study", "output", "cli")


def test_import_contract_holds() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_every_module_lives_in_a_layer() -> None:
    package = ROOT / "src" / "baclo_cli"
    loose = {p.name for p in package.glob("*.py")} - {"__init__.py", "__main__.py", "errors.py", "text.py"}
    assert not loose, f"modules outside the layer packages: {sorted(loose)}"
    assert all((package / layer / "__init__.py").is_file() for layer in LAYERS)
