"""A project file run from Python equals R's survey on the two-round test project, and
writes the same files as `hri run`."""

import csv

import polars as pl

import hri

from conftest import PROJECT


def test_two_round_project_equals_r(tmp_path):
    run = hri.run(PROJECT / "project.toml")
    assert run.periods == ["2015", "2020"]
    table = run.indicators
    assert set(table["time_period"].unique()) == {"2015", "2020"}
    compared = 0
    with open(PROJECT / "r_reference.csv", newline="") as f:
        for want in csv.DictReader(f):
            row = table.filter(
                (pl.col("time_period") == want["period"])
                & (pl.col("indicator_id") == want["indicator"])
                & (pl.col("disaggregation") == want["dimension"])
                & (pl.col("group") == want["group"])
            )
            assert row.height == 1, want
            for c in ["estimate", "se"]:
                ours, r = row[c][0], float(want[c])
                assert abs(ours - r) <= 1e-9 * max(abs(r), 1.0), (want, c, ours)
            compared += 1
    assert compared >= 48
    summaries = run.summaries
    assert set(summaries["level"].unique()) <= {"attribute", "right", "overall"}
    # Roll-ups per kind within attributes and rights; no composite unless the catalogue asks.
    assert {"attribute", "right"} <= set(summaries["level"])
    assert "overall" not in set(summaries["level"])
    assert set(summaries["kind"].drop_nulls()) <= {"structural", "process", "outcome"}
    assert set(summaries["time_period"].unique()) == {"2015", "2020"}
    assert run.derivations.height > 0
    out = run.write(tmp_path / "out")
    for name in ["indicators.csv", "indicators.parquet", "indicators.json",
                 "indicators.sdmx.csv", "report.html", "derivations.csv"]:
        assert (tmp_path / "out" / name).is_file(), name
    written = pl.read_csv(tmp_path / "out" / "indicators.csv", infer_schema_length=None)
    assert written.height == table.height
    assert str(out).endswith("out")


def test_catalogue_load_and_validate():
    builtin = hri.Catalogue.load("builtin")
    assert builtin.issues() == []
    builtin.validate()
    assert len(builtin) == len(builtin.indicator_ids()) > 0
    own = hri.Catalogue.load(PROJECT / "catalogue.toml")
    own.validate()
    assert "employment_rate" in own.indicator_ids()
    assert "Catalogue(" in repr(own)
