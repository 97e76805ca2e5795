"""R's `survey` reference cases through the Python API, to 1e-9 relative.

The cases are those the Rust engine is checked against (crates/survey/tests/data/r-survey:
the shared cases, the domain rules of lonely PSUs and missing values, calibration), each
read with polars and run through `hri.Design`, `hri.estimate` and `hri.gap` exactly as a
user would write them.
"""

import json
import math

import polars as pl
import pytest

import hri

from conftest import R_SURVEY

FOLDERS = [R_SURVEY, R_SURVEY / "domain-rules", R_SURVEY / "calibration"]


def cases():
    out = []
    for folder in FOLDERS:
        for case in json.loads((folder / "cases.json").read_text())["cases"]:
            out.append(pytest.param(folder, case, id=f"{folder.name}/{case['id']}"))
    return out


def design_of(case):
    d = case["design"]
    replicate = d.get("replicate")
    if replicate is not None:
        replicate = {
            "type": replicate["type"],
            "prefix": replicate["weights_prefix"],
            "scale": replicate["scale"],
            "rscales": replicate["rscales"],
            "mse": replicate["mse"],
            **({"fay_rho": replicate["fay_rho"]} if "fay_rho" in replicate else {}),
        }
    calibration = d.get("calibration")
    if calibration is not None:
        calibration = dict(calibration)
        # The iterative cases were run in R with epsilon = 1e-12 (see make_cases.R).
        calibration["epsilon"] = min(calibration["epsilon"], 1e-12)
    return hri.Design(
        d["weight"],
        strata=(d["strata"] or [None])[0],
        psu=d["psu"],
        fpc=d["fpc"],
        nest=d["nest"],
        lonely_psu=d["lonely_psu"],
        replicate=replicate,
        calibration=calibration,
    )


def close(actual, expected, what):
    if expected is None:
        assert actual is None or math.isnan(actual), f"{what}: expected missing, got {actual}"
        return
    assert actual is not None, f"{what}: expected {expected}, got nothing"
    if expected == 0:
        assert abs(actual) <= 1e-12, f"{what}: expected 0, got {actual}"
    else:
        assert abs((actual - expected) / expected) <= 1e-9, (
            f"{what}: expected {expected!r}, got {actual!r}"
        )


@pytest.mark.parametrize("folder,case", cases())
def test_case_equals_r(folder, case):
    data = pl.read_csv(folder / case["data"], infer_schema_length=None)
    design = design_of(case)
    if case["stat"] == "difference":
        table = hri.gap(
            data,
            design,
            "mean",
            var=case["var"],
            by=case["by"],
            group=case["group_a"],
            reference=case["group_b"],
        )
        assert table.height == 1
        want = case["rows"][0]
        close(table["estimate"][0], want["estimate"], "estimate")
        close(table["se"][0], want["se"], "se")
        return
    ci = case["ci"]
    table = hri.estimate(
        data,
        design,
        case["stat"],
        var=case.get("var"),
        denominator=case.get("denominator"),
        condition=case.get("condition"),
        where=case.get("where"),
        by=[case["by"]] if case["by"] else None,
        overall=not case["by"],
        probs=case.get("probs"),
        ci=ci["method"],
        level=ci["level"],
        df_method=ci["df"],
    )
    rows = case["rows"]
    assert table.height == len(rows), case["id"]
    for got, want in zip(table.iter_rows(named=True), rows):
        for column, value in want["by"].items():
            assert str(got[column]) == str(value), f"{case['id']}: domain order"
        if "prob" in want:
            assert got["prob"] == want["prob"]
        checks = ["estimate", "se", "ci_low", "ci_high", "df"]
        if "deff" in want:
            checks.append("deff")
        for what in checks:
            close(got[what], want[what], f"{case['id']} {want['by']} {what}")


def test_every_folder_has_cases():
    counts = {f.name: len(json.loads((f / "cases.json").read_text())["cases"]) for f in FOLDERS}
    assert counts == {"r-survey": 40, "domain-rules": 18, "calibration": 76}
