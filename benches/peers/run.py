#!/usr/bin/env python3
"""Side-by-side comparison of hri with R ``survey`` and Python ``svy`` (issue 8).

Generates the standing SYNTHETIC workload once per size (Parquet and CSV, with
``examples/peer_table.rs``), then, in the same run, computes the standing pilot table
(BENCHMARKS.md) with

* hri: ``examples/peer_table.rs`` (release build), from the Parquet file, reading only the
  16 columns used; run ``--repeat`` times (5), the median is reported;
* R survey: ``benches/peers/survey.R`` from the CSV file (if ``Rscript`` and the survey
  package are installed), at the ``--r-sizes`` only (it is slow);
* svy: ``benches/peers/svy_table.py`` from the Parquet file (if ``svy`` and ``polars`` are
  importable), at the ``--svy-sizes``;
* hri from Python: ``benches/peers/hri_py_table.py`` from the Parquet file (if the ``hri``
  package is importable by this Python: run this script from the virtual environment where
  ``pip install ./python`` put it), at the ``--py-sizes``;
* each peer ``--peer-repeat`` times (1; median reported);
* every program's runs after ``--settle`` seconds of rest (3) and ``--warmup`` untimed runs
  (1): after another program's large memory use (R, or Python importing svy and polars)
  the kernel takes a few seconds to settle, and processes started meanwhile run up to 3x
  slower; hri's runs of a hundredth of a second would otherwise all fall in that window;

checks that all give the same estimates and standard errors (relative ``--tol``, joined on
indicator x disaggregation x group), and prints each one's time, the ratios, and hri's
peak memory (``/usr/bin/time -v``). hri alone also runs at ``--hri-only-sizes`` (10M by
default) to show linear scaling and memory.

Usage (from anywhere; the repository is found from this file's location)::

    export CARGO_TARGET_DIR=$HOME/.cache/hri-target   # optional
    python3 benches/peers/run.py                      # 100k: hri, R, svy; 1M: hri, svy; 10M: hri
    python3 benches/peers/run.py --sizes 100000 --hri-only-sizes ""     # quick
    python3 benches/peers/run.py --r-sizes 100000,1000000               # R at 1M too (slow)

Installing the peers::

    apt-get install r-cran-survey r-cran-data.table   # R survey (data.table: fast CSV)
    pip install svy polars                            # Python svy
    apt-get install time                              # /usr/bin/time, for peak memory

Timings: ``total`` is what each program measures itself from opening the data file to the
result table written (interpreter/R start-up and library loading excluded); ``wall`` is the
whole process as seen from here (start-up included). Ratios are peer / hri on ``total``.
The CPU time other processes took during each run is measured (``/proc/stat`` minus the
run's own CPU time); runs during which others used more than a quarter of a core are
flagged as unreliable in the report: rerun on an idle machine.
Results also go to ``<data-dir>/results.md`` and ``results.json``. Exit status: 0 when every
run succeeded and every comparison agreed, 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TIME_BIN = "/usr/bin/time"
#: Cores used by other processes during a run above which its time is flagged.
BUSY_CORES = 0.25


def parse_sizes(text: str) -> list[int]:
    """Comma-separated row counts (``100k``, ``1M`` and ``1e6`` accepted)."""
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        mult = 1
        if part.endswith("k"):
            mult, part = 1_000, part[:-1]
        elif part.endswith("m"):
            mult, part = 1_000_000, part[:-1]
        try:
            out.append(int(float(part) * mult))
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a row count: {part!r}") from None
    return out


def human(n: int) -> str:
    """100000 -> 100k, 1000000 -> 1M."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


class RunError(Exception):
    """A program failed; the message says which and why."""


