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

/// mimalloc keeps freed memory for reuse: large column buffers are not returned to the
/// kernel and zeroed again on every allocation (which the system allocator does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

#[path = "common/pilot_main.rs"]
mod pilot_main;

fn main() -> ExitCode {
    pilot_main::main_for(hri::pilot::Country::Mexico)
}
