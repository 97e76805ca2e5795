"""Shared fixtures: where the repository's test data are."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
R_SURVEY = ROOT / "crates" / "survey" / "tests" / "data" / "r-survey"
PROJECT = ROOT / "tests" / "data" / "project"


@pytest.fixture
def api_strat():
    import polars as pl

    return pl.read_csv(R_SURVEY / "apistrat.csv", infer_schema_length=None)
