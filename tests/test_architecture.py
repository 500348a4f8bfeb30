"""The import rules of DESIGN.md and STYLE.md, checked by parsing the source."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT


def imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "analytics").glob("*.py")), ids=lambda p: p.name)
def test_analytics_is_pure(path):
    forbidden = {"streamlit", "sqlalchemy", "plotly", "ui"}
    if path.name != "__main__.py":  # the command line reads sources through data/ (DESIGN.md)
        forbidden.add("data")
    forbidden &= imported_modules(path)
    assert not forbidden, f"{path.name} imports {forbidden}"


def test_only_the_clv_adapter_imports_lifetimes():
    users = {
        p.relative_to(ROOT).as_posix()
        for folder in ("analytics", "data", "ui", "pages")
        for p in (ROOT / folder).glob("*.py")
        if "lifetimes" in imported_modules(p)
    } | (
        {"app.py"}
        if (ROOT / "app.py").exists() and "lifetimes" in imported_modules(ROOT / "app.py")
        else set()
    )
    assert users <= {"analytics/clv.py"}


def test_data_layer_does_not_import_streamlit():
    for path in (ROOT / "data").glob("*.py"):
        assert not {"streamlit", "plotly", "ui"} & imported_modules(path), path.name
