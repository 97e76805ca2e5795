//! `hri run project.toml` (a whole country, every round, from the office's own files) and
//! `hri inspect FILE` (what a data file holds, column by column).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use hri::project::{Project, RoundRoute, RunOptions, StreamMode, run_with_options};
use hri::source::{CsvOptions, TextEncoding, profile, read};

use crate::error::{CliError, Result};

/// `hri run` arguments.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// The project file (TOML: catalogue, out, [design], [[rounds]], [derive]).
    pub project: PathBuf,
    /// Read rounds in batches: auto (rounds of at least 20 million Parquet rows or 2 GB of
    /// CSV, when they can be streamed), always (an error names what cannot be), never.
    /// Default: the project file's `stream` key, else auto.
    #[arg(long)]
    pub stream: Option<String>,
    /// Rows per batch when streaming (default: the project file's `batch_rows`, else
    /// 500000).
    #[arg(long)]
    pub batch_rows: Option<usize>,
    /// Instead of running: write the partial sums of one round (`--round`), over its file
    /// or a partition of its rows (`--part`), to this Parquet file; `hri merge --project`
    /// adds the partitions up and writes what `hri run` writes on the whole data.
    #[arg(long, value_name = "SUMS.parquet")]
    pub partial: Option<PathBuf>,
    /// With --partial: the round (its period; not needed when the project has one round).
    #[arg(long, requires = "partial")]
    pub round: Option<String>,
    /// With --partial: the file holding this partition of the round's rows (Parquet or
    /// UTF-8 CSV with the columns of the round's file); default the round's own file.
    #[arg(long, requires = "partial")]
    pub part: Option<PathBuf>,
}

/// `hri inspect` arguments.
#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// The data file (.dta, .sav, .zsav, .sas7bdat, .xpt, .parquet, .csv).
    pub file: PathBuf,
    /// Output format: text or json.
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Codes that mean "missing", counted column by column (comma-separated, e.g. 9,99,999).
    #[arg(long)]
    pub missing: Option<String>,
    /// CSV: field separator.
    #[arg(long, default_value = ",")]
    pub separator: String,
    /// CSV: numbers have a decimal comma.
    #[arg(long)]
    pub decimal_comma: bool,
    /// CSV: encoding, utf8, latin1 or windows-1252.
    #[arg(long, default_value = "utf8")]
    pub encoding: String,
}

/// Run `hri run`.
pub(crate) fn run_project(a: &RunArgs, out: &mut dyn Write) -> Result<()> {
    let project = Project::from_path(&a.project)?;
    if let Some(sums_path) = &a.partial {
        let batch_rows = a
            .batch_rows
            .or(project.file.batch_rows)
            .unwrap_or(hri::stream::DEFAULT_BATCH_ROWS);
        if batch_rows == 0 {
            return Err(CliError::Usage("--batch-rows must be at least 1".into()));
        }
        let mut part = project.partial(a.round.as_deref(), a.part.as_deref(), batch_rows)?;
        part.write(sums_path)?;
        return writeln!(
            out,
            "{}: partial sums of round {} from {} ({} rows, {} sampling units, {} unit × cell entries)",
            sums_path.display(),
            part.period,
            part.data,
            part.sums.rows(),
            part.sums.units(),
            part.sums.entries()
        )
        .map_err(CliError::Output);
    }
    let stream = a
        .stream
        .as_deref()
        .map(|s| s.parse::<StreamMode>())
        .transpose()
        .map_err(|e| CliError::Usage(format!("--stream: {e}")))?;
    if a.batch_rows == Some(0) {
        return Err(CliError::Usage("--batch-rows must be at least 1".into()));
    }
    let options = RunOptions {
        write: true,
        stream,
        batch_rows: a.batch_rows,
        auto_from: None,
    };
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let run = run_with_options(&project, &options, |step| {
        bar.set_length(step.count as u64);
        bar.set_position(step.done as u64);
        bar.set_message(step.what);
    });
    bar.finish_and_clear();
    let run = run?;
    for r in &run.rounds {
        writeln!(
            out,
            "round {}: {} survey rows, {} indicator rows",
            r.period,
            r.rows,
            r.results.rows().len()
        )
        .map_err(CliError::Output)?;
        match &r.route {
            RoundRoute::Streamed { passes, batch_rows } => writeln!(
                out,
                "  read in batches of {batch_rows} rows ({passes} pass{})",
                if *passes == 1 { "" } else { "es" }
            ),
            RoundRoute::Memory {
                fallback: Some(why),
            } => writeln!(out, "  in memory, not streamed: {why}"),
            RoundRoute::Memory { fallback: None } | RoundRoute::Merged { .. } => Ok(()),
        }
        .map_err(CliError::Output)?;
        for d in &r.derivations {
            let unknown = d.unknown_rows();
            let reasons: Vec<String> = d
                .unknown
                .iter()
                .map(|c| format!("{} {}", c.rows, c.label))
                .collect();
            writeln!(
                out,
                "  {}: {}{}",
                d.output,
                d.groups
                    .iter()
                    .map(|c| format!("{} {}", c.label, c.rows))
                    .collect::<Vec<_>>()
                    .join(", "),
                if unknown > 0 {
                    format!(" (unknown: {})", reasons.join("; "))
                } else {
                    String::new()
                }
            )
            .map_err(CliError::Output)?;
        }
    }
    if let Some(dir) = &run.out {
        writeln!(out, "written to {}", dir.display()).map_err(CliError::Output)?;
    }
    Ok(())
}

