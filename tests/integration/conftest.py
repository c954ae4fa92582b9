"""Cross-feature tests reuse the imports' inline runner."""
from tests.imports.conftest import run_import  # noqa: F401
