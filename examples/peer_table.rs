//! hri's side of the peer comparison (`benches/peers/run.py`, issue 8): generate the
//! standing **SYNTHETIC** workload once, and compute the pilot table end to end from a file.
//!
//! ```text
//! # write workload_<rows>_seed<seed>.{parquet,csv} into DIR
//! cargo run --release --example peer_table -- generate --rows 1000000 --seed 1 --dir DIR
//! # read FILE lazily (only the 16 columns the table uses), estimate, write the table
//! cargo run --release --example peer_table -- run --data DIR/workload_1000000_seed1.parquet --out hri.csv
//! ```
//!
//! `run` prints one line `TIMING total=<s> read=<s> estimate=<s> write=<s> rows=<n>` on
//! standard output: `total` runs from opening the file to the result table written,
//! which is what the driver compares with R `survey` and svy. The table's format is
//! described in `benches/peers/pilot_table.rs` ([`pilot_table::to_csv`]).

#[path = "../benches/peers/pilot_table.rs"]
mod pilot_table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use polars::prelude::{Expr, col};

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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { rows, seed, dir } => generate(rows, seed, dir),
        Command::Run { data, out } => run(data, out),
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

fn run(data: PathBuf, out: PathBuf) -> Result<(), String> {
    let t0 = Instant::now();
    let design = pilot_table::taylor_design().map_err(|e| e.to_string())?;
    let request = pilot_table::request();
    let lazy = hri::io::scan(&data).map_err(|e| e.to_string())?;
    let columns: Vec<Expr> = pilot_table::COLUMNS.iter().map(|c| col(*c)).collect();
    let survey = hri::estimate::Survey::from_lazy(lazy.select(columns), design)
        .map_err(|e| format!("{}: {e}", data.display()))?;
    let rows = survey.data().height();
    let t1 = Instant::now();
    let estimates = survey.estimate(&request).map_err(|e| e.to_string())?;
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
