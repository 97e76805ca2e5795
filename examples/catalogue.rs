//! Prints a catalogue of indicators as a readable table: its rights, their attributes and
//! the indicators of each attribute, with kind, unit, measure and references.
//!
//! ```text
//! cargo run --example catalogue                      # the built-in catalogue
//! cargo run --example catalogue -- my_catalogue.toml # any catalogue file (.toml or .json)
//! ```
//!
//! The catalogue is validated first; problems are listed and the program exits with
//! status 1.

use std::process::ExitCode;

use hri::catalogue::Catalogue;

fn main() -> ExitCode {
    let catalogue = match std::env::args_os().nth(1) {
        None => Catalogue::migrants_rights(),
        Some(path) => match Catalogue::from_path(&path) {
            Ok(catalogue) => catalogue,
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Err(report) = catalogue.validate() {
        eprintln!("error: invalid catalogue: {report}");
        return ExitCode::FAILURE;
    }
    print!("{}", hri::catalogue::render(&catalogue));
    ExitCode::SUCCESS
}
