//! Criterion benchmarks of the estimation engine on the standing workload (a synthetic
//! person-level survey, 64 strata, PSUs of about 25 persons; issues 8 and 4): the pilot
//! table (`benches/peers/pilot_table.rs`: 6 indicators × 7 disaggregations) with Taylor
//! standard errors at 100k and 1M rows, the same table end to end from a Parquet file at
//! 1M rows, and the replicate path (1M rows, 80 bootstrap replicate weights).
//! Throughput is reported in rows per second.
//!
//! ```text
//! export CARGO_TARGET_DIR=$HOME/.cache/hri-target
//! cargo bench --bench estimate                 # everything
//! cargo bench --bench estimate -- taylor       # one group
//! ```
//!
//! `HRI_BENCH_ROWS=20000 cargo bench --bench estimate` runs every group at a smaller size
//! (comma-separated list for the Taylor group; the others use the largest).
//!
//! Sample sizes are small (10 samples, short measurement times): the reference machine has
//! two cores. The data are generated once per group, outside the timed loops.

/// The same allocator as the programs (`src/bin/hri.rs`, `examples/peer_table.rs`), so the
/// benchmark measures what they run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "peers/pilot_table.rs"]
mod pilot_table;

use std::cell::OnceCell;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hri::design::{Design, ReplicateColumns, ReplicateKind, Replicates};
use hri::estimate::Survey;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seed of the workload (the same as the peer comparison's default).
const SEED: u64 = 1;

/// Number of bootstrap replicates of the replicate benchmark.
const REPLICATES: usize = 80;

/// Row counts of the Taylor group: `HRI_BENCH_ROWS` (comma-separated) when set, else 100k
/// and 1M. The Parquet and replicate groups use the largest.
fn sizes() -> Vec<usize> {
    match std::env::var("HRI_BENCH_ROWS") {
        Ok(text) => {
            let sizes: Vec<usize> = text
                .split(',')
                .map(|s| {
                    s.trim()
                        .parse()
                        .unwrap_or_else(|e| fail("HRI_BENCH_ROWS", format!("`{s}`: {e}")))
                })
                .collect();
            if sizes.is_empty() {
                fail("HRI_BENCH_ROWS", "no row count");
            }
            sizes
        }
        Err(_) => vec![100_000, 1_000_000],
    }
}

/// The largest benchmark size.
fn largest() -> usize {
    sizes().into_iter().max().unwrap_or(1_000_000)
}

/// Print a readable error and stop the benchmark process (no panic backtrace).
fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    eprintln!("benches/estimate: {what}: {err}");
    std::process::exit(1)
}

/// The workload restricted to the columns the pilot table reads.
fn workload(rows: usize) -> DataFrame {
    let df = hri::synth::workload(rows, SEED).unwrap_or_else(|e| fail("workload", e));
    df.select(pilot_table::COLUMNS)
        .unwrap_or_else(|e| fail("selecting the table's columns", e))
}

/// Check once, outside the timing, that the table has every row; print the first
/// estimate (overall share insured) so the designs' standard errors can be compared.
fn check(survey: &Survey, label: &str) {
    let est = survey
        .estimate(&pilot_table::request())
        .unwrap_or_else(|e| fail("estimate", e));
    if est.rows.len() != pilot_table::EXPECTED_ROWS {
        fail(
            "estimate",
            format!(
                "{} rows instead of {}",
                est.rows.len(),
                pilot_table::EXPECTED_ROWS
            ),
        );
    }
    if let Some(r) = est.rows.first() {
        eprintln!(
            "{label}: {} overall = {:?}, se {:?}",
            r.measure, r.estimate, r.se
        );
    }
}

/// The pilot table with Taylor standard errors (strata and PSUs), data already in memory.
fn taylor(c: &mut Criterion) {
    let request = pilot_table::request();
    let mut group = c.benchmark_group("taylor");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for rows in sizes() {
        // Built on first use: a filtered run (`-- replicate`) does not generate it.
        let survey: OnceCell<Survey> = OnceCell::new();
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(BenchmarkId::new("pilot_table", rows), |b| {
            let s = survey.get_or_init(|| {
                let design = pilot_table::taylor_design().unwrap_or_else(|e| fail("design", e));
                let s = Survey::new(workload(rows), design).unwrap_or_else(|e| fail("survey", e));
                check(&s, &format!("taylor {rows}"));
                s
            });
            b.iter(|| black_box(s.estimate(&request)))
        });
    }
    group.finish();
}

