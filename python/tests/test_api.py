"""The API's contract: argument forms, LazyFrame input, table layout, one pass for several
disaggregations, and the equality of every route to the same numbers."""

import doctest

import polars as pl
import pytest

import hri

NUMBERS = ["estimate", "se", "ci_low", "ci_high", "df", "cv", "n", "pop", "deff"]


def strat_design():
    return hri.Design("pw", strata="stype", fpc="fpc")


def test_columns_of_an_estimate_table(api_strat):
    t = hri.estimate(api_strat, strat_design(), "mean", var="api00", by=[["stype"]])
    assert t.columns == [
        "variable", "stype", *NUMBERS, "excluded_universe", "excluded_missing",
    ]
    # Domains sorted by label, then the whole population (its by-column null).
    assert t["stype"].to_list() == ["E", "H", "M", None]
    assert t["n"].to_list() == [100, 50, 50, 200]


def test_quantiles_have_a_prob_column(api_strat):
    t = hri.estimate(api_strat, strat_design(), "quantile", var="api00", probs=[0.25, 0.5])
    assert "prob" in t.columns
    assert t["prob"].to_list() == [0.25, 0.5]


def test_several_disaggregations_in_one_call_equal_separate_calls(api_strat):
    design = strat_design()
    both = hri.estimate(
        api_strat, design, "mean", var="api00", by=[["stype"], ["sch_wide"]], overall=False
    )
    one = hri.estimate(api_strat, design, "mean", var="api00", by=[["stype"]], overall=False)
    two = hri.estimate(api_strat, design, "mean", var="api00", by=[["sch_wide"]], overall=False)
    assert both.height == one.height + two.height
    # Equal up to the order of floating-point sums (domains roll up from shared cells).
    for part, alone in [("stype", one), ("sch_wide", two)]:
        rows = both.filter(pl.col(part).is_not_null())
        assert rows[part].to_list() == alone[part].to_list()
        for c in ["estimate", "se", "df"]:
            for a, b in zip(rows[c], alone[c]):
                assert abs(a - b) <= 1e-12 * abs(b), (part, c, a, b)


def test_by_forms(api_strat):
    design = strat_design()
    crossed = hri.estimate(api_strat, design, "mean", var="api00", by=["stype", "sch_wide"])
    nested = hri.estimate(api_strat, design, "mean", var="api00", by=[["stype", "sch_wide"]])
    assert crossed.equals(nested)
    single = hri.estimate(api_strat, design, "mean", var="api00", by="stype")
    assert single.equals(hri.estimate(api_strat, design, "mean", var="api00", by=[["stype"]]))


def test_lazyframe_input_equals_dataframe_input(api_strat):
    design = strat_design()
    eager = hri.estimate(api_strat, design, "ratio", var="api00", denominator="api99", by="stype")
    lazy = hri.estimate(
        api_strat.lazy(), design, "ratio", var="api00", denominator="api99", by="stype"
    )
    assert eager.equals(lazy)


def test_categorical_groups_equal_string_groups(api_strat):
    design = strat_design()
    text = hri.estimate(api_strat, design, "proportion", condition="sch_wide = 'Yes'", by="stype")
    cat = api_strat.with_columns(pl.col("stype").cast(pl.Categorical))
    assert text.equals(hri.estimate(cat, design, "proportion", condition="sch_wide = 'Yes'", by="stype"))


def test_universe_rows_are_counted(api_strat):
    t = hri.estimate(api_strat, strat_design(), "mean", var="api00", where="stype = 'E'")
    assert t["n"].to_list() == [100]
    assert t["excluded_universe"].to_list() == [100]
    assert t["excluded_missing"].to_list() == [0]


def test_several_variables_give_one_measure_each(api_strat):
    t = hri.estimate(api_strat, strat_design(), "total", var=["api00", "api99"])
    assert t["variable"].to_list() == ["api00", "api99"]


def test_weight_scaling_leaves_means_and_ses(api_strat):
    design = strat_design()
    base = hri.estimate(api_strat, design, "mean", var="api00", by="stype")
    scaled = api_strat.with_columns(pl.col("pw") * 3.0)
    other = hri.estimate(scaled, design, "mean", var="api00", by="stype")
    for c in ["estimate", "se"]:
        for a, b in zip(base[c], other[c]):
            assert abs(a - b) <= 1e-12 * abs(a)


def test_gap_table(api_strat):
    g = hri.gap(api_strat, strat_design(), "mean", var="api00", by=["stype"], group="H",
                reference="E")
    assert g.columns[:3] == ["variable", "stype", "reference"]
    row = g.row(0, named=True)
    assert row["stype"] == "H" and row["reference"] == "E"
    assert abs(row["estimate"] - (row["group_estimate"] - row["reference_estimate"])) < 1e-9
    assert 0.0 <= row["p_value"] <= 1.0


def test_design_from_a_design_file(tmp_path, api_strat):
    path = tmp_path / "design.toml"
    path.write_text('weight = "pw"\nstrata = "stype"\nfpc = ["fpc"]\n')
    from_file = hri.Design.from_toml(path)
    assert from_file.weight == "pw" and from_file.strata == "stype"
    a = hri.estimate(api_strat, from_file, "mean", var="api00")
    b = hri.estimate(api_strat, strat_design(), "mean", var="api00")
    assert a.equals(b)


def test_design_repr_and_columns():
    d = hri.Design("pw", strata=["stype"], psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    assert repr(d) == 'Design(weight="pw", strata="stype", psu=["dnum", "snum"], fpc=["fpc1", "fpc2"])'
    assert set(d.columns()) == {"pw", "stype", "dnum", "snum", "fpc1", "fpc2"}


def test_package_docstring_example_runs():
    failures, tried = doctest.testmod(hri, verbose=False)
    assert tried >= 3
    assert failures == 0


def test_group_columns_keep_their_type(api_strat):
    design = strat_design()
    t = hri.estimate(api_strat, design, "mean", var="api00", by="cnum", overall=False)
    assert t.schema["cnum"] == api_strat.schema["cnum"]
    assert t["cnum"].to_list() == sorted(api_strat["cnum"].unique().to_list())
    g = hri.gap(api_strat.with_columns((pl.col("yr_rnd") == "Yes").cast(pl.Int32).alias("yr")),
                design, var="api00", by=["yr"], group="1", reference="0")
    assert g.schema["yr"] == pl.Int32 and g.schema["reference"] == pl.Int32
    assert g.row(0, named=True)["yr"] == 1 and g.row(0, named=True)["reference"] == 0
