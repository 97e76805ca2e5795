//! hri's side of the peer comparison (`benches/peers/run.py`, issue 8): generate the
//! standing **SYNTHETIC** workload once, and compute the pilot table end to end from a file.
//!
//! ```text
//! # write workload_<rows>_seed<seed>.{parquet,csv} into DIR
//! cargo run --release --example peer_table -- generate --rows 1000000 --seed 1 --dir DIR
//! # read FILE (only the 16 columns the table uses), estimate, write the table
//! cargo run --release --example peer_table -- run --data DIR/workload_1000000_seed1.parquet --out hri.csv
//! # where the time goes: read, then prepare / accumulate / finish, repeated
//! cargo run --release --example peer_table -- stages --data DIR/workload_1000000_seed1.parquet
//! # the estimate alone, repeated in one process (minimum and median): to compare builds
//! cargo run --release --example peer_table -- stages --estimate-only --repeat 30 --data DIR/workload_1000000_seed1.parquet
//! ```
//!
//! `run` prints one line `TIMING total=<s> read=<s> estimate=<s> write=<s> rows=<n>` on
//! standard output: `total` runs from opening the file to the result table written,
//! which is what the driver compares with R `survey` and svy. The table's format is
//! described in `benches/peers/pilot_table.rs` ([`pilot_table::to_csv`]).

/// mimalloc keeps freed memory for reuse: large column buffers are not returned to the
/// kernel and zeroed again on every allocation (which the system allocator does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../benches/peers/pilot_table.rs"]
mod pilot_table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

/// Command line of the example.
#[derive(Parser, Debug)]
#[command(
    name = "peer_table",
    about = "Generate the benchmark workload, or compute the pilot table from a file"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The two steps of the comparison.
