"""hri's Python package on the peer comparison's table (benches/peers/run.py, issue 25).

The standing pilot table (BENCHMARKS.md) on the SYNTHETIC workload, end to end from the
Parquet file (the 16 columns used), through the Python API as a Python user would write it::

    python3 benches/peers/hri_py_table.py DATA.parquet OUT.csv

Install: ``pip install ./python`` (a release build; see the README's "Use from Python").

The table: six indicators (insured; attends school within ages 6-17; unemployed within the
labour force; informal within the employed; mean income; mean hours) by born_abroad, sex,
age_group, disability, born_abroad x each of sex, age_group, disability, plus overall. One
``hri.estimate`` call per universe (each a pass over the rows for all eight
disaggregations): the four shares as proportions of ``x = 1`` and the two means together.
Keep in step with benches/peers/pilot_table.rs, survey.R and svy_table.py.

Prints one line ``TIMING total=<s> read=<s> estimate=<s> write=<s> rows=<n>``; total runs
from opening the file to the table written (interpreter start-up and imports excluded).
Writes ``indicator,disaggregation,group,estimate,se,n``.
"""

from __future__ import annotations

import sys
import time

COLUMNS = [
    "stratum", "psu", "weight", "sex", "age", "age_group", "born_abroad", "disability",
    "in_labour_force", "unemployed", "employed", "informal", "insured", "attends_school",
    "income", "hours",
]

DISAGGREGATIONS = [
    ["born_abroad"], ["sex"], ["age_group"], ["disability"],
    ["born_abroad", "sex"], ["born_abroad", "age_group"], ["born_abroad", "disability"],
]

# (indicator ids, statistic, analysis columns or condition, universe), in output order.
CALLS = [
    (["insured"], "proportion", "insured = 1", None),
    (["attends_school"], "proportion", "attends_school = 1", "age >= 6 AND age <= 17"),
    (["unemployed"], "proportion", "unemployed = 1", "in_labour_force = 1"),
    (["informal"], "proportion", "informal = 1", "employed = 1"),
    (["income", "hours"], "mean", ["income", "hours"], None),
]


def fmt(x) -> str:
    """Shortest round-trip form of a float; empty for a missing value."""
    return "" if x is None else repr(float(x))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python3 hri_py_table.py DATA.parquet OUT.csv", file=sys.stderr)
        return 2
    data_file, out_file = argv[1], argv[2]
    try:
        import polars as pl
        import hri
    except ImportError as e:
        print(f"hri_py_table.py: {e} (pip install ./python)", file=sys.stderr)
        return 3

    t0 = time.perf_counter()
    if data_file.endswith(".csv"):
        data = pl.read_csv(data_file, columns=COLUMNS, infer_schema_length=10000)
    else:
        data = pl.read_parquet(data_file, columns=COLUMNS)
    design = hri.Design("weight", strata="stratum", psu="psu")
    t1 = time.perf_counter()

    lines = ["indicator,disaggregation,group,estimate,se,n"]
    for ids, stat, what, universe in CALLS:
        if stat == "proportion":
            table = hri.estimate(data, design, stat, condition=what, where=universe,
                                 by=DISAGGREGATIONS)
        else:
            table = hri.estimate(data, design, stat, var=what, where=universe,
                                 by=DISAGGREGATIONS)
        rows = list(table.iter_rows(named=True))
        for k, ind_id in enumerate(ids):
            variable = what if stat == "proportion" else what[k]
            mine = [r for r in rows if r["variable"] == variable]
            # Overall first, then the disaggregations in order (the comparison joins on
            # indicator x disaggregation x group, so order is for reading only).
            for row in sorted(mine, key=lambda r: any(r[c] is not None for c in COLUMNS if c in r)):
                used = [c for c in table.columns if c in COLUMNS and row[c] is not None]
                if used:
                    dis, group = "|".join(used), "|".join(str(row[c]) for c in used)
                else:
                    dis, group = "overall", "all"
                lines.append(
                    f"{ind_id},{dis},{group},{fmt(row['estimate'])},{fmt(row['se'])},{row['n']}"
                )
    t2 = time.perf_counter()
    with open(out_file, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    t3 = time.perf_counter()
    print(
        f"TIMING total={t3 - t0:.6f} read={t1 - t0:.6f} estimate={t2 - t1:.6f} "
        f"write={t3 - t2:.6f} rows={data.height}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
