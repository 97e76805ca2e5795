//! A project's rounds read in batches (`hri run --stream`, the project file's `stream`
//! key): each batch is read, recoded and derived, its weights checked, and added to the
//! pipeline's partial sums ([`crate::pipeline::PipelineStream`]); the rows are never held
//! whole. What follows the estimates (gaps, quality flags, benchmarks, scores, results,
//! writers) is the in-memory route's.
//!
//! # What streams, what is refused
//!
//! | round | streamed? |
//! |---|---|
//! | main file Parquet, or CSV in UTF-8 (separator, decimal comma and missing strings as the project says) | yes |
//! | main file Stata, SPSS, SAS, or CSV in Latin-1 / Windows-1252 | no: these readers read the whole file |
//! | `joins` | no: the join is done on the whole data |
//! | `[derive.income_quintile]` | no: its cut points are weighted quantiles of the whole round |
//! | a `[[derive.recode]]` that aggregates, windows (`OVER`), sorts, shifts or ranks | no: its value depends on other rows |
//! | a quantile indicator, `ci = "logit"`, replicate weights, calibration, a second-stage fpc, lonely-PSU `average` | no: partial sums cannot carry them ([`crate::pipeline::Pipeline::stream_refusal`]) |
//!
//! Every other derivation (sex, age group, disability, child functioning, migratory
//! status, urban/rural) and every row-wise recode reads only its own row, so it gives the
//! same column batch by batch; the derivation reports of the batches are added up
//! ([`crate::derive::DeriveReport::merge_batches`]).
//!
//! Under [`StreamMode::Auto`] a round is streamed when its main file has at least
//! [`STREAM_ROWS`] rows (Parquet) or [`STREAM_CSV_BYTES`] bytes (CSV) and nothing above
//! refuses it; a refused round is computed in memory and the run says why
//! ([`super::RoundRun::route`]). Under [`StreamMode::Always`] a refusal is a
//! [`super::ProjectError::NotStreamable`] naming the round, the place (the file, join,
//! derivation, recode or indicator) and the reason.
//!
//! With PSUs the data are read twice (cell totals, then each stratum's sums as soon as its
//! rows are read); memory is one batch of rows and the open strata's sums when the file is
//! grouped by stratum. Errors of a derivation name the row within its batch and the
//! batch's first row.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{LastRound, Project, ProjectError, RoundData, RoundRun, Settings, pipeline_error};
use crate::catalogue::Catalogue;
use crate::derive::DeriveReport;
use crate::design::Design;
use crate::pipeline::{Pipeline, PipelineError, PipelineStream};
use crate::results::Results;
use crate::source::{CsvOptions, Format, TextEncoding};

/// Parquet files of at least this many rows are streamed under [`StreamMode::Auto`] (as
/// `hri estimate --stream auto`): about 2.5 GB of the pilot table's columns in memory.
pub const STREAM_ROWS: usize = 20_000_000;
/// CSV files of at least this many bytes are streamed under [`StreamMode::Auto`].
pub const STREAM_CSV_BYTES: u64 = 2_000_000_000;

/// Whether a project's rounds are read in batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamMode {
    /// Stream a round whose main file is large ([`STREAM_ROWS`], [`STREAM_CSV_BYTES`]) and
    /// that can be streamed; otherwise compute it in memory (saying why when it was large).
    #[default]
    Auto,
    /// Stream every round; one that cannot be streamed is an error naming why.
    Always,
    /// Compute every round in memory.
    Never,
}

impl std::str::FromStr for StreamMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(StreamMode::Auto),
            "always" => Ok(StreamMode::Always),
            "never" => Ok(StreamMode::Never),
            other => Err(format!(
                "unknown stream mode `{other}` (auto, always or never)"
            )),
        }
    }
}

/// How a round was computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundRoute {
    /// The whole round in memory; with the reason when streaming was asked for (or the
    /// file was large) but the round cannot be streamed.
    Memory {
        /// Why the round was not streamed, when it could have been expected to be.
        fallback: Option<String>,
    },
    /// Read in batches.
    Streamed {
        /// Passes over the data (2 with PSUs).
        passes: usize,
        /// Rows per batch.
        batch_rows: usize,
    },
    /// From partial-sums files merged ([`Project::merge_partials`]).
    Merged {
        /// The files.
        files: usize,
    },
}