#[derive(Subcommand, Debug)]
enum Command {
    /// Write the SYNTHETIC workload as Parquet and CSV (`workload_<rows>_seed<seed>.*`).
    Generate {
        /// Number of persons (rows).
        #[arg(long)]
        rows: usize,
        /// Seed of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
    },
    /// Read a workload file (`.parquet` or `.csv`), estimate the pilot table, write it.
    Run {
        /// Workload file.
        #[arg(long)]
        data: PathBuf,
        /// Output CSV (indicator, disaggregation, group, estimate, se, n).
        #[arg(long)]
        out: PathBuf,
        /// Stream the file in two passes in bounded memory (`hri::stream::estimate_file`:
        /// Parquet by whole row groups, CSV through polars' streaming engine) instead of
        /// reading its columns into memory.
        #[arg(long)]
        stream: bool,
        /// Rows per batch when streaming.
        #[arg(long, default_value_t = hri::stream::DEFAULT_BATCH_ROWS)]
        batch_rows: usize,
    },
    /// The baseline of streaming: a plain polars scan of the table's 16 columns, either
    /// collected into memory (`--mode collect`), read in batches by the streaming engine
    /// and dropped (`--mode batches`), or read by whole row groups as `run --stream`
    /// reads Parquet (`--mode row-groups`, `hri::stream::for_each_parquet_batch`).
    Scan {
        /// Workload file.
        #[arg(long)]
        data: PathBuf,
        /// collect, batches or row-groups.
        #[arg(long, default_value = "batches")]
        mode: String,
        /// Rows per batch.
        #[arg(long, default_value_t = hri::stream::DEFAULT_BATCH_ROWS)]
        batch_rows: usize,
    },
    /// Time the stages separately (read, prepare, accumulate, finish), `--repeat` times,
    /// through the engine's public chunked API (`Survey::prepare`, `accumulate_all`,
    /// `finish`): where the time goes.
    Stages {
        /// Workload file.
        #[arg(long)]
        data: PathBuf,
        /// Repetitions of the in-memory stages (the file is read once).
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        /// Repeat `Survey::estimate` only and print its minimum and median time (memory
        /// warm after the first run): for comparing two builds of the engine.
        #[arg(long)]
        estimate_only: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { rows, seed, dir } => generate(rows, seed, dir),
        Command::Run {
            data,
            out,
            stream,
            batch_rows,
        } => run(data, out, stream, batch_rows),
        Command::Scan {
            data,
            mode,
            batch_rows,
        } => scan(data, &mode, batch_rows),
        Command::Stages {
            data,
            repeat,
            estimate_only,
        } => stages(data, repeat, estimate_only),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("peer_table: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn generate(rows: usize, seed: u64, dir: PathBuf) -> Result<(), String> {
    let t = Instant::now();
    let files = hri::synth::write_workload(&dir, rows, seed).map_err(|e| e.to_string())?;
    println!(
        "wrote {} and {} ({rows} rows, {:.1} s)",
        files.parquet.display(),
        files.csv.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The pilot table's 16 columns of a workload file, with the Taylor design.
fn load(data: &std::path::Path) -> Result<hri::estimate::Survey, String> {
    let design = pilot_table::taylor_design().map_err(|e| e.to_string())?;
    let columns: Vec<String> = pilot_table::COLUMNS.iter().map(|c| c.to_string()).collect();
    let frame =
        hri::io::read_columns(data, &columns).map_err(|e| format!("{}: {e}", data.display()))?;
    hri::estimate::Survey::new(frame, design).map_err(|e| e.to_string())
}

/// A lazy scan of the table's 16 columns.
fn scan_columns(data: &std::path::Path) -> hri_survey::Result<polars::prelude::LazyFrame> {
    use polars::prelude::col;
    let lf = hri::io::scan(data)?;
    Ok(lf.select(
        pilot_table::COLUMNS
            .iter()
            .map(|c| col(*c))
            .collect::<Vec<_>>(),
    ))
}

fn scan(data: PathBuf, mode: &str, batch_rows: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let rows = match mode {
        "collect" => scan_columns(&data)
            .and_then(|lf| Ok(lf.collect()?))
            .map_err(|e| e.to_string())?
            .height() as u64,
        "row-groups" => {
            let columns: Vec<String> = pilot_table::COLUMNS.iter().map(|c| c.to_string()).collect();
            hri::stream::for_each_parquet_batch(&data, &columns, batch_rows, |_, _| Ok(()))
                .map_err(|e| e.to_string())?
        }
        _ => hri::stream::for_each_batch(
            scan_columns(&data).map_err(|e| e.to_string())?,
            batch_rows,
            |_, _| Ok(()),
        )
        .map_err(|e| e.to_string())?,
    };
    println!(
        "TIMING total={:.6} rows={rows} mode={mode}",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run(data: PathBuf, out: PathBuf, stream: bool, batch_rows: usize) -> Result<(), String> {
    let t0 = Instant::now();
    let request = pilot_table::request();
    let (estimates, rows, t1) = if stream {
        let design = pilot_table::taylor_design().map_err(|e| e.to_string())?;
        let t1 = Instant::now();
        let e = hri::stream::estimate_file(&data, &request, &design, batch_rows)
            .map_err(|e| e.to_string())?;
        (e, 0, t1)
    } else {
        let survey = load(&data)?;
        let rows = survey.data().height();
        let t1 = Instant::now();
        let e = survey.estimate(&request).map_err(|e| e.to_string())?;
        (e, rows, t1)
    };
    let t2 = Instant::now();
    let csv = pilot_table::to_csv(&estimates);
    std::fs::write(&out, csv).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let t3 = Instant::now();
    println!(
        "TIMING total={:.6} read={:.6} estimate={:.6} write={:.6} rows={rows}",
        (t3 - t0).as_secs_f64(),
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (t3 - t2).as_secs_f64(),
    );
    Ok(())
}

fn stages(data: PathBuf, repeat: usize, estimate_only: bool) -> Result<(), String> {
    let t0 = Instant::now();
    let request = pilot_table::request();
    let survey = load(&data)?;
    if estimate_only {
        let mut times = Vec::with_capacity(repeat.max(1));
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let estimates = survey.estimate(&request).map_err(|e| e.to_string())?;
            times.push(t.elapsed().as_secs_f64());
            drop(estimates);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "estimate() x{}: min {:.4} s, median {:.4} s",
            times.len(),
            times[0],
            times[times.len() / 2]
        );
        return Ok(());
    }
    println!(
        "read      {:8.4} s  ({} rows in {} chunks, {:.0} MB in memory)",
        t0.elapsed().as_secs_f64(),
        survey.data().height(),
        survey.data().first_col_n_chunks(),
        survey.data().estimated_size() as f64 / 1e6
    );
    for k in 0..repeat.max(1) {
        let t1 = Instant::now();
        let est = survey.prepare(&request).map_err(|e| e.to_string())?;
        let t2 = Instant::now();
        let sums = est.accumulate_all();
        let t3 = Instant::now();
        let table = est.finish(&sums).map_err(|e| e.to_string())?;
        let t4 = Instant::now();
        if k == 0 {
            println!(
                "partial sums: {} (unit, cell) entries for {} rows",
                sums.entries(),
                sums.rows()
            );
        }
        drop(table);
        drop(sums);
        drop(est);
        let t5 = Instant::now();
        let whole = survey.estimate(&request).map_err(|e| e.to_string())?;
        let t6 = Instant::now();
        drop(whole);
        println!(
            "run {k}: prepare {:.4} s, accumulate {:.4} s, finish {:.4} s, drop {:.4} s; \
             estimate() {:.4} s",
            (t2 - t1).as_secs_f64(),
            (t3 - t2).as_secs_f64(),
            (t4 - t3).as_secs_f64(),
            (t5 - t4).as_secs_f64(),
            (t6 - t5).as_secs_f64(),
        );
    }
    Ok(())
}