def run_timed(cmd: list[str], label: str, log_dir: Path) -> dict:
    """Run ``cmd`` under ``/usr/bin/time -v`` (when present); parse its TIMING line.

    Returns ``{"total", "read", "estimate", "write", "rows", "wall", "peak_mb"}``.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    time_file = log_dir / f"{label}.time"
    busy0 = cpu_busy_seconds()
    full = cmd
    if os.path.exists(TIME_BIN):
        full = [TIME_BIN, "-v", "-o", str(time_file), *cmd]
    start = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - start
    busy1 = cpu_busy_seconds()
    (log_dir / f"{label}.stdout").write_text(proc.stdout)
    (log_dir / f"{label}.stderr").write_text(proc.stderr)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise RunError(f"{label}: exit status {proc.returncode}\n{tail}")
    m = re.search(r"^TIMING (.*)$", proc.stdout, re.MULTILINE)
    if not m:
        raise RunError(f"{label}: no TIMING line in its output")
    result: dict = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    result["rows"] = int(result["rows"])
    result["wall"] = wall
    result["peak_mb"] = None
    result["cpu_percent"] = None
    result["others_cores"] = None
    if time_file.exists():
        t = time_file.read_text()
        mm = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
        if mm:
            result["peak_mb"] = int(mm.group(1)) / 1024
        mc = re.search(r"Percent of CPU this job got: (\d+)%", t)
        if mc:
            result["cpu_percent"] = int(mc.group(1))
        mu = re.search(r"User time \(seconds\): ([\d.]+)", t)
        ms = re.search(r"System time \(seconds\): ([\d.]+)", t)
        # /proc/stat counts in clock ticks (10 ms): meaningless for very short runs.
        if mu and ms and busy0 is not None and busy1 is not None and wall >= 0.5:
            ours = float(mu.group(1)) + float(ms.group(1))
            result["others_cores"] = max(0.0, (busy1 - busy0 - ours) / wall)
        mw = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
        if mw:
            h, mi, s = mw.groups()
            result["wall"] = int(h or 0) * 3600 + int(mi) * 60 + float(s)
    return result


def warm_cache(path: Path) -> None:
    """Read a file through, so that it is in the operating system's page cache."""
    try:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass
    except OSError:
        pass


