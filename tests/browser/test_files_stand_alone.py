"""Each browser test file stands alone: what several share (paper sizes, layout checks, fixtures) lives in
layout_checks.py or conftest.py, so renaming or deleting one test file never breaks another."""
import re
from pathlib import Path

HERE = Path(__file__).parent
FROM_A_TEST_FILE = re.compile(r"^\s*(?:from|import)\s+tests\.browser\.test_\w+", re.M)


def test_no_browser_test_imports_another_test_file():
    found = [f"{path.name}: {m.group(0).strip()}" for path in sorted(HERE.glob("*.py"))
             for m in FROM_A_TEST_FILE.finditer(path.read_text())]
    assert found == []
