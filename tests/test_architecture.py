"""The import rules of DESIGN.md and STYLE.md, checked by parsing the source.

Imports point one way: ``app.py``/``app_pages/`` -> ``ui/`` -> ``analytics/`` and ``data/``;
``analytics/`` imports none of the others (its command line may read through ``data/``); only
``analytics/clv.py`` imports lifetimes. Each rule is also run against a planted file, to prove it
can fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: folder -> top-level modules its files must not import
FORBIDDEN: dict[str, set[str]] = {
    "analytics": {
        "streamlit",
        "sqlalchemy",
        "plotly",
        "ui",
        "data",
        "app_pages",
        "lifetimes",
        "engines",
        "pyspark",
    },
    "data": {"streamlit", "plotly", "ui", "app_pages", "lifetimes", "engines", "pyspark"},
    "ui": {"app_pages", "lifetimes", "sqlalchemy"},
    "app_pages": {"data", "sqlalchemy", "plotly", "lifetimes", "sklearn", "scipy", "pyarrow"},
    # the Spark engine reads through data/ and computes with analytics/ (DESIGN.md)
    "engines": {"streamlit", "plotly", "ui", "app_pages", "lifetimes", "sqlalchemy"},
}
#: (folder, file) -> modules that one file may import although its folder may not
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("analytics", "__main__.py"): {"data", "engines"},  # the command line reads sources and
    # runs the Spark engine (DESIGN.md)
    ("analytics", "clv.py"): {"lifetimes"},  # the one lifetimes adapter
    ("app_pages", "lookup.py"): {"data"},  # data.schema.PII_COLUMNS: which columns to mask
    ("app_pages", "data.py"): {"data"},  # the Data page shows the contract and reads files
}
#: the modules a page may reach through ``data`` (definitions, never database access)
PAGE_DATA_MODULES = {"data.schema", "data.load"}


def imported_modules(path: Path, full: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name if full else a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module if full else node.module.split(".")[0])
    return names


def violations(root: Path) -> list[str]:
    """Every import that breaks a rule, as ``folder/file: module``."""
    found = []
    for folder, forbidden in FORBIDDEN.items():
        for path in sorted((root / folder).glob("*.py")):
            allowed = ALLOWED.get((folder, path.name), set())
            for module in sorted((forbidden - allowed) & imported_modules(path)):
                found.append(f"{folder}/{path.name}: {module}")
            if folder == "app_pages":
                reached = {m for m in imported_modules(path, full=True) if m.startswith("data.")}
                for module in sorted(reached - PAGE_DATA_MODULES):
                    found.append(f"{folder}/{path.name}: {module}")
    app = root / "dashboard.py"
    if app.exists():
        for module in sorted(FORBIDDEN["app_pages"] & imported_modules(app)):
            found.append(f"dashboard.py: {module}")
    return found


def test_every_folder_the_rules_name_exists():
    for folder in FORBIDDEN:
        assert list((ROOT / folder).glob("*.py")), f"{folder}/ has no Python files to check"


def test_imports_point_one_way():
    assert violations(ROOT) == []


@pytest.mark.parametrize(
    ("folder", "planted", "expected"),
    [
        ("app_pages", "import sqlalchemy\n", "app_pages/planted.py: sqlalchemy"),
        ("app_pages", "from data.database import read_table\n", "app_pages/planted.py: data"),
        ("app_pages", "from plotly import graph_objects\n", "app_pages/planted.py: plotly"),
        ("analytics", "import streamlit as st\n", "analytics/planted.py: streamlit"),
        ("analytics", "from lifetimes import BetaGeoFitter\n", "analytics/planted.py: lifetimes"),
        ("data", "from ui.i18n import t\n", "data/planted.py: ui"),
        ("ui", "import lifetimes\n", "ui/planted.py: lifetimes"),
    ],
)
def test_a_planted_import_is_caught(tmp_path, folder, planted, expected):
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / folder / "planted.py").write_text(planted, encoding="utf-8")
    assert expected in violations(tmp_path)


def test_a_page_reaching_the_database_through_data_is_caught(tmp_path):
    for name in FORBIDDEN:
        (tmp_path / name).mkdir()
    (tmp_path / "app_pages" / "data.py").write_text(
        "from data.schema import TABLES\nfrom data.database import read_table\n", encoding="utf-8"
    )
    assert violations(tmp_path) == ["app_pages/data.py: data.database"]
