"""The README's Python example runs as written (on the repository's copies of its files)."""

import re

from conftest import PROJECT, R_SURVEY, ROOT


def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = (
        code.replace('"apistrat.csv"', repr(str(R_SURVEY / "apistrat.csv")))
        .replace('"project.toml"', repr(str(PROJECT / "project.toml")))
    )
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert (tmp_path / "out" / "indicators.csv").is_file()
    assert scope["run"].indicators.height > 0
