//! The Mexico pilot: a SYNTHETIC ENOE-style labour force survey (about 400,000 persons per
//! round, states as strata), migratory status, age groups and WG-SS disability derived,
//! the Mexico pilot catalogue and register, the whole indicator table for 2015 and 2020
//! with gaps, quality flags, benchmarks, progress and scores, written to `out/mexico/`
//! (`indicators.csv`, `.parquet`, `.json`, `.sdmx.csv`, `report.html`).
//!
//! ```text
//! cargo run --release --example mexico_pilot
//! cargo run --release --example mexico_pilot -- 100000   # persons per round
//! ```

use std::process::ExitCode;

use hri::pilot::{Country, PilotOptions, run, summary};

fn main() -> ExitCode {
    let mut options = PilotOptions::new(Country::Mexico);
    if let Some(arg) = std::env::args().nth(1) {
        match arg.parse::<usize>() {
            Ok(n) => options.size = Some(n),
            Err(_) => {
                eprintln!(
                    "error: the optional argument is the number of persons per round, got `{arg}`"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    match run(&options) {
        Ok(r) => {
            print!("{}", summary(&r));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
