//! Writers for a [`Results`] table: CSV, Parquet, JSON, SDMX-CSV and the HTML report.
//!
//! | file | writer | content |
//! |---|---|---|
//! | `indicators.csv` | [`write_csv`] | the `indicators` table ([`crate::results`] schema), one header line, RFC 4180 quoting |
//! | `indicators.parquet` | [`write_parquet`] | the same table, same column types, with provenance in the file's key-value metadata |
//! | `indicators.json` | [`write_json`] | the same table as a JSON array of objects, one per row, keys in column order |
//! | `indicators.sdmx.csv` | [`write_sdmx_csv`] | the survey observations as SDMX-CSV 1.0, in the project's own national dataflow `HRI:DF_HRI_MIGRANTS` (see [`sdmx`]) |
//! | `indicators.sdmx.structure.xml` | [`write_sdmx_structure`] | the data structure definition of that dataflow, as an SDMX-ML 2.1 structure message, so that SDMX tools can load the file (see [`structure`]) |
//! | `indicators.sdg.csv` | [`write_sdg_csv`] | the observations of the indicators mapped to an SDG series, conformant to the SDG DSD `IAEG-SDGs:SDG`, for the SDG Global Database (see [`sdg`]) |
//! | `metadata.json` | [`write_metadata_json`] | one metadata sheet per indicator (see [`metadata`]) |
//! | `report.html` | [`crate::report::render`] | one self-contained page for readers |
//!
//! [`write_all`] writes the eight files into a directory.
//!
//! # Numbers and missing values
//!
//! Numbers are written at full precision: in CSV and SDMX-CSV with Rust's `{}` formatting of
//! `f64`, the shortest decimal text that reads back to the identical `f64` (no exponent, so
//! `1e-7` is written `0.0000001`); in JSON with `serde_json`'s shortest round-trip form
//! (`3.0`, `1e-7`). A missing value is an empty field in CSV (an empty *string* is written
//! `""`, so the two stay distinct) and `null` in JSON. The values present in the `Results`
//! are always finite; a non-finite value in a frame given to [`frame_to_csv`] is written
//! `NaN`, `inf` or `-inf` in CSV (which Rust reads back) and `null` in JSON.
//!
//! # Synthetic data
//!
//! With [`ExportOptions::synthetic`] set, every file says so: CSV, JSON and Parquet get a
//! last Boolean column `synthetic` (always `true`), the Parquet metadata carries
//! `hri.synthetic` = [`SYNTHETIC_NOTICE`](crate::framework::SYNTHETIC_NOTICE), the SDMX-CSV file a
//! last attribute column `SYNTHETIC` (`true`), and the report a banner.
//!
//! # Determinism
//!
//! Nothing in the output depends on the clock, the machine or hash-map order: writing the
//! same `Results` twice gives byte-identical files (tested).

mod csv;
mod json;
pub mod metadata;
mod parquet;
pub mod sdg;
pub mod sdmx;
pub mod structure;

use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, DataType, PolarsError};

use crate::report::{self, ReportOptions};
use crate::results::Results;

pub use self::csv::quote;
pub use self::csv::{CsvTable, frame_to_csv, read_csv, write_csv};
pub use self::json::{frame_to_json, write_json};
pub use self::metadata::{METADATA_JSON, write_metadata_json};
pub use self::parquet::write_parquet;
pub use self::sdg::{INDICATORS_SDG_CSV, SdgCsvVersion, SdgExport, SdgOptions, write_sdg_csv};
pub use self::sdmx::{SdmxObservation, SdmxOptions, read_sdmx_csv, write_sdmx_csv};
pub use self::structure::{INDICATORS_SDMX_STRUCTURE, write_sdmx_structure};

/// File name of the CSV indicator table.
pub const INDICATORS_CSV: &str = "indicators.csv";
/// File name of the Parquet indicator table.
pub const INDICATORS_PARQUET: &str = "indicators.parquet";
/// File name of the JSON indicator table.
pub const INDICATORS_JSON: &str = "indicators.json";
/// File name of the SDMX-CSV observations.
pub const INDICATORS_SDMX_CSV: &str = "indicators.sdmx.csv";
/// File name of the HTML report.
pub const REPORT_HTML: &str = "report.html";
/// Name of the Boolean column added to CSV, JSON and Parquet output of synthetic data.
pub const SYNTHETIC_COLUMN: &str = "synthetic";

