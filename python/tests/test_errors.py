"""Errors are exceptions of the hri.HriError hierarchy whose message names the place."""

import polars as pl
import pytest

import hri


def design():
    return hri.Design("pw", strata="stype", fpc="fpc")


def test_hierarchy():
    for e in [hri.DesignError, hri.DataError, hri.ConditionError, hri.RequestError,
              hri.CatalogueError, hri.ProjectError, hri.WriteError]:
        assert issubclass(e, hri.HriError)
    assert issubclass(hri.ColumnError, hri.DataError)
    assert issubclass(hri.HriError, Exception)


def test_unknown_column(api_strat):
    with pytest.raises(hri.ColumnError, match="unknown column `nope`"):
        hri.estimate(api_strat, design(), "mean", var="nope")
    with pytest.raises(hri.ColumnError, match="unknown column `region`"):
        hri.estimate(api_strat, design(), "mean", var="api00", by="region")
    with pytest.raises(hri.ColumnError, match="unknown column `wt`"):
        hri.estimate(api_strat, hri.Design("wt"), "mean", var="api00")


def test_column_named_in_a_condition_must_exist(api_strat):
    with pytest.raises(hri.ColumnError, match="`ghost`"):
        hri.estimate(api_strat, design(), "mean", var="api00", where="ghost = 1")


def test_condition_that_does_not_parse(api_strat):
    with pytest.raises(hri.ConditionError, match=r"SQL condition `api00 >>> 1` \(proportion condition\)"):
        hri.estimate(api_strat, design(), "proportion", condition="api00 >>> 1")


def test_negative_and_missing_weights(api_strat):
    bad = api_strat.with_columns(
        pl.when(pl.int_range(pl.len()) == 4).then(-1.0).otherwise(pl.col("pw")).alias("pw")
    )
    with pytest.raises(hri.DataError, match="invalid weight in column `pw` at row 4"):
        hri.estimate(bad, design(), "mean", var="api00")
    nan = api_strat.with_columns(
        pl.when(pl.int_range(pl.len()) == 7).then(float("nan")).otherwise(pl.col("pw")).alias("pw")
    )
    with pytest.raises(hri.DataError, match="row 7"):
        hri.estimate(nan, design(), "mean", var="api00")


def test_lonely_psu_under_fail(api_strat):
    one_psu = api_strat.with_columns(pl.lit(1).alias("one"))
    with pytest.raises(hri.DesignError, match="only one PSU"):
        hri.estimate(one_psu, hri.Design("pw", strata="stype", psu="one", nest=True), "mean",
                     var="api00")


def test_text_where_numbers_are_needed(api_strat):
    with pytest.raises(hri.ColumnError, match="must be numeric"):
        hri.estimate(api_strat, design(), "mean", var="stype")


def test_bad_requests(api_strat):
    with pytest.raises(hri.RequestError, match="unknown statistic `median`"):
        hri.estimate(api_strat, design(), "median", var="api00")
    with pytest.raises(hri.RequestError, match="needs a denominator"):
        hri.estimate(api_strat, design(), "ratio", var="api00")
    with pytest.raises(hri.RequestError, match="unknown interval method `exact`"):
        hri.estimate(api_strat, design(), "mean", var="api00", ci="exact")
    with pytest.raises(hri.RequestError, match="group `X` not found"):
        hri.gap(api_strat, design(), var="api00", by=["stype"], group="X", reference="E")


def test_bad_designs():
    with pytest.raises(hri.DesignError, match="unknown variant `drop`, expected one of `fail`"):
        hri.Design("pw", lonely_psu="drop")
    with pytest.raises(hri.DesignError, match="unknown field `bogus`"):
        hri.Design("pw", replicate={"type": "jk1", "prefix": "r", "bogus": 1})
    with pytest.raises(hri.DesignError, match="unknown replicate type `jk3`"):
        hri.Design("pw", replicate={"type": "jk3", "prefix": "r"})
    with pytest.raises(hri.DesignError, match="calibration"):
        hri.Design("pw", calibration={"method": "raking", "margins": [{"column": "a"}]})


def test_not_a_frame():
    with pytest.raises(TypeError, match="polars DataFrame or LazyFrame"):
        hri.estimate({"pw": [1.0]}, design(), "mean", var="pw")


def test_catalogue_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("rights = 3\n")
    with pytest.raises(hri.CatalogueError):
        hri.Catalogue.load(bad)
    with pytest.raises(hri.CatalogueError):
        hri.Catalogue.load(tmp_path / "missing.toml")


def test_project_errors(tmp_path):
    with pytest.raises(hri.ProjectError):
        hri.run(tmp_path / "missing.toml")
    bad = tmp_path / "project.toml"
    bad.write_text('catalogue = "builtin"\nout = "out"\nunknown_key = 1\n')
    with pytest.raises(hri.ProjectError, match="unknown_key"):
        hri.run(bad)
