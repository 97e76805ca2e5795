#!/usr/bin/env python3
"""Builds the streamed-project benchmark of BENCHMARKS.md (issue 23, `hri run --stream`).

Usage: python3 make.py WORK OUT [COPIES]

WORK holds the Tunisia pilot's round files (`hri pilot tunisia --size 60000 --work WORK`
writes them first; the pilot run itself can be stopped once they are there). OUT gets
hims_big.parquet (the 2015 round stacked COPIES times, 4 by default, PSU and household
ids offset so that every copy has its own, sorted by governorate as survey files are),
the catalogue without its median (quantiles are not streamed), the register and
project.toml (the pilot's project file with that one round). Then:

    /usr/bin/time -v hri run OUT/project.toml --stream never
    /usr/bin/time -v hri run OUT/project.toml --stream always --batch-rows 50000
"""
import pathlib
import re
import shutil
import sys

import polars as pl

work, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
copies = int(sys.argv[3]) if len(sys.argv) > 3 else 4
out.mkdir(parents=True, exist_ok=True)
df = pl.read_csv(work / "hims_2015.csv", infer_schema_length=None)
parts = [
    df.with_columns(
        (pl.col("psu") + k * 1_000_000_000).alias("psu"),
        (pl.col("hh_id") + k * 10_000_000_000).alias("hh_id"),
    )
    for k in range(copies)
]
big = pl.concat(parts).sort("governorate", maintain_order=True)
big.write_parquet(out / "hims_big.parquet")
text = (work / "catalogue.toml").read_text()
start = text.index('[[indicators]]\nid = "median_monthly_earnings"')
end = start + 1 + text[start + 1 :].index("\n[[")
(out / "catalogue_no_quantile.toml").write_text(text[:start] + text[end:])
shutil.copy(work / "register.toml", out / "register.toml")
repo = pathlib.Path(__file__).resolve().parents[2]
pilot = (repo / "examples/projects/tunisia/project.toml").read_text()
derive = pilot[pilot.index("[[derive.recode]]") :]
(out / "project.toml").write_text(
    f"""# Benchmark project (BENCHMARKS.md, issue 23): the Tunisia pilot's 2015 round stacked
# {copies} times, sorted by governorate, as Parquet; the catalogue without its median.
catalogue = "catalogue_no_quantile.toml"
register = "register.toml"
out = "out"
ref_area = "TUN"
reference = "native_born_citizen"
synthetic = true

[design]
weight = "weight"
strata = "governorate"
psu = ["psu"]

[[rounds]]
period = "2015"
data = "hims_big.parquet"

{derive}"""
)
print(f"{out / 'hims_big.parquet'}: {big.height} rows, {big['psu'].n_unique()} PSUs")
