//! The `hri` command-line program: argument parsing (clap), dispatch to the library, and the
//! exit status of each kind of failure. See `hri --help`.

/// mimalloc keeps freed memory for reuse: large column buffers are not returned to the
/// kernel and zeroed again on every allocation (which the system allocator does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod catalogue;
mod cli;
mod error;
mod estimate;
mod output;
mod partial;
mod pilot;
mod progress;
mod project;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cli::run(cli, &mut out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