/// Where a round cannot be streamed and why: (place, reason).
pub(crate) type Refusal = (String, String);

/// Polars SQL functions whose value depends on other rows (matched as prefixes of the
/// function's name).
const NOT_ROW_WISE: &[&str] = &[
    "cum_",
    "rolling",
    "ewm",
    "arg_",
    "rank",
    "shift",
    "diff",
    "pct_change",
    "unique",
    "n_unique",
    "mode",
    "reverse",
    "quantile",
    "null_count",
    "drop_",
    "interpolate",
    "forward_fill",
    "backward_fill",
    "fill_null_with_strategy",
    "top_k",
    "bottom_k",
    "search_sorted",
    "index_of",
    "int_range",
    "peak_",
    "entropy",
    "kurtosis",
    "skew",
    "value_counts",
    "hist",
    "approx_n_unique",
    "is_first_distinct",
    "is_last_distinct",
    "is_unique",
    "is_duplicated",
    "rle",
    "upcast",
    "gather_every",
    "implode",
    "sample",
    "shuffle",
];

/// What in an expression makes its value depend on rows other than its own, if anything.
pub(crate) fn not_row_wise(expr: &Expr) -> Option<String> {
    for e in expr {
        let what = match e {
            Expr::Agg(_) => Some("an aggregate".to_string()),
            Expr::Over { .. } => Some("a window function (OVER)".to_string()),
            Expr::Sort { .. } | Expr::SortBy { .. } => Some("a sort".to_string()),
            Expr::Gather { .. } => Some("a gather".to_string()),
            Expr::Filter { .. } => Some("a filter".to_string()),
            Expr::Slice { .. } => Some("a slice".to_string()),
            Expr::Explode { .. } => Some("an explode".to_string()),
            Expr::Len => Some("a row count".to_string()),
            Expr::AnonymousFunction { .. } => Some("a user-defined function".to_string()),
            Expr::Function { function, .. } => {
                let name = function.to_string();
                NOT_ROW_WISE
                    .iter()
                    .any(|p| name.starts_with(p))
                    .then(|| format!("the function `{name}`"))
            }
            _ => None,
        };
        if what.is_some() {
            return what;
        }
    }
    None
}

impl Project {
    /// Why round `index` cannot be read in batches, as far as the project file tells
    /// (the pipeline's own reasons come later): the main file's format, a join, the income
    /// quintile, a recode that is not row-wise. `None` when it can.
    pub(crate) fn stream_refusal(&self, index: usize, data: Option<&Path>) -> Option<Refusal> {
        let round = &self.file.rounds[index];
        let path = data.map_or_else(|| self.resolve(&round.data), Path::to_path_buf);
        let name = data.map_or_else(|| round.data.clone(), |d| d.display().to_string());
        match Format::from_path(&path) {
            Ok(Format::Parquet) => {}
            Ok(Format::Csv) => {
                let csv = round.csv.clone().unwrap_or_default();
                if csv.encoding != TextEncoding::Utf8 {
                    return Some((
                        name.clone(),
                        "a CSV file in Latin-1 or Windows-1252 is decoded whole; convert it to UTF-8 or Parquet to stream it".into(),
                    ));
                }
            }
            Ok(f) => {
                return Some((
                    name.clone(),
                    format!(
                        "{} files are read whole; streaming reads Parquet and UTF-8 CSV (write the round as Parquet to stream it)",
                        f.name()
                    ),
                ));
            }
            Err(e) => return Some((name.clone(), e.to_string())),
        }
        if let Some(j) = round.joins.first() {
            return Some((
                format!("joins (with {})", j.data),
                "a join is done on the whole data; write the joined round as one Parquet file to stream it".into(),
            ));
        }
        if self.file.derive.income_quintile.is_some() {
            return Some((
                "[derive.income_quintile]".into(),
                "its cut points are weighted quantiles of the whole round's income".into(),
            ));
        }
        for r in &self.file.derive.recode {
            let sql = r.sql.clone();
            let Ok(expr) = crate::sql::on_sql_stack("recode", move || polars::sql::sql_expr(&sql))
            else {
                continue; // the recode's own error comes when it runs
            };
            if let Some(what) = not_row_wise(&expr) {
                return Some((
                    format!("[[derive.recode]] `{}`", r.output),
                    format!("its SQL uses {what}, whose value depends on other rows"),
                ));
            }
        }
        None
    }

