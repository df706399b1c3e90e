import ast
from pathlib import Path

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSuite(TransactionCase):
    """Odoo's test runner only runs the test modules the tests package imports."""

    def test_every_test_module_is_imported(self):
        folder = Path(__file__).parent
        package = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
        imported = {
            alias.name
            for node in ast.walk(package)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and not node.module
            for alias in node.names
        }
        modules = {path.stem for path in folder.glob("test_*.py")}
        self.assertFalse(
            modules - imported, "test modules that tests/__init__.py does not import"
        )
