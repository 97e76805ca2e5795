//! Reading survey microdata from CSV or Parquet files, so that only the columns a request
//! uses are read (projection pushdown).

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};

/// The file formats read, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `.parquet`, `.pq`.
    Parquet,
    /// `.csv`, `.txt`: a header row; empty fields are missing values.
    Csv,
}

/// The format of an existing file, by its extension.
fn format(path: &Path) -> Result<Format> {
    let text = path.to_string_lossy().to_string();
    if !path.exists() {
        return Err(Error::Io {
            path: text,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => Ok(Format::Parquet),
        "csv" | "txt" => Ok(Format::Csv),
        other => Err(Error::InvalidRequest(format!(
            "cannot read `{text}`: unknown file type `.{other}` (expected .csv or .parquet)"
        ))),
    }
}

/// Whether an existing file is Parquet (`.parquet`, `.pq`) rather than CSV, by its
/// extension (an unknown extension or a missing file is an error).
pub fn is_parquet(path: &Path) -> Result<bool> {
    Ok(format(path)? == Format::Parquet)
}

/// A lazy scan of a `.csv` or `.parquet` file (by extension). CSV files have a header row;
/// empty fields are missing values.
pub fn scan(path: &Path) -> Result<LazyFrame> {
    let text = PlRefPath::from(path.to_string_lossy().as_ref());
    Ok(match format(path)? {
        Format::Parquet => LazyFrame::scan_parquet(text, ScanArgsParquet::default())?,
        Format::Csv => LazyCsvReader::new(text)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .finish()?,
    })
}

/// Read a whole `.csv` or `.parquet` file.
pub fn read(path: &Path) -> Result<DataFrame> {
    Ok(scan(path)?.collect()?)
}

/// Read only the named columns of a file, in the order given (unknown names are an error
/// naming the column). Parquet files are read directly with the projection (faster than a
/// lazy scan for a one-off read); CSV files through a lazy scan.
pub fn read_columns(path: &Path, columns: &[String]) -> Result<DataFrame> {
    let unknown = |c: &String| Error::UnknownColumn {
        column: c.clone(),
        role: format!("column of {}", path.display()),
    };
    match format(path)? {
        Format::Parquet => {
            let file = std::fs::File::open(path).map_err(|e| Error::Io {
                path: path.display().to_string(),
                source: e,
            })?;
            let mut reader = ParquetReader::new(file);
            let schema = reader.schema()?;
            if let Some(c) = columns.iter().find(|c| schema.get(c.as_str()).is_none()) {
                return Err(unknown(c));
            }
            // A file of few row groups is read column by column in parallel; others by
            // row group (polars' choice).
            let parallel = if reader.get_metadata()?.row_groups.len() <= FEW_ROW_GROUPS {
                ParallelStrategy::Columns
            } else {
                ParallelStrategy::Auto
            };
            let df = reader
                .with_columns(Some(columns.to_vec()))
                .read_parallel(parallel)
                .finish()?;
            // The reader keeps the file's order; return the order asked for.
            Ok(df.select(columns.iter().map(|c| c.as_str()))?)
        }
        Format::Csv => {
            let mut lf = scan(path)?;
            let schema = lf.collect_schema()?;
            if let Some(c) = columns.iter().find(|c| schema.get(c.as_str()).is_none()) {
                return Err(unknown(c));
            }
            let exprs: Vec<Expr> = columns.iter().map(|c| col(c.as_str())).collect();
            Ok(lf.select(exprs).collect()?)
        }
    }
}

/// Row groups up to which a Parquet file is read in parallel by column.
const FEW_ROW_GROUPS: usize = 8;
