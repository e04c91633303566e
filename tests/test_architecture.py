"""The layout keeps its promises: the domain knows no HTTP, views do not commit, and the
patterns have one home each (README: Layout and the patterns)."""

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
DOMAIN = ("orders", "catalog", "customers", "documents", "mail", "events", "escalations", "reports", "retention", "attachments",
          "dataio")
WEB_ONLY = {"request", "current_user", "url_for", "session", "g"}
VIEW_MODULES = ("routes.py", "changes.py", "confirmations.py", "entry.py", "customers.py", "email.py")


def _modules(package):
    return sorted((APP / package).rglob("*.py"))


def _imported_names(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            yield from (alias.name for alias in node.names)


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_nothing_of_the_request(package):
    offenders = {str(p.relative_to(APP)): sorted(set(_imported_names(p)) & WEB_ONLY)
                 for p in _modules(package) if p.name not in VIEW_MODULES}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_import_hides_inside_a_domain_function():
    """Cross-capability effects go through signals and registered handlers, not late imports."""
    late = []
    for package in DOMAIN:
        for path in _modules(package):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    late += [f"{path.relative_to(APP)}:{n.lineno}" for n in ast.walk(node)
                             if isinstance(n, ast.Import | ast.ImportFrom)]
    assert late == []


def test_every_module_that_defines_views_leaves_committing_to_the_request():
    views = [p for p in APP.rglob("*.py") if "@bp." in p.read_text() or ".route(" in p.read_text()]
    assert len(views) > 10
    assert [str(p.relative_to(APP)) for p in views if "commit()" in p.read_text()] == []
