//! The `hri` command-line program. See `hri --help`.

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
