//! The `hri` command-line program. See `hri --help`.

/// mimalloc keeps freed memory for reuse: large column buffers are not returned to the
/// kernel and zeroed again on every allocation (which the system allocator does).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

fn main() {
    let cli = hri::cli::Cli::parse();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = hri::cli::run(cli, &mut out) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