/// The pilot table end to end from a Parquet file (only the 16 columns used are read), at
/// 1M rows: reading included, as in the peer comparison.
fn parquet(c: &mut Criterion) {
    let rows = largest();
    let dir = std::env::temp_dir().join(format!("hri-bench-{}", std::process::id()));
    let files: OnceCell<hri::synth::WorkloadFiles> = OnceCell::new();
    let request = pilot_table::request();
    let columns: Vec<String> = pilot_table::COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut group = c.benchmark_group("parquet");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(BenchmarkId::new("pilot_table", rows), |b| {
        let files = files.get_or_init(|| {
            hri::synth::write_workload(&dir, rows, SEED)
                .unwrap_or_else(|e| fail("writing the workload", e))
        });
        b.iter(|| {
            let design = pilot_table::taylor_design().unwrap_or_else(|e| fail("design", e));
            let frame =
                hri::io::read_columns(&files.parquet, &columns).unwrap_or_else(|e| fail("read", e));
            let survey = Survey::new(frame, design).unwrap_or_else(|e| fail("survey", e));
            black_box(survey.estimate(&request))
        })
    });
    group.finish();
    if files.get().is_some() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Rao–Wu rescaled bootstrap weights: in each stratum with `n_h` PSUs, each replicate
/// draws `n_h - 1` PSUs with replacement; a PSU drawn `k` times gets the factor
/// `k · n_h / (n_h - 1)` (0 when not drawn). Replicate `r` is the column `rep_<r>` =
/// factor × `weight`. Deterministic (ChaCha8, seeded).
fn with_bootstrap_weights(mut df: DataFrame, replicates: usize, seed: u64) -> DataFrame {
    let get = |name: &str| {
        df.column(name)
            .and_then(|c| c.cast(&DataType::Float64))
            .unwrap_or_else(|e| fail(name, e))
    };
    let stratum: Vec<f64> = get("stratum")
        .f64()
        .unwrap_or_else(|e| fail("stratum", e))
        .into_no_null_iter()
        .collect();
    let psu: Vec<f64> = get("psu")
        .f64()
        .unwrap_or_else(|e| fail("psu", e))
        .into_no_null_iter()
        .collect();
    let weight: Vec<f64> = get("weight")
        .f64()
        .unwrap_or_else(|e| fail("weight", e))
        .into_no_null_iter()
        .collect();
    // PSU index per row, and the PSUs of each stratum.
    let mut psu_index: HashMap<u64, usize> = HashMap::new();
    let mut stratum_index: HashMap<u64, usize> = HashMap::new();
    let mut psus_of: Vec<Vec<usize>> = Vec::new();
    let row_psu: Vec<usize> = (0..psu.len())
        .map(|i| {
            let next = psu_index.len();
            *psu_index.entry(psu[i].to_bits()).or_insert_with(|| {
                let ns = stratum_index.len();
                let h = *stratum_index.entry(stratum[i].to_bits()).or_insert(ns);
                if h == psus_of.len() {
                    psus_of.push(Vec::new());
                }
                psus_of[h].push(next);
                next
            })
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut factor = vec![0.0f64; psu_index.len()];
    let mut columns = Vec::with_capacity(replicates);
    for r in 0..replicates {
        factor.iter_mut().for_each(|f| *f = 0.0);
        for members in &psus_of {
            let n_h = members.len();
            if n_h < 2 {
                for &p in members {
                    factor[p] = 1.0;
                }
                continue;
            }
            let scale = n_h as f64 / (n_h - 1) as f64;
            for _ in 0..n_h - 1 {
                factor[members[rng.random_range(0..n_h)]] += scale;
            }
        }
        let values: Vec<f64> = row_psu
            .iter()
            .zip(&weight)
            .map(|(&p, &w)| factor[p] * w)
            .collect();
        columns.push(Column::new(format!("rep_{:03}", r + 1).into(), values));
    }
    df.hstack_mut(&columns)
        .unwrap_or_else(|e| fail("adding replicate weights", e));
    df
}

/// The pilot table on a bootstrap replicate design: 1M rows, 80 replicate weight columns.
fn replicate(c: &mut Criterion) {
    let rows = largest();
    let request = pilot_table::request();
    // Built on first use: a filtered run (`-- taylor`) does not generate it.
    let survey: OnceCell<Survey> = OnceCell::new();
    let mut group = c.benchmark_group("replicate");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function(
        BenchmarkId::new(format!("bootstrap{REPLICATES}"), rows),
        |b| {
            let s = survey.get_or_init(|| {
                let df = with_bootstrap_weights(workload(rows), REPLICATES, SEED);
                let design = Design::builder("weight")
                    .replicates(Replicates {
                        kind: ReplicateKind::Bootstrap,
                        columns: ReplicateColumns::Prefix("rep_".into()),
                        scale: None,
                        rscales: None,
                        mse: false,
                        df: None,
                    })
                    .build()
                    .unwrap_or_else(|e| fail("replicate design", e));
                let s = Survey::new(df, design).unwrap_or_else(|e| fail("survey", e));
                check(&s, &format!("bootstrap {rows}"));
                s
            });
            b.iter(|| black_box(s.estimate(&request)))
        },
    );
    group.finish();
}

criterion_group!(benches, taylor, parquet, replicate);
criterion_main!(benches);