    /// Whether round `index`'s main file is large enough for [`StreamMode::Auto`] to
    /// stream it: at least `from.0` rows of Parquet, or `from.1` bytes of another format.
    pub(crate) fn large_round(
        &self,
        index: usize,
        from: (usize, u64),
    ) -> Result<bool, ProjectError> {
        let path = self.resolve(&self.file.rounds[index].data);
        let io = |source| ProjectError::Io {
            path: path.clone(),
            source,
        };
        match Format::from_path(&path) {
            Ok(Format::Parquet) => {
                let file = std::fs::File::open(&path).map_err(io)?;
                let rows =
                    ParquetReader::new(file)
                        .num_rows()
                        .map_err(|source| ProjectError::Polars {
                            what: format!("{}: counting rows", path.display()),
                            source,
                        })?;
                Ok(rows >= from.0)
            }
            _ => Ok(std::fs::metadata(&path).map_err(io)?.len() >= from.1),
        }
    }

    /// A scan of round `index`'s main file (Parquet, or UTF-8 CSV read with the round's
    /// options and the column types of the whole file, as [`crate::source::read`] reads
    /// it), with the schema found once and reused by every pass.
    pub(crate) fn round_scan(
        &self,
        index: usize,
        data: Option<&Path>,
    ) -> Result<RoundScan, ProjectError> {
        let round = &self.file.rounds[index];
        let path = data.map_or_else(|| self.resolve(&round.data), Path::to_path_buf);
        if !path.is_file() {
            return Err(ProjectError::Io {
                path: path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let csv = match Format::from_path(&path)? {
            Format::Csv => Some(round.csv.clone().unwrap_or_default()),
            _ => None,
        };
        let mut scan = RoundScan {
            path,
            csv,
            schema: None,
            columns: None,
        };
        let schema = scan
            .lazy()?
            .collect_schema()
            .map_err(|source| scan.polars(source))?;
        scan.schema = Some(schema);
        Ok(scan)
    }

    /// Recodes and derives one batch of round `index`, labels its dimensions and checks
    /// its weights (rows numbered from `first_row`): the batch as the pipeline reads it,
    /// and its derivation reports.
    pub(crate) fn prepare_batch(
        &self,
        batch: DataFrame,
        round: &RoundData,
        catalogue: &crate::catalogue::Catalogue,
        weight: &str,
        first_row: u64,
    ) -> Result<(DataFrame, Vec<DeriveReport>), ProjectError> {
        let mut part = RoundData {
            period: round.period.clone(),
            files: if first_row == 0 {
                round.files.clone()
            } else {
                format!("{}, batch from row {first_row}", round.files)
            },
            data: batch,
            columns: round.columns.clone(),
        };
        let reports = self.derive(&mut part)?;
        self.label_dimensions(catalogue, &mut part)?;
        super::check_weights(&part, weight, first_row as usize)?;
        Ok((part.data, reports))
    }
}

/// A round set up for streaming: its pipeline, built from the derived columns, and what
/// each batch needs.
pub(crate) struct StreamSetup {
    /// The round's pipeline, built from a schema.
    pub pipeline: Pipeline,
    /// The round's derived columns (no rows), its period and files.
    pub schema: RoundData,
    /// The round's catalogue (dimensions labelled).
    pub catalogue: Catalogue,
    /// The derived columns, no rows.
    pub columns: DataFrame,
    /// The round's design.
    pub design: Design,
    /// The file read.
    pub scan: RoundScan,
}

impl Project {
    /// Round `index` (its main file, or `data`) set up for streaming: the derivations run
    /// on the file's columns without rows, the design checked on them, the pipeline built.
    /// The inner error is the pipeline's refusal ([`ProjectError::NotStreamable`]: a
    /// quantile indicator, the logit interval, a design partial sums cannot carry).
    pub(crate) fn stream_setup(
        &self,
        index: usize,
        data: Option<&Path>,
        catalogue: &Catalogue,
        settings: &Settings,
        previous: Option<Results>,
    ) -> Result<Result<StreamSetup, ProjectError>, ProjectError> {
        let spec = &self.file.rounds[index];
        let scan = self.round_scan(index, data)?;
        let mut schema = RoundData {
            period: spec.period.clone(),
            files: data.map_or_else(|| spec.data.clone(), |d| d.display().to_string()),
            data: scan.empty()?,
            columns: std::collections::BTreeMap::new(),
        };
        let _ = self.derive(&mut schema)?;
        let round_catalogue = self.label_dimensions(catalogue, &mut schema)?;
        let design = self.design(index, &schema)?;
        let columns = schema.data.clear();
        let pipeline = self.round_pipeline(
            &round_catalogue,
            Pipeline::builder().schema(columns.clone(), design.clone()),
            settings,
            &spec.period,
            previous,
        )?;
        let mut scan = scan;
        self.project_columns(
            &mut scan,
            &pipeline,
            catalogue,
            &round_catalogue,
            &design,
            &schema,
        );
        if let Some(PipelineError::NotStreamable { indicator, reason }) = pipeline.stream_refusal()
        {
            return Ok(Err(ProjectError::NotStreamable {
                project: self.path.clone(),
                period: spec.period.clone(),
                place: match indicator {
                    Some(i) => format!("indicator '{i}'"),
                    None => "the design or interval".to_string(),
                },
                reason,
            }));
        }
        Ok(Ok(StreamSetup {
            pipeline,
            schema,
            catalogue: round_catalogue,
            columns,
            design,
            scan,
        }))
    }

    /// Makes `scan` read only the file's columns the round uses: those the `[derive]` table
    /// names anywhere (every text of it that is a column of the file, so defaults count),
    /// those its recodes' SQL reads, the design's, the indicators' and the dimensions'.
    /// Kept only when the derivations run on those columns alone give the columns the
    /// pipeline reads (`derived` is the round's columns derived from all of the file's);
    /// otherwise every column is read.
    fn project_columns(
        &self,
        scan: &mut RoundScan,
        pipeline: &Pipeline,
        base: &Catalogue,
        catalogue: &Catalogue,
        design: &Design,
        derived: &RoundData,
    ) {
        let names = scan.names();
        let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        fn texts(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
            match v {
                serde_json::Value::String(s) => {
                    out.insert(s.clone());
                }
                serde_json::Value::Array(a) => a.iter().for_each(|x| texts(x, out)),
                serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                    out.insert(k.clone());
                    texts(x, out)
                }),
                _ => {}
            }
        }
        if let Ok(v) = serde_json::to_value(&self.file.derive) {
            texts(&v, &mut used);
        }
        for r in &self.file.derive.recode {
            let sql = r.sql.clone();
            match crate::sql::on_sql_stack("recode", move || polars::sql::sql_expr(&sql)) {
                Ok(expr) => {
                    for e in &expr {
                        if let Expr::Column(c) = e {
                            used.insert(c.to_string());
                        }
                    }
                }
                Err(_) => return,
            }
        }
        used.extend(design.columns());
        match crate::estimate::request_columns(&pipeline.request(), design) {
            Ok(c) => used.extend(c),
            Err(_) => return,
        }
        used.extend(catalogue.dimensions.values().cloned());
        let keep: Vec<String> = names.into_iter().filter(|n| used.contains(n)).collect();
        let mut trial = RoundScan {
            path: scan.path.clone(),
            csv: scan.csv.clone(),
            schema: scan.schema.clone(),
            columns: Some(keep.clone()),
        };
        // The derivations on the kept columns must give every derived column the round has.
        let check = || -> Result<bool, ProjectError> {
            let mut round = RoundData {
                period: derived.period.clone(),
                files: derived.files.clone(),
                data: trial.empty()?,
                columns: derived.columns.clone(),
            };
            let _ = self.derive(&mut round)?;
            self.label_dimensions(base, &mut round)?;
            let needed = crate::estimate::request_columns(&pipeline.request(), design).map_err(
                |source| ProjectError::Stream {
                    path: trial.path.clone(),
                    period: derived.period.clone(),
                    source: Box::new(source),
                },
            )?;
            Ok(needed.iter().all(|c| round.data.column(c).is_ok())
                && catalogue
                    .dimensions
                    .values()
                    .filter(|c| derived.data.column(c).is_ok())
                    .all(|c| round.data.column(c).is_ok()))
        };
        if matches!(check(), Ok(true)) {
            trial.columns = None;
            scan.keep(keep);
        }
    }

    /// Reads the round of `setup` into `stream`, pass after pass, until the stream needs
    /// no more: each batch recoded, derived, labelled (from the project's `catalogue`) and
    /// weight-checked. Returns each batch's derivation reports of the first pass.
    pub(crate) fn feed(
        &self,
        setup: &StreamSetup,
        catalogue: &Catalogue,
        stream: &mut PipelineStream<'_>,
        batch_rows: usize,
    ) -> Result<Vec<Vec<DeriveReport>>, ProjectError> {
        let period = &setup.schema.period;
        let weight = setup.design.weight().to_string();
        let mut reports: Vec<Vec<DeriveReport>> = Vec::new();
        let mut first_pass = true;
        loop {
            let mut failed: Option<ProjectError> = None;
            let read =
                setup
                    .scan
                    .for_each_batch(batch_rows, |batch: &DataFrame, first_row: u64| {
                        if batch.height() == 0 {
                            return Ok(());
                        }
                        let prepared = self
                            .prepare_batch(
                                batch.clone(),
                                &setup.schema,
                                catalogue,
                                &weight,
                                first_row,
                            )
                            .and_then(|(data, r)| {
                                stream
                                    .add(&data, first_row)
                                    .map_err(|e| pipeline_error(period, e))?;
                                Ok(r)
                            });
                        match prepared {
                            Ok(r) => {
                                if first_pass {
                                    reports.push(r);
                                }
                                Ok(())
                            }
                            Err(e) => {
                                failed = Some(e);
                                Err(hri_survey::Error::InvalidRequest("stopped".into()))
                            }
                        }
                    })?;
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(|source| ProjectError::Stream {
                path: setup.scan.path().to_path_buf(),
                period: period.clone(),
                source: Box::new(source),
            })?;
            first_pass = false;
            if !stream.end_pass().map_err(|e| pipeline_error(period, e))? {
                return Ok(reports);
            }
        }
    }

    /// Each derivation's report over the batches (or over the columns without rows, when
    /// no batch had rows).
    pub(crate) fn merged_reports(
        &self,
        setup: &StreamSetup,
        reports: &[Vec<DeriveReport>],
    ) -> Result<Vec<DeriveReport>, ProjectError> {
        Ok(match reports.first() {
            None => self.derive(&mut setup.schema.clone())?,
            Some(first) => (0..first.len())
                .filter_map(|k| {
                    let parts: Vec<DeriveReport> =
                        reports.iter().filter_map(|r| r.get(k).cloned()).collect();
                    DeriveReport::merge_batches(&parts)
                })
                .collect(),
        })
    }

    /// Round `index` read in batches. The outer error stops the run; the inner one is a
    /// [`ProjectError::NotStreamable`] from the pipeline, which `auto` answers by computing
    /// the round in memory.
    #[allow(clippy::type_complexity)]
    pub(crate) fn run_streamed(
        &self,
        index: usize,
        catalogue: &Catalogue,
        settings: &Settings,
        previous: Option<Results>,
        batch_rows: usize,
    ) -> Result<Result<(RoundRun, LastRound), ProjectError>, ProjectError> {
        let setup = match self.stream_setup(index, None, catalogue, settings, previous)? {
            Ok(s) => s,
            Err(refused) => return Ok(Err(refused)),
        };
        let period = setup.schema.period.clone();
        let mut stream = setup
            .pipeline
            .stream()
            .map_err(|e| pipeline_error(&period, e))?;
        let reports = self.feed(&setup, catalogue, &mut stream, batch_rows)?;
        let rows = stream.rows() as usize;
        let passes = stream.passes();
        let estimated = stream.finish().map_err(|e| pipeline_error(&period, e))?;
        let results = setup
            .pipeline
            .results_from(&estimated)
            .map_err(|e| pipeline_error(&period, e))?;
        let derivations = self.merged_reports(&setup, &reports)?;
        Ok(Ok((
            RoundRun {
                period,
                rows,
                results,
                derivations,
                route: RoundRoute::Streamed { passes, batch_rows },
            },
            (setup.catalogue, setup.columns, setup.design, estimated),
        )))
    }
}

/// A round's main file, scanned lazily pass after pass.
pub(crate) struct RoundScan {
    path: std::path::PathBuf,
    csv: Option<CsvOptions>,
    schema: Option<SchemaRef>,
    /// The columns read (all when `None`).
    columns: Option<Vec<String>>,
}

impl RoundScan {
    fn polars(&self, source: PolarsError) -> ProjectError {
        ProjectError::Polars {
            what: format!("{}: scanning", self.path.display()),
            source,
        }
    }