/// Errors of the writers and readers; each names the file and, where it applies, the
/// line and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A file or directory could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// polars failed while preparing or writing a table.
    #[error("cannot write {path}: {source}")]
    Polars {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: PolarsError,
    },
    /// A column has a data type the writer does not handle.
    #[error(
        "{file}: column `{column}` has type {dtype}, which the {format} writer does not support"
    )]
    UnsupportedType {
        /// The file being written (or `<memory>`).
        file: String,
        /// The column.
        column: String,
        /// Its data type.
        dtype: String,
        /// The format (`CSV`, `JSON`).
        format: &'static str,
    },
    /// A file being read is not well-formed (unterminated quote, wrong number of fields).
    #[error("{path}, line {line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A required column is absent from a file being read.
    #[error("{path}: no column `{column}` in the header")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A field has a value that cannot be read (e.g. a number that does not parse).
    #[error("{path}, line {line}, column `{column}`: {message}")]
    Value {
        /// The file.
        path: PathBuf,
        /// 1-based line of the record.
        line: usize,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// Two observations of the SDMX-CSV output would have the same series key.
    #[error(
        "{file}: indicator `{indicator}`, group `{group}`: series key {key} is already used by another row (two group values map to the same SDMX code)"
    )]
    DuplicateKey {
        /// The file being written.
        file: String,
        /// The indicator.
        indicator: String,
        /// The group label of the second row.
        group: String,
        /// The key, as `DIM=CODE` pairs.
        key: String,
    },
    /// An export option is invalid.
    #[error("invalid export option `{field}` = '{value}': {message}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// Its value.
        value: String,
        /// Why it is invalid.
        message: String,
    },
}

/// Options of [`write_all_with`].
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Whether the results come from synthetic data; labels every file (see the
    /// [module documentation](self)) and shows the banner in the report.
    pub synthetic: bool,
    /// Dataflow identification of the SDMX-CSV file.
    pub sdmx: SdmxOptions,
    /// SDMX-CSV version and dataflow of the SDG file.
    pub sdg: SdgOptions,
    /// Header, synthetic banner and notes of the report (the register and the catalogue's
    /// texts come with the results).
    pub report: ReportOptions,
}

impl ExportOptions {
    /// Default options (not synthetic, default dataflow, default report header).
    pub fn new() -> Self {
        ExportOptions::default()
    }

    /// Marks the results as computed from synthetic data.
    pub fn synthetic(mut self, synthetic: bool) -> Self {
        self.synthetic = synthetic;
        self
    }

    /// Sets the SDMX dataflow identification.
    pub fn sdmx(mut self, sdmx: SdmxOptions) -> Self {
        self.sdmx = sdmx;
        self
    }

    /// Sets the SDG file's options (SDMX-CSV 1.0 or 2.0, dataflow).
    pub fn sdg(mut self, sdg: SdgOptions) -> Self {
        self.sdg = sdg;
        self
    }

    /// Sets the report options.
    pub fn report(mut self, report: ReportOptions) -> Self {
        self.report = report;
        self
    }
}

/// The files written by [`write_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// `indicators.csv`.
    pub csv: PathBuf,
    /// `indicators.parquet`.
    pub parquet: PathBuf,
    /// `indicators.json`.
    pub json: PathBuf,
    /// `indicators.sdmx.csv`.
    pub sdmx: PathBuf,
    /// `indicators.sdmx.structure.xml`.
    pub sdmx_structure: PathBuf,
    /// `indicators.sdg.csv`.
    pub sdg: PathBuf,
    /// `metadata.json`.
    pub metadata: PathBuf,
    /// `report.html`.
    pub report: PathBuf,
    /// What the SDG file holds and which rows it left out, by reason.
    pub sdg_export: SdgExport,
}

impl Written {
    /// The eight paths, in the order above.
    pub fn paths(&self) -> [&Path; 8] {
        [
            &self.csv,
            &self.parquet,
            &self.json,
            &self.sdmx,
            &self.sdmx_structure,
            &self.sdg,
            &self.metadata,
            &self.report,
        ]
    }
}

/// Writes `indicators.csv`, `indicators.parquet`, `indicators.json`, `indicators.sdmx.csv`,
/// `indicators.sdmx.structure.xml`, `indicators.sdg.csv`, `metadata.json` and `report.html`
/// into `dir` (created if needed) with default options.
///
/// # Errors
/// [`ExportError`] naming the file that could not be written.
pub fn write_all(results: &Results, dir: impl AsRef<Path>) -> Result<Written, ExportError> {
    write_all_with(results, dir, &ExportOptions::default())
}

