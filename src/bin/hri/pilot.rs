//! `hri pilot mexico|tunisia` and `hri compute`: the whole pipeline on synthetic pilot data
//! (written as round files and run through the pilot's project file) or on the user's own
//! data.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use hri::catalogue::Catalogue;
use hri::design::Design;
use hri::estimate::{CiMethod, Survey};
use hri::export::{ExportOptions, write_all_with};
use hri::framework::Dimension;
use hri::pilot::{Country, PilotOptions};
use hri::pipeline::Pipeline;
use hri::quality::QualityPolicy;
use hri::structural::Register;
use polars::prelude::{ParquetReader, PolarsError, SerReader};

use crate::error::{CliError, Result};

/// `hri pilot` arguments.
#[derive(Debug, Clone, Args)]
pub struct PilotArgs {
    /// mexico or tunisia.
    pub country: String,
    /// Output folder (default out/mexico or out/tunisia).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Persons (Mexico) or households (Tunisia) per round.
    #[arg(long)]
    pub size: Option<usize>,
    /// Seed of the synthetic surveys.
    #[arg(long, default_value_t = 20_261_128)]
    pub seed: u64,
    /// Work folder for the round files the project file runs on (default work/mexico or
    /// work/tunisia); files present and up to date are read as they are.
    #[arg(long)]
    pub work: Option<PathBuf>,
}

/// `hri compute` arguments.
#[derive(Debug, Clone, Args)]
pub struct ComputeArgs {
    /// Indicator catalogue (.toml or .json).
    #[arg(long)]
    pub catalogue: PathBuf,
    /// Survey microdata (.csv or .parquet) holding the catalogue's columns, including the
    /// disaggregation columns its `[dimensions]` names.
    #[arg(long)]
    pub data: PathBuf,
    /// Survey design (TOML: weight, strata, psu, fpc, nest, lonely_psu, a `[replicate]` table).
    #[arg(long)]
    pub design: PathBuf,
    /// Country register for structural indicators (TOML).
    #[arg(long)]
    pub register: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Label of the round (TIME_PERIOD), e.g. 2020.
    #[arg(long, default_value = "2020")]
    pub time_period: String,
    /// Country code (ISO 3166 alpha-3) when neither catalogue nor register gives one.
    #[arg(long)]
    pub ref_area: Option<String>,
    /// Label of the non-migrant reference group in the migratory-status column.
    #[arg(long)]
    pub reference: Option<String>,
    /// Interval method for proportions and rates: beta (Korn–Graubard, the default), logit,
    /// xlogit, wilson, wald. Other measures take Wald intervals, quantiles Woodruff's.
    #[arg(long, default_value = "beta")]
    pub ci: String,
    /// Quality policy: a preset (cv_bands_15_30, cv_bands_15_30_suppress_low, nchs_rse_30,
    /// nchs_2017, flag_only) or a policy file (TOML).
    #[arg(long, default_value = "cv_bands_15_30")]
    pub quality: String,
    /// Read the data in batches: auto (Parquet files of at least 20 million rows or CSV
    /// files of at least 2 GB, when the catalogue and design can be streamed; otherwise in
    /// memory, saying why), always (an error names what cannot be streamed), never.
    #[arg(long, default_value = "auto")]
    pub stream: String,
    /// Rows per batch when streaming.
    #[arg(long, default_value_t = hri::stream::DEFAULT_BATCH_ROWS)]
    pub batch_rows: usize,
}

/// Run `hri pilot`.
pub(crate) fn run_pilot(a: &PilotArgs, out: &mut dyn Write) -> Result<()> {
    let country: Country = a
        .country
        .parse()
        .map_err(|e: hri::pilot::PilotError| CliError::Usage(e.to_string()))?;
    let mut options = PilotOptions::new(country);
    options.size = a.size;
    options.seed = a.seed;
    if let Some(o) = &a.out {
        options.out_dir = Some(o.clone());
    }
    if let Some(w) = &a.work {
        options.work_dir = w.clone();
    }
    let run = crate::progress::run_pilot_with_bar(&options)?;
    write!(out, "{}", hri::pilot::summary(&run)).map_err(CliError::Output)
}

