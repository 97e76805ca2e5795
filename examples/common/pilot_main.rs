//! The `main` of the pilot examples: an optional first argument is the sample size per
//! round; runs the pilot with a progress bar, prints the summary, returns the exit status.

use std::process::ExitCode;

use hri::pilot::{Country, PilotOptions, summary};

#[path = "../../src/bin/hri/progress.rs"]
mod progress;

/// Runs the pilot of `country` as the example programs do.
pub fn main_for(country: Country) -> ExitCode {
    let mut options = PilotOptions::new(country);
    if let Some(arg) = std::env::args().nth(1) {
        match arg.parse::<usize>() {
            Ok(n) => options.size = Some(n),
            Err(_) => {
                eprintln!("error: the optional argument is the sample size per round, got `{arg}`");
                return ExitCode::from(2);
            }
        }
    }
    match progress::run_pilot_with_bar(&options) {
        Ok(run) => {
            print!("{}", summary(&run));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
