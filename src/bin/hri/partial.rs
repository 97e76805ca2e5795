//! `hri partial` and `hri merge`: the partial sums of a file as a Parquet file
//! ([`hri::partial_file`]), and the table of several such files merged — the table that
//! `hri estimate` gives on all their rows.

use std::path::PathBuf;

use clap::Args;
use polars::prelude::*;

use crate::error::{CliError, Result};
use crate::estimate::{EstimateArgs, estimate_output, estimate_request, stream_sums};
use crate::output::{Cell, Table};

/// `hri partial` arguments: those of `hri estimate`, and the output file.
#[derive(Debug, Clone, Args)]
pub struct PartialArgs {
    #[command(flatten)]
    /// What `hri estimate` would compute.
    pub estimate: EstimateArgs,
    /// The partial-sums file to write (.parquet).
    #[arg(long)]
    pub out: PathBuf,
}

/// `hri merge` arguments.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Partial-sums files written by `hri partial` (same request and design), or by
    /// `hri run PROJECT --partial` (with --project).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The project file the files were made with (`hri run PROJECT --partial`): every
    /// round computed from its files and written as `hri run` writes it.
    #[arg(long)]
    pub project: Option<PathBuf>,
    /// With --project: the output folder (default the project's `out`).
    #[arg(long, requires = "project")]
    pub out: Option<PathBuf>,
    /// Output format: csv, json or parquet (Parquet bytes on standard output).
    #[arg(long, default_value = "csv")]
    pub format: String,
}

/// Run `hri partial`: the file read in batches, its partial sums written to `--out`.
pub(crate) fn run_partial(a: &PartialArgs, out: &mut dyn std::io::Write) -> Result<()> {
    let (req, _) = estimate_request(&a.estimate)?;
    let mut sums = stream_sums(&a.estimate, &req)?;
    hri::partial_file::write(&mut sums, &a.out)?;
    writeln!(
        out,
        "{}: partial sums of {} rows ({} sampling units, {} unit × cell entries)",
        a.out.display(),
        sums.rows(),
        sums.units(),
        sums.entries()
    )
    .map_err(CliError::Output)?;
    Ok(())
}

/// Run `hri merge`: the files' sums added and finished into `hri estimate`'s table.
pub(crate) fn run_merge(a: &MergeArgs, out: &mut dyn std::io::Write) -> Result<()> {
    if !matches!(a.format.as_str(), "csv" | "json" | "parquet") {
        return Err(CliError::Usage(format!(
            "unknown --format `{}` (csv, json or parquet)",
            a.format
        )));
    }
    if let Some(p) = &a.project {
        let mut project = hri::project::Project::from_path(p)?;
        if let Some(o) = &a.out {
            project.file.out = std::path::absolute(o)
                .unwrap_or_else(|_| o.clone())
                .display()
                .to_string();
        }
        let run = project.merge_partials(&a.files, true)?;
        for r in &run.rounds {
            let files = match r.route {
                hri::project::RoundRoute::Merged { files } => files,
                _ => 0,
            };
            writeln!(
                out,
                "round {}: {} survey rows from {files} partial-sums file(s), {} indicator rows",
                r.period,
                r.rows,
                r.results.rows().len()
            )
            .map_err(CliError::Output)?;
        }
        if let Some(dir) = &run.out {
            writeln!(out, "written to {}", dir.display()).map_err(CliError::Output)?;
        }
        return Ok(());
    }
    let sums = hri::partial_file::merge_files(&a.files)?;
    let several = sums.request().measures.len() > 1;
    let table = estimate_output(&sums.finish()?, several, false);
    match a.format.as_str() {
        "json" => table.write_json(out),
        "parquet" => write_parquet(&table, out),
        _ => table.write_csv(out),
    }
}

/// A table as Parquet bytes: text, count and number columns.
fn write_parquet(table: &Table, out: &mut dyn std::io::Write) -> Result<()> {
    let columns: Vec<Column> = table
        .columns
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let cells = table.rows.iter().map(|r| &r[j]);
            let name: PlSmallStr = name.as_str().into();
            if cells.clone().any(|c| matches!(c, Cell::Text(_))) {
                let v: Vec<Option<String>> = cells
                    .map(|c| match c {
                        Cell::Text(s) => Some(s.clone()),
                        Cell::Num(x) => Some(format!("{x}")),
                        Cell::Int(i) => Some(i.to_string()),
                        Cell::Null => None,
                    })
                    .collect();
                Column::new(name, v)
            } else if cells
                .clone()
                .all(|c| matches!(c, Cell::Int(_) | Cell::Null))
            {
                let v: Vec<Option<u64>> = cells
                    .map(|c| match c {
                        Cell::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                Column::new(name, v)
            } else {
                let v: Vec<Option<f64>> = cells
                    .map(|c| match c {
                        Cell::Num(x) if x.is_finite() => Some(*x),
                        Cell::Int(i) => Some(*i as f64),
                        _ => None,
                    })
                    .collect();
                Column::new(name, v)
            }
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns).map_err(hri_survey::Error::from)?;
    let mut buffer: Vec<u8> = Vec::new();
    ParquetWriter::new(&mut buffer)
        .finish(&mut df)
        .map_err(hri_survey::Error::from)?;
    out.write_all(&buffer).map_err(CliError::Output)
}