    /// A lazy scan of the file: the columns kept by [`RoundScan::keep`], or every one.
    pub(crate) fn lazy(&self) -> Result<LazyFrame, ProjectError> {
        let lf = self.lazy_all()?;
        Ok(match &self.columns {
            Some(c) => lf.select(c.iter().map(|c| col(c.as_str())).collect::<Vec<_>>()),
            None => lf,
        })
    }

    /// Calls `each` on every batch of about `batch_rows` rows of the kept columns: a
    /// Parquet file by whole row groups on one reader thread
    /// ([`crate::stream::for_each_parquet_batch`], whose read-ahead is one batch), a CSV
    /// file by polars' streaming engine ([`crate::stream::for_each_batch`]).
    fn for_each_batch(
        &self,
        batch_rows: usize,
        each: impl FnMut(&DataFrame, u64) -> hri_survey::Result<()>,
    ) -> Result<hri_survey::Result<u64>, ProjectError> {
        Ok(match &self.csv {
            None => {
                let columns = self.columns.clone().unwrap_or_else(|| self.names());
                crate::stream::for_each_parquet_batch(&self.path, &columns, batch_rows, each)
            }
            Some(_) => crate::stream::for_each_batch(self.lazy()?, batch_rows, each),
        })
    }

    /// Reads only these columns from now on (in the file's order).
    fn keep(&mut self, columns: Vec<String>) {
        self.columns = Some(columns);
    }

