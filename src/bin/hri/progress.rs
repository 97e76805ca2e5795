//! The progress bar of a pilot run on stderr (indicatif; nothing is drawn when stderr is not
//! a terminal). Shared by `hri pilot` and the pilot examples, which include this file.

use hri::pilot::{PilotError, PilotOptions, PilotRun, run_with};
use indicatif::{ProgressBar, ProgressStyle};

/// Runs a pilot ([`hri::pilot::run_with`]) with a progress bar of its steps.
pub fn run_pilot_with_bar(options: &PilotOptions) -> Result<PilotRun, PilotError> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let run = run_with(options, |step| {
        bar.set_length(step.count as u64);
        bar.set_position(step.done as u64);
        bar.set_message(step.what);
    });
    bar.finish_and_clear();
    run
}
