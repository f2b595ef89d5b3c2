"""The scripts of ``gold/tools`` (not a package) loaded as modules, for their tests."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from tests.support.paths import ROOT


def gold_tool(name: str) -> ModuleType:
    """``gold/tools/<name>.py`` as a fresh module."""
    path = ROOT / "gold" / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"gold_{name}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