/// Run `hri inspect`.
pub(crate) fn run_inspect(a: &InspectArgs, out: &mut dyn Write) -> Result<()> {
    let encoding = match a.encoding.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => TextEncoding::Utf8,
        "latin1" | "iso-8859-1" => TextEncoding::Latin1,
        "windows-1252" | "cp1252" => TextEncoding::Windows1252,
        other => {
            return Err(CliError::Usage(format!(
                "--encoding `{other}`: expected utf8, latin1 or windows-1252"
            )));
        }
    };
    let csv = CsvOptions {
        separator: a.separator.clone(),
        decimal_comma: a.decimal_comma,
        encoding,
        missing: Vec::new(),
    };
    let table = read(&a.file, &csv).map_err(hri::Error::from)?;
    let codes: Vec<String> = a
        .missing
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let columns = profile(&table, &codes).map_err(|e| CliError::Usage(e.to_string()))?;
    match a.format.as_str() {
        "json" => {
            let v = serde_json::json!({
                "file": a.file.display().to_string(),
                "format": table.format,
                "rows": table.data.height(),
                "columns": columns,
            });
            let text =
                serde_json::to_string_pretty(&v).map_err(|e| CliError::Usage(e.to_string()))?;
            writeln!(out, "{text}").map_err(CliError::Output)
        }
        "text" => {
            writeln!(
                out,
                "{}: {}, {} rows, {} columns",
                a.file.display(),
                table.format.name(),
                table.data.height(),
                columns.len()
            )
            .map_err(CliError::Output)?;
            for c in &columns {
                let mut line = format!("{} ({})", c.name, c.dtype);
                if let Some(l) = &c.label {
                    line.push_str(&format!(" \"{l}\""));
                }
                line.push_str(&format!(": missing {}", c.missing));
                for (code, n) in &c.missing_codes {
                    line.push_str(&format!(", code {code} × {n}"));
                }
                if let (Some(lo), Some(hi)) = (&c.min, &c.max) {
                    line.push_str(&format!("; min {lo}, max {hi}"));
                }
                let first: Vec<String> = c
                    .first
                    .iter()
                    .map(|v| v.clone().unwrap_or_else(|| "null".into()))
                    .collect();
                line.push_str(&format!("; first {}", first.join(", ")));
                writeln!(out, "{line}").map_err(CliError::Output)?;
                if !c.value_labels.is_empty() {
                    let labels: Vec<String> = c
                        .value_labels
                        .iter()
                        .map(|(k, v)| format!("{k} = {v}"))
                        .collect();
                    writeln!(out, "    labels: {}", labels.join("; ")).map_err(CliError::Output)?;
                }
            }
            Ok(())
        }
        other => Err(CliError::Usage(format!(
            "--format `{other}`: expected text or json"
        ))),
    }
}