/// Whether `hri compute --stream auto` streams a data file: Parquet of at least
/// [`hri::project::STREAM_ROWS`] rows, CSV of at least [`hri::project::STREAM_CSV_BYTES`]
/// bytes.
fn large_file(path: &std::path::Path) -> Result<bool> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext == "parquet" || ext == "pq" {
        let file = std::fs::File::open(path).map_err(|e| hri_survey::Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        let rows = ParquetReader::new(file)
            .num_rows()
            .map_err(hri_survey::Error::from)?;
        Ok(rows >= hri::project::STREAM_ROWS)
    } else {
        let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(bytes >= hri::project::STREAM_CSV_BYTES)
    }
}

/// Run `hri compute`.
pub(crate) fn run_compute(a: &ComputeArgs, out: &mut dyn Write) -> Result<()> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar.set_message("reading the catalogue, design and data");
    let catalogue = Catalogue::from_path(&a.catalogue).map_err(|source| CliError::Catalogue {
        path: a.catalogue.display().to_string(),
        source,
    })?;
    let design = Design::from_path(&a.design)?;
    let register = match &a.register {
        Some(p) => Some(Register::from_path(p).map_err(|source| CliError::Register {
            path: p.display().to_string(),
            source,
        })?),
        None => None,
    };
    let mode = a
        .stream
        .parse::<hri::project::StreamMode>()
        .map_err(|e| CliError::Usage(format!("--stream: {e}")))?;
    if a.batch_rows == 0 {
        return Err(CliError::Usage("--batch-rows must be at least 1".into()));
    }
    let large = match mode {
        hri::project::StreamMode::Never => false,
        hri::project::StreamMode::Always => true,
        hri::project::StreamMode::Auto => large_file(&a.data)?,
    };
    let mut b = Pipeline::builder()
        .catalogue(catalogue.clone())
        .time_period(a.time_period.clone())
        .ci(a.ci.parse::<CiMethod>()?)
        .quality(
            QualityPolicy::from_name_or_path(&a.quality)
                .map_err(|e| CliError::Usage(format!("--quality: {e}")))?,
        );
    if let Some(r) = register {
        b = b.register(r);
    }
    if let Some(area) = &a.ref_area {
        b = b.ref_area(area.clone());
    }
    if let Some(reference) = &a.reference {
        b = b.reference(Dimension::MigratoryStatus, reference.clone());
    }
    let mut note = None;
    let mut streamed = None;
    if large {
        let columns = hri::io::scan(&a.data)?
            .limit(0)
            .collect()
            .map_err(hri_survey::Error::from)?;
        let p = b.clone().schema(columns, design.clone()).build()?;
        match p.stream_refusal() {
            Some(e) if mode == hri::project::StreamMode::Always => return Err(e.into()),
            Some(e) => note = Some(format!("in memory, not streamed: {e}")),
            None => {
                bar.set_message(format!(
                    "computing {} indicators, reading {} in batches of {} rows",
                    catalogue.indicators.len(),
                    a.data.display(),
                    a.batch_rows
                ));
                let scan = || {
                    hri::io::scan(&a.data)
                        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))
                };
                streamed = Some(p.run_streamed(scan, a.batch_rows)?);
            }
        }
    }
    let (results, rows) = match streamed {
        Some(r) => (r, None),
        None => {
            let data = hri::io::read(&a.data)?;
            let rows = data.height();
            let survey = Survey::new(data, design)?;
            bar.set_message(format!(
                "computing {} indicators on {rows} rows",
                catalogue.indicators.len()
            ));
            (b.survey(survey).build()?.run()?, Some(rows))
        }
    };
    bar.set_message("writing files");
    let written = write_all_with(&results, &a.out, &ExportOptions::new())?;
    bar.finish_and_clear();
    if let Some(n) = note {
        writeln!(out, "{n}").map_err(CliError::Output)?;
    }
    match rows {
        Some(rows) => writeln!(
            out,
            "{} indicator rows for {rows} survey rows written to:",
            results.rows().len()
        ),
        None => writeln!(
            out,
            "{} indicator rows, the survey read in batches of {} rows, written to:",
            results.rows().len(),
            a.batch_rows
        ),
    }
    .map_err(CliError::Output)?;
    for p in written.paths() {
        writeln!(out, "  {}", p.display()).map_err(CliError::Output)?;
    }
    Ok(())
}