/// As [`write_all`], with options (synthetic label, SDMX dataflow, report header). The
/// report shows the register and the catalogue's texts that the pipeline put into the
/// results.
///
/// ```no_run
/// # fn demo(results: &hri::results::Results) -> Result<(), hri::export::ExportError> {
/// use hri::export::{ExportOptions, write_all_with};
/// use hri::report::ReportOptions;
///
/// let options = ExportOptions::new().synthetic(true).report(
///     ReportOptions::new()
///         .country("Mexico")
///         .survey("Synthetic ENOE-style labour force survey"),
/// );
/// let written = write_all_with(results, "out/mexico", &options)?;
/// println!("report: {}", written.report.display());
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`ExportError`] naming the file that could not be written.
pub fn write_all_with(
    results: &Results,
    dir: impl AsRef<Path>,
    options: &ExportOptions,
) -> Result<Written, ExportError> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Written {
        csv: dir.join(INDICATORS_CSV),
        parquet: dir.join(INDICATORS_PARQUET),
        json: dir.join(INDICATORS_JSON),
        sdmx: dir.join(INDICATORS_SDMX_CSV),
        sdmx_structure: dir.join(INDICATORS_SDMX_STRUCTURE),
        sdg: dir.join(INDICATORS_SDG_CSV),
        metadata: dir.join(METADATA_JSON),
        report: dir.join(REPORT_HTML),
        sdg_export: SdgExport::default(),
    };
    write_csv(results, &written.csv, options.synthetic)?;
    write_parquet(results, &written.parquet, options.synthetic)?;
    write_json(results, &written.json, options.synthetic)?;
    write_sdmx_csv(results, &written.sdmx, &options.sdmx, options.synthetic)?;
    write_sdmx_structure(
        results,
        &written.sdmx,
        &written.sdmx_structure,
        &options.sdmx,
    )?;
    written.sdg_export = write_sdg_csv(results, &written.sdg, &options.sdg, options.synthetic)?;
    write_metadata_json(results, &written.metadata, options.synthetic)?;
    let mut report_options = options.report.clone();
    report_options.synthetic |= options.synthetic;
    write_bytes(
        &written.report,
        report::render(results, &report_options).as_bytes(),
    )?;
    Ok(written)
}

/// Writes `bytes` to `path`, naming the file in the error.
pub(crate) fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    std::fs::write(path, bytes).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a whole text file, naming the file in the error.
pub(crate) fn read_text(path: &Path) -> Result<String, ExportError> {
    std::fs::read_to_string(path).map_err(|source| ExportError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The indicator table to write: `results.indicators()`, plus the `synthetic` column when
/// asked.
pub(crate) fn output_frame(
    results: &Results,
    synthetic: bool,
    path: &Path,
) -> Result<DataFrame, ExportError> {
    let mut df = results.indicators().clone();
    if synthetic {
        let height = df.height();
        df.with_column(Column::new(SYNTHETIC_COLUMN.into(), vec![true; height]))
            .map_err(|source| ExportError::Polars {
                path: path.to_path_buf(),
                source,
            })?;
    }
    Ok(df)
}

/// One cell of a frame, typed for the text writers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    /// Missing.
    Null,
    /// Text.
    Text(&'a str),
    /// A 64-bit float.
    Float(f64),
    /// A 32-bit float (printed as such, not widened).
    Float32(f32),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    UInt(u64),
    /// A Boolean.
    Bool(bool),
}

/// A frame's columns as typed cells, column by column.
pub(crate) struct Cells {
    columns: Vec<Column>,
}

impl Cells {
    /// Checks the column types and prepares integer columns (cast to 64 bits).
    pub(crate) fn new(
        df: &DataFrame,
        file: &str,
        format: &'static str,
    ) -> Result<Cells, ExportError> {
        let polars_err = |source| ExportError::Polars {
            path: PathBuf::from(file),
            source,
        };
        let mut columns = Vec::with_capacity(df.width());
        for c in df.columns() {
            let prepared = match c.dtype() {
                DataType::String
                | DataType::Float64
                | DataType::Float32
                | DataType::Boolean
                | DataType::Int64
                | DataType::UInt64 => c.clone(),
                DataType::Int8 | DataType::Int16 | DataType::Int32 => {
                    c.cast(&DataType::Int64).map_err(polars_err)?
                }
                DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => {
                    c.cast(&DataType::UInt64).map_err(polars_err)?
                }
                DataType::Null => c.cast(&DataType::String).map_err(polars_err)?,
                other => {
                    return Err(ExportError::UnsupportedType {
                        file: file.to_string(),
                        column: c.name().to_string(),
                        dtype: other.to_string(),
                        format,
                    });
                }
            };
            columns.push(prepared);
        }
        Ok(Cells { columns })
    }

    /// Column names.
    pub(crate) fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name().as_str()).collect()
    }

    /// Number of columns.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// The cell of column `j`, row `i` (types were checked in [`Cells::new`]).
    pub(crate) fn get(&self, j: usize, i: usize) -> Cell<'_> {
        let c = &self.columns[j];
        let cell = match c.dtype() {
            DataType::String => c.str().ok().and_then(|a| a.get(i)).map(Cell::Text),
            DataType::Float64 => c.f64().ok().and_then(|a| a.get(i)).map(Cell::Float),
            DataType::Float32 => c.f32().ok().and_then(|a| a.get(i)).map(Cell::Float32),
            DataType::Boolean => c.bool().ok().and_then(|a| a.get(i)).map(Cell::Bool),
            DataType::Int64 => c.i64().ok().and_then(|a| a.get(i)).map(Cell::Int),
            DataType::UInt64 => c.u64().ok().and_then(|a| a.get(i)).map(Cell::UInt),
            _ => None,
        };
        cell.unwrap_or(Cell::Null)
    }
}
