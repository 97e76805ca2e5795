"""svy's side of the peer comparison (benches/peers/run.py, issue 8).

The standing pilot table (BENCHMARKS.md) on the SYNTHETIC workload, end to end from the
Parquet file (lazy scan of the 16 columns used), with Python ``svy``::

    python3 benches/peers/svy_table.py DATA.parquet OUT.csv

Install: ``pip install svy polars``.

The table: six indicators (insured; attends school within ages 6-17; unemployed within the
labour force; informal within the employed; mean income; mean hours) by born_abroad, sex,
age_group, disability, born_abroad x each of sex, age_group, disability, plus overall.
Each estimate is ``Sample.estimation.mean(var, by=..., where=universe, drop_nulls=True)``:
the mean of the 0/1 variable is the share (svy's ``prop`` would also estimate the share of
zeros and a logit interval, more work for the same number), a missing value puts the row
out of the domain (R's ``na.rm = TRUE``), the universe is svy's ``where`` domain. Keep in
step with benches/peers/pilot_table.rs and benches/peers/survey.R.

Prints one line ``TIMING total=<s> read=<s> estimate=<s> write=<s> rows=<n>``; total runs
from opening the file to the table written (interpreter start-up, imports and svy's
one-time initialisation, triggered by a tiny warm-up estimate, excluded).
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
    [], ["born_abroad"], ["sex"], ["age_group"], ["disability"],
    ["born_abroad", "sex"], ["born_abroad", "age_group"], ["born_abroad", "disability"],
]


def indicators(svy):
    """The six indicators: (id, variable, universe as an svy expression or None)."""
    col = svy.col
    return [
        ("insured", "insured", None),
        ("attends_school", "attends_school", (col("age") >= 6) & (col("age") <= 17)),
        ("unemployed", "unemployed", col("in_labour_force") == 1),
        ("informal", "informal", col("employed") == 1),
        ("income", "income", None),
        ("hours", "hours", None),
    ]


def warm_up(svy, pl) -> None:
    """One tiny estimate before the clock starts: svy initialises lazily on its first
    call (about 0.15 s), which belongs with the imports, not with the table."""
    d = pl.DataFrame({
        "stratum": [1, 1, 2, 2], "psu": [1, 2, 3, 4], "weight": [1.0, 2.0, 1.0, 2.0],
        "y": [0.0, 1.0, 1.0, None], "g": [0, 1, 0, 1],
    })
    s = svy.Sample(d, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
    s.estimation.mean("y", by="g", where=svy.col("g") >= 0, drop_nulls=True).to_polars()


def fmt(x) -> str:
    """Shortest round-trip form of a float; empty for a missing value."""
    if x is None:
        return ""
    return repr(float(x))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python3 svy_table.py DATA.parquet OUT.csv", file=sys.stderr)
        return 2
    data_file, out_file = argv[1], argv[2]
    try:
        import polars as pl
        import svy
    except ImportError as e:
        print(f"svy_table.py: {e} (pip install svy polars)", file=sys.stderr)
        return 3

    try:
        warm_up(svy, pl)
    except Exception as e:  # noqa: BLE001 - report svy's error readably
        print(f"svy_table.py: svy does not work: {e}", file=sys.stderr)
        return 1

    t0 = time.perf_counter()
    try:
        if data_file.endswith(".csv"):
            lazy = pl.scan_csv(data_file, infer_schema_length=10000)
        else:
            lazy = pl.scan_parquet(data_file)
        data = lazy.select(COLUMNS).collect()
    except Exception as e:  # noqa: BLE001 - any reader error is reported the same way
        print(f"svy_table.py: cannot read {data_file}: {e}", file=sys.stderr)
        return 1
    sample = svy.Sample(data, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
    t1 = time.perf_counter()

    lines = ["indicator,disaggregation,group,estimate,se,n"]
    try:
        for ind_id, var, universe in indicators(svy):
            for by in DISAGGREGATIONS:
                est = sample.estimation.mean(
                    var, by=(by or None), where=universe, drop_nulls=True
                ).to_polars()
                for row in est.iter_rows(named=True):
                    if by:
                        dis = "|".join(by)
                        group = "|".join(str(row[b]) for b in by)
                    else:
                        dis, group = "overall", "all"
                    n = row.get("n")
                    lines.append(
                        f"{ind_id},{dis},{group},{fmt(row['est'])},{fmt(row['se'])},"
                        f"{'' if n is None else n}"
                    )
    except Exception as e:  # noqa: BLE001 - report svy's error readably
        print(f"svy_table.py: estimation failed: {e}", file=sys.stderr)
        return 1
    t2 = time.perf_counter()
    try:
        with open(out_file, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    except OSError as e:
        print(f"svy_table.py: cannot write {out_file}: {e}", file=sys.stderr)
        return 1
    t3 = time.perf_counter()
    print(
        f"TIMING total={t3 - t0:.6f} read={t1 - t0:.6f} estimate={t2 - t1:.6f} "
        f"write={t3 - t2:.6f} rows={data.height}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