    /// The file's column names.
    fn names(&self) -> Vec<String> {
        self.schema
            .as_ref()
            .map(|s| s.iter_names().map(|n| n.to_string()).collect())
            .unwrap_or_default()
    }

    /// A lazy scan of every column of the file.
    fn lazy_all(&self) -> Result<LazyFrame, ProjectError> {
        let text = PlRefPath::from(self.path.to_string_lossy().as_ref());
        let lf = match &self.csv {
            None => LazyFrame::scan_parquet(text, ScanArgsParquet::default()),
            Some(o) => {
                let sep = match o.separator.as_bytes() {
                    [b] if b.is_ascii() => *b,
                    _ if o.separator == "\\t" => b'\t',
                    _ => {
                        return Err(ProjectError::Source(crate::source::SourceError::Options {
                            path: self.path.clone(),
                            message: format!(
                                "csv.separator `{}` is not one ASCII character",
                                o.separator
                            ),
                        }));
                    }
                };
                if o.decimal_comma && sep == b',' {
                    return Err(ProjectError::Source(crate::source::SourceError::Options {
                        path: self.path.clone(),
                        message: "csv.decimal_comma needs a separator other than `,` (e.g. separator = \";\")".into(),
                    }));
                }
                let nulls = (!o.missing.is_empty()).then(|| {
                    NullValues::AllColumns(
                        o.missing
                            .iter()
                            .map(|s| PlSmallStr::from(s.as_str()))
                            .collect(),
                    )
                });
                LazyCsvReader::new(text)
                    .with_has_header(true)
                    .with_infer_schema_length(None)
                    .with_schema(self.schema.clone())
                    .with_separator(sep)
                    .with_decimal_comma(o.decimal_comma)
                    .with_null_values(nulls)
                    .finish()
            }
        };
        lf.map_err(|source| self.polars(source))
    }

    /// The file's columns, without rows.
    pub(crate) fn empty(&self) -> Result<DataFrame, ProjectError> {
        self.lazy()?
            .limit(0)
            .collect()
            .map_err(|source| self.polars(source))
    }

    /// The file, for messages.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