def cpu_busy_seconds() -> float | None:
    """CPU seconds spent busy by the whole machine so far (all cores), from /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()[1:]
        v = [int(x) for x in fields]
        # user nice system idle iowait irq softirq steal ...: busy = all but idle, iowait
        busy = sum(v[:8]) - v[3] - v[4]
        return busy / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def read_table(path: Path) -> dict:
    """The result CSV as {(indicator, disaggregation, group): (estimate, se)}."""
    out = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["indicator"], row["disaggregation"], row["group"])
            def num(s):
                s = (s or "").strip()
                return float(s) if s not in ("", "NA", "NaN", "nan", "None") else math.nan
            out[key] = (num(row["estimate"]), num(row["se"]))
    return out


def rel(a: float, b: float) -> float:
    """Relative difference |a - b| / max(|a|, |b|) (0 when both are 0 or both NaN)."""
    if math.isnan(a) and math.isnan(b):
        return 0.0
    if math.isnan(a) or math.isnan(b):
        return math.inf
    scale = max(abs(a), abs(b))
    return 0.0 if scale == 0 else abs(a - b) / scale


def compare(ref: dict, other: dict, tol: float) -> dict:
    """Join two tables and measure the largest relative differences."""
    keys = sorted(set(ref) | set(other))
    # A domain with no observation (e.g. mean income of children, all missing) is listed
    # with an empty estimate by hri, left out by svy, and given as 0 with se 0 by R's
    # svyby(na.rm = TRUE): all mean "no estimate", not a disagreement.
    def empty(table, k):
        if k not in table:
            return True
        e, s = table[k]
        return math.isnan(e) or (e == 0 and s == 0)
    no_estimate = [k for k in keys if empty(ref, k) and empty(other, k)]
    keys = [k for k in keys if not (empty(ref, k) and empty(other, k))]
    missing = [k for k in keys if k not in ref or k not in other]
    worst = []
    max_est = max_se = 0.0
    for k in keys:
        if k in missing:
            continue
        (e1, s1), (e2, s2) = ref[k], other[k]
        re_, rs = rel(e1, e2), rel(s1, s2)
        max_est, max_se = max(max_est, re_), max(max_se, rs)
        if re_ > tol or rs > tol:
            worst.append((max(re_, rs), k, (e1, s1), (e2, s2)))
    worst.sort(reverse=True)
    return {
        "joined": len(keys) - len(missing),
        "no_estimate": len(no_estimate),
        "missing": missing,
        "max_rel_estimate": max_est,
        "max_rel_se": max_se,
        "disagreements": len(worst),
        "worst": worst[:5],
        "ok": not missing and not worst,
    }


def have_r() -> bool:
    """Whether Rscript with the survey package is installed."""
    if shutil.which("Rscript") is None:
        return False
    p = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages(library(survey))"],
        capture_output=True,
    )
    return p.returncode == 0


def have_hri_py() -> bool:
    """Whether the hri Python package and polars are importable by this Python."""
    p = subprocess.run(
        [sys.executable, "-c", "import hri, polars"], capture_output=True
    )
    return p.returncode == 0


def have_svy() -> bool:
    """Whether svy and polars are importable by this Python."""
    p = subprocess.run(
        [sys.executable, "-c", "import svy, polars"], capture_output=True
    )
    return p.returncode == 0


def fmt_s(x) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(
        description="hri vs R survey vs svy on the pilot table (issue 8)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Installing the peers::")[1] if "Installing" in __doc__ else "",
    )
    ap.add_argument("--sizes", type=parse_sizes, default=[100_000, 1_000_000],
                    help="row counts for the comparison (default 100k,1M)")
    ap.add_argument("--r-sizes", type=parse_sizes, default=[100_000],
                    help="sizes at which R survey runs (default 100k)")
    ap.add_argument("--svy-sizes", type=parse_sizes, default=[100_000, 1_000_000],
                    help="sizes at which svy runs (default 100k,1M)")
    ap.add_argument("--py-sizes", type=parse_sizes, default=[100_000, 1_000_000],
                    help="sizes at which hri's Python package runs (default 100k,1M)")
    ap.add_argument("--hri-only-sizes", type=parse_sizes, default=[10_000_000],
                    help="sizes at which hri runs alone (default 10M)")
    ap.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    ap.add_argument("--repeat", type=int, default=5, help="hri runs per size (median; default 5)")
    ap.add_argument("--peer-repeat", type=int, default=1,
                    help="R and svy runs per size (median; default 1)")
    ap.add_argument("--tol", type=float, default=1e-6, help="relative tolerance (default 1e-6)")
    ap.add_argument("--data-dir", type=Path, default=None,
                    help="where data and tables go (default $CARGO_TARGET_DIR/hri-peers)")
    ap.add_argument("--no-build", action="store_true", help="do not run cargo build")
    ap.add_argument("--hri-bin", type=Path, default=None,
                    help="use this peer_table binary (implies --no-build)")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds of rest before each program's runs (default 3)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed runs of each program before its timed runs, at each size "
                         "(default 1: the first process after another program's large "
                         "memory use runs up to 3x slower while the kernel settles)")
    ap.add_argument("--skip-r", action="store_true", help="do not run R survey")
    ap.add_argument("--skip-svy", action="store_true", help="do not run svy")
    ap.add_argument("--skip-py", action="store_true", help="do not run hri from Python")
    args = ap.parse_args()
    if args.repeat < 1 or args.peer_repeat < 1:
        ap.error("--repeat and --peer-repeat must be at least 1")
    if args.warmup < 0:
        ap.error("--warmup must be at least 0")
    if any(n < 128 for n in args.sizes + args.hri_only_sizes):
        ap.error("every size must be at least 128 rows (64 strata x 2 PSUs)")

    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    data_dir = (args.data_dir or target / "hri-peers").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    hri_bin = args.hri_bin or target / "release" / "examples" / "peer_table"

    if not args.no_build and args.hri_bin is None:
        print("building examples/peer_table (release) ...", flush=True)
        p = subprocess.run(["cargo", "build", "--release", "--example", "peer_table"], cwd=ROOT)
        if p.returncode != 0:
            print("run.py: cargo build failed", file=sys.stderr)
            return 1
    if not hri_bin.exists():
        print(f"run.py: {hri_bin} not found (build it, or drop --no-build)", file=sys.stderr)
        return 1

    r_ok = not args.skip_r and have_r()
    svy_ok = not args.skip_svy and have_svy()
    py_ok = not args.skip_py and have_hri_py()
    print(f"hri from Python: {'yes' if py_ok else 'no (skipped; pip install ./python)'}")
    print(f"peers: R survey {'yes' if r_ok else 'no (skipped)'}, svy {'yes' if svy_ok else 'no (skipped)'}")
    if not os.path.exists(TIME_BIN):
        print(f"note: {TIME_BIN} missing (apt-get install time): no peak memory")

    sizes = list(dict.fromkeys(args.sizes + args.hri_only_sizes))
    files = {}
    for n in sizes:
        stem = data_dir / f"workload_{n}_seed{args.seed}"
        pq, cv = stem.with_suffix(".parquet"), stem.with_suffix(".csv")
        if not (pq.exists() and cv.exists()):
            print(f"generating {human(n)} rows ...", flush=True)
            p = subprocess.run(
                [str(hri_bin), "generate", "--rows", str(n), "--seed", str(args.seed),
                 "--dir", str(data_dir)],
            )
            if p.returncode != 0:
                print(f"run.py: generating {n} rows failed", file=sys.stderr)
                return 1
        files[n] = (pq, cv)
    # Write out pending file data (a fresh build, generated workloads) before timing: the
    # kernel's write-back would otherwise share the cores with the first timed runs.
    os.sync()

    results: dict = {"seed": args.seed, "tol": args.tol, "sizes": {}}
    all_ok = True
    for n in sizes:
        pq, cv = files[n]
        tables = data_dir / "tables"
        tables.mkdir(exist_ok=True)
        entry: dict = {"hri": None, "r": None, "svy": None, "py": None, "agreement": {}}
        # Read the files once so that every program finds them in the page cache (otherwise
        # whoever runs first pays for the disk).
        warm_cache(pq)
        if r_ok and n in args.r_sizes and n in args.sizes:
            warm_cache(cv)
        # hri: repeat, median of total.
        runs = []
        out_hri = tables / f"hri_{n}.csv"
        try:
            time.sleep(args.settle)
            for k in range(args.warmup):
                print(f"[{human(n)}] hri warm-up run {k + 1}/{args.warmup} ...", flush=True)
                run_timed([str(hri_bin), "run", "--data", str(pq), "--out", str(out_hri)],
                          f"hri_{n}_warmup{k + 1}", logs)
            for k in range(args.repeat):
                print(f"[{human(n)}] hri run {k + 1}/{args.repeat} ...", flush=True)
                runs.append(run_timed([str(hri_bin), "run", "--data", str(pq), "--out", str(out_hri)],
                                      f"hri_{n}_{k + 1}", logs))
        except RunError as e:
            print(f"run.py: {e}", file=sys.stderr)
            all_ok = False
            results["sizes"][str(n)] = entry
            continue
        med = sorted(runs, key=lambda r: r["total"])[len(runs) // 2]
        entry["hri"] = dict(med, runs=[r["total"] for r in runs],
                            runs_others_cores=[r["others_cores"] for r in runs],
                            peak_mb=max((r["peak_mb"] or 0) for r in runs) or None)
        ref = read_table(out_hri)
        entry["hri"]["table_rows"] = len(ref)
        peers = []
        if r_ok and n in args.r_sizes and n in args.sizes:
            peers.append(("r", ["Rscript", str(HERE / "survey.R"), str(cv)], "R survey"))
        if svy_ok and n in args.svy_sizes and n in args.sizes:
            peers.append(("svy", [sys.executable, str(HERE / "svy_table.py"), str(pq)], "svy"))
        if py_ok and n in args.py_sizes and n in args.sizes:
            peers.append(("py", [sys.executable, str(HERE / "hri_py_table.py"), str(pq)],
                          "hri (Python)"))
        for key, cmd, name in peers:
            out = tables / f"{key}_{n}.csv"
            try:
                peer_runs = []
                time.sleep(args.settle)
                for k in range(args.warmup):
                    print(f"[{human(n)}] {name} warm-up run {k + 1}/{args.warmup} ...", flush=True)
                    run_timed([*cmd, str(out)], f"{key}_{n}_warmup{k + 1}", logs)
                for k in range(args.peer_repeat):
                    print(f"[{human(n)}] {name} run {k + 1}/{args.peer_repeat} ...", flush=True)
                    peer_runs.append(run_timed([*cmd, str(out)], f"{key}_{n}_{k + 1}", logs))
            except RunError as e:
                print(f"run.py: {e}", file=sys.stderr)
                all_ok = False
                continue
            pmed = sorted(peer_runs, key=lambda r: r["total"])[len(peer_runs) // 2]
            entry[key] = dict(pmed, runs=[r["total"] for r in peer_runs],
                              runs_others_cores=[r["others_cores"] for r in peer_runs])
            cmp = compare(ref, read_table(out), args.tol)
            entry["agreement"][key] = {k: v for k, v in cmp.items() if k != "worst"}
            entry["agreement"][key]["worst"] = [
                {"key": list(w[1]), "hri": list(w[2]), key: list(w[3]), "rel": w[0]} for w in cmp["worst"]
            ]
            if not cmp["ok"]:
                all_ok = False
        results["sizes"][str(n)] = entry

    # Report.
    lines = []
    lines.append(f"Pilot table (6 indicators x 27 domains = 162 estimates), workload seed {args.seed}; "
                 f"times in seconds, from opening the file to the table written (process wall "
                 f"time incl. start-up in brackets); medians of {args.repeat} hri runs and "
                 f"{args.peer_repeat} run(s) of each peer, after {args.settle:g} s of rest and "
                 f"{args.warmup} untimed warm-up run(s) of each program.")
    lines.append("")
    lines.append("| rows | hri | R survey | svy | hri (Python) | R / hri | svy / hri | "
                 "svy / hri (Python) | hri peak memory |")
    lines.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        e = results["sizes"][str(n)]
        h = e["hri"]
        def cell(x):
            return "—" if not x else f"{fmt_s(x['total'])} ({fmt_s(x['wall'])})"
        def ratio(x):
            if not x or not h:
                return "—"
            return f"{x['total'] / h['total']:,.0f}×"
        mem = f"{h['peak_mb']:.0f} MB" if h and h.get("peak_mb") else "—"
        py = e.get("py")
        svy_py = (f"{e['svy']['total'] / py['total']:,.0f}×" if e.get("svy") and py else "—")
        lines.append(f"| {human(n)} | {cell(h)} | {cell(e['r'])} | {cell(e['svy'])} | "
                     f"{cell(py)} | {ratio(e['r'])} | {ratio(e['svy'])} | {svy_py} | {mem} |")
    lines.append("")
    lines.append("Stages (median run), seconds: hri read / estimate / write and throughput; "
                 "peers read / estimate:")
    for n in sizes:
        h = results["sizes"][str(n)]["hri"]
        if h:
            lines.append(f"- {human(n)}: {h['read']:.3f} / {h['estimate']:.3f} / {h['write']:.4f}; "
                         f"{n / h['total'] / 1e6:.1f} M rows/s end to end, "
                         f"{n / h['estimate'] / 1e6:.1f} M rows/s estimation; runs {', '.join(f'{t:.3f}' for t in h['runs'])}")
    for n in sizes:
        for key, name in (("r", "R survey"), ("svy", "svy"), ("py", "hri (Python)")):
            x = results["sizes"][str(n)].get(key)
            if x:
                lines.append(f"- {human(n)} {name}: read {x['read']:.3f} / estimate "
                             f"{x['estimate']:.3f}; runs {', '.join(f'{t:.3f}' for t in x['runs'])}")
    hs = [(n, results["sizes"][str(n)]["hri"]) for n in sizes if results["sizes"][str(n)]["hri"]]
    for (n1, h1), (n2, h2) in zip(hs, hs[1:]):
        lines.append(f"- scaling {human(n1)} -> {human(n2)}: rows x{n2 / n1:g}, time x{h2['total'] / h1['total']:.2f}")
    busy = []
    for n in sizes:
        e = results["sizes"][str(n)]
        for key, name in (("hri", "hri"), ("r", "R survey"), ("svy", "svy"),
                          ("py", "hri (Python)")):
            x = e.get(key)
            if x and x.get("others_cores") is not None and x["others_cores"] > BUSY_CORES:
                busy.append(f"{human(n)} {name} (other processes used "
                            f"{x['others_cores']:.2f} cores)")
    lines.append("")
    lines.append("CPU share per run (from /usr/bin/time): " + ", ".join(
        f"{human(n)} {key} {results['sizes'][str(n)][key].get('cpu_percent') or '?'}%"
        for n in sizes for key in ("hri", "r", "svy", "py") if results["sizes"][str(n)].get(key)))
    if busy:
        lines.append("WARNING: other processes competed for the CPU during these runs; "
                     "their times are unreliable, rerun on an idle machine: "
                     + "; ".join(busy))
    lines.append("")
    lines.append(f"Agreement with hri (relative tolerance {args.tol:g}):")
    for n in sizes:
        for key, a in results["sizes"][str(n)]["agreement"].items():
            name = {"r": "R survey", "svy": "svy", "py": "hri (Python)"}[key]
            verdict = "agree" if a["ok"] else "DISAGREE"
            lines.append(f"- {human(n)} {name}: {verdict}: {a['joined']} estimates joined, "
                         f"{len(a['missing'])} unmatched, {a['no_estimate']} empty domains, "
                         f"max relative difference estimate "
                         f"{a['max_rel_estimate']:.2e}, se {a['max_rel_se']:.2e}")
            for w in a["worst"]:
                lines.append(f"    {'/'.join(w['key'])}: hri {w['hri']} {name} {w[key]} (rel {w['rel']:.2e})")
            for m in a["missing"][:5]:
                lines.append(f"    unmatched: {'/'.join(m)}")
    report = "\n".join(lines)
    print()
    print(report)
    (data_dir / "results.md").write_text(report + "\n")
    (data_dir / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\n(results in {data_dir / 'results.md'} and results.json; logs in {logs})")
    return 0 if all_ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
