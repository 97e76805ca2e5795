//! `hri catalogue validate|show FILE`.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use hri::catalogue::{Catalogue, render};

use crate::error::{CliError, Result};

/// `hri catalogue` arguments.
#[derive(Debug, Clone, Args)]
pub struct CatalogueArgs {
    /// What to do with the catalogue.
    #[command(subcommand)]
    pub action: CatalogueAction,
}

/// Catalogue actions.
#[derive(Debug, Clone, Subcommand)]
pub enum CatalogueAction {
    /// Check a catalogue (TOML or JSON) and list every problem found.
    Validate {
        /// Catalogue file (`builtin` for the built-in catalogue).
        file: PathBuf,
    },
    /// Print a catalogue as a table of rights, attributes and indicators.
    Show {
        /// Catalogue file (`builtin` for the built-in catalogue).
        file: PathBuf,
    },
}

fn load(file: &PathBuf) -> Result<Catalogue> {
    if file.as_os_str() == "builtin" {
        return Ok(Catalogue::migrants_rights());
    }
    Catalogue::from_path(file).map_err(|source| CliError::Catalogue {
        path: file.display().to_string(),
        source,
    })
}

/// Run `hri catalogue`.
pub(crate) fn run(a: &CatalogueArgs, out: &mut dyn Write) -> Result<()> {
    match &a.action {
        CatalogueAction::Validate { file } => {
            let c = load(file)?;
            match c.validate() {
                Ok(()) => {
                    writeln!(
                        out,
                        "{}: valid ({} rights, {} attributes, {} indicators)",
                        file.display(),
                        c.rights.len(),
                        c.attributes.len(),
                        c.indicators.len()
                    )
                    .map_err(CliError::Output)?;
                    Ok(())
                }
                Err(report) => Err(CliError::InvalidCatalogue {
                    path: file.display().to_string(),
                    count: report.issues.len(),
                    report: report.to_string(),
                }),
            }
        }
        CatalogueAction::Show { file } => {
            let c = load(file)?;
            write!(out, "{}", render(&c)).map_err(CliError::Output)?;
            Ok(())
        }
    }
}
