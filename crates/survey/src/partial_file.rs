//! Partial sums as a Parquet file ([`write`](fn@write), [`read`], [`merge_files`]; in memory
//! [`to_bytes`] and [`from_bytes`]): the
//! [`KeyedSums`] of one partition of the data, with the request and the design in the file's
//! metadata and a format version, so that partitions summed on different machines merge
//! into the table of the whole data.
//!
//! Format version 1. Key-value metadata: `hri.partial.format` = `hri-partial-sums`,
//! `hri.partial.format_version` = `1`, `hri.partial.request` and `hri.partial.design` (the
//! request and design as JSON; files merge only when both are equal), `hri.partial.rows`
//! (rows summed), `hri.partial.measures` and `hri.partial.by_columns` (JSON lists, for
//! readers). One row per record; `record` says which:
//!
//! | record | columns used |
//! |---|---|
//! | `stratum` | `stratum` (label), `fpc` (the stage-1 fpc value, null without) |
//! | `cell` | `by.<column>` (the cell's label of each by-column, null = missing), `rows`, and per measure `m<k>.sum_wy2`, `m<k>.n_positive`, `m<k>.sum_wxy`, `m<k>.sum_wx2` (moments of design effects) |
//! | `unit` | `stratum`, `psu` (null: a row that is its own unit), `by.<column>`, and per measure `m<k>.n_universe`, `m<k>.w_universe`, `m<k>.n_valid`, `m<k>.sum_w`, `m<k>.sum_wy`, `m<k>.sum_wx` |
//!
//! `k` counts the request's measures from 1. Sums are over the partition's rows of the
//! (sampling unit, cell): rows in the measure's universe and their weight, rows with a
//! valid value, Σw, Σw·y and Σw·x over those (x: a ratio's denominator). Labels are text.

use std::path::Path;

use polars::prelude::*;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::estimate::KeyedSums;
use crate::estimate::Request;

/// The format version written, and the only one read.
pub const FORMAT_VERSION: u32 = 1;

const UNIT_SLOTS: [&str; 6] = [
    "n_universe",
    "w_universe",
    "n_valid",
    "sum_w",
    "sum_wy",
    "sum_wx",
];
const CELL_SLOTS: [&str; 4] = ["sum_wy2", "n_positive", "sum_wxy", "sum_wx2"];

fn format_error(path: &Path, problem: impl Into<String>) -> Error {
    Error::PartialFormat {
        path: path.display().to_string(),
        problem: problem.into(),
    }
}

/// Write partial sums to a Parquet file in the format above.
pub fn write(sums: &mut KeyedSums, path: &Path) -> Result<()> {
    write_with_metadata(sums, path, Vec::new())
}

/// As [`write`](fn@write), with further key-value metadata (what a caller needs to say of the sums'
/// origin; keys in a namespace of its own, not `hri.partial.`). [`metadata`] reads them.
pub fn write_with_metadata(
    sums: &mut KeyedSums,
    path: &Path,
    extra: Vec<(String, String)>,
) -> Result<()> {
    if let Some((k, _)) = extra.iter().find(|(k, _)| k.starts_with("hri.partial.")) {
        return Err(Error::InvalidRequest(format!(
            "metadata key `{k}` is the partial-sums format's own"
        )));
    }
    let file = std::fs::File::create(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    write_to(sums, file, extra)
}

/// Partial sums as the bytes of a Parquet file in the format above, held in memory: the
/// state that an aggregate of a query engine (DataFusion, Spark) passes from its partial
/// to its final phase. [`from_bytes`] reads them back.
pub fn to_bytes(sums: &mut KeyedSums) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_to(sums, &mut out, Vec::new())?;
    Ok(out)
}

/// Write partial sums in the format above, with `extra` key-value metadata, to any writer.
fn write_to(
    sums: &mut KeyedSums,
    out: impl std::io::Write,
    extra: Vec<(String, String)>,
) -> Result<()> {
    sums.consolidate();
    let m = sums.request.measures.len();
    let ex = sums.width_extra();
    let width = sums.table.width();
    let (n_strata, n_cells, n_entries) =
        (sums.strata.len(), sums.cells.len(), sums.table.keys.len());
    let total = n_strata + n_cells + n_entries;
    let mut record: Vec<&str> = Vec::with_capacity(total);
    let mut stratum: Vec<Option<&str>> = Vec::with_capacity(total);
    let mut psu: Vec<Option<&str>> = Vec::with_capacity(total);
    let mut fpc: Vec<Option<f64>> = Vec::with_capacity(total);
    let mut rows: Vec<Option<f64>> = Vec::with_capacity(total);
    let mut by: Vec<Vec<Option<&str>>> = vec![Vec::with_capacity(total); sums.columns.len()];
    let mut unit_cols: Vec<Vec<Option<f64>>> =
        vec![Vec::with_capacity(total); m * UNIT_SLOTS.len()];
    let mut cell_cols: Vec<Vec<Option<f64>>> =
        vec![Vec::with_capacity(total); m * CELL_SLOTS.len()];
    let none_unit = |cols: &mut Vec<Vec<Option<f64>>>| cols.iter_mut().for_each(|c| c.push(None));
    for (h, label) in sums.strata.iter().enumerate() {
        record.push("stratum");
        stratum.push(Some(label));
        psu.push(None);
        let x = sums.fpc[h];
        fpc.push((!x.is_nan()).then_some(x));
        rows.push(None);
        by.iter_mut().for_each(|c| c.push(None));
        none_unit(&mut unit_cols);
        none_unit(&mut cell_cols);
    }
    for (c, labels) in sums.cells.iter().enumerate() {
        record.push("cell");
        stratum.push(None);
        psu.push(None);
        fpc.push(None);
        let extra = &sums.cell_extra[c * ex..(c + 1) * ex];
        rows.push(Some(extra[0]));
        for (j, l) in labels.iter().enumerate() {
            by[j].push(l.as_deref());
        }
        none_unit(&mut unit_cols);
        for (k, col) in cell_cols.iter_mut().enumerate() {
            col.push(Some(extra[1 + k]));
        }
    }
    for (e, &key) in sums.table.keys.iter().enumerate() {
        let (u, c) = ((key >> 32) as usize, (key & 0xffff_ffff) as usize);
        let unit = &sums.units[u];
        record.push("unit");
        stratum.push(Some(&sums.strata[unit.stratum as usize]));
        psu.push(unit.psu.as_deref());
        fpc.push(None);
        rows.push(None);
        for (j, l) in sums.cells[c].iter().enumerate() {
            by[j].push(l.as_deref());
        }
        let values = &sums.table.values[e * width..(e + 1) * width];
        for (k, col) in unit_cols.iter_mut().enumerate() {
            col.push(Some(values[k]));
        }
        none_unit(&mut cell_cols);
    }
    let mut columns = vec![
        Column::new("record".into(), record),
        Column::new("stratum".into(), stratum),
        Column::new("psu".into(), psu),
    ];
    for (j, name) in sums.columns.iter().enumerate() {
        columns.push(Column::new(
            format!("by.{name}").into(),
            std::mem::take(&mut by[j]),
        ));
    }
    columns.push(Column::new("fpc".into(), fpc));
    columns.push(Column::new("rows".into(), rows));
    for mi in 0..m {
        for (s, slot) in UNIT_SLOTS.iter().enumerate() {
            let values = std::mem::take(&mut unit_cols[mi * UNIT_SLOTS.len() + s]);
            columns.push(Column::new(format!("m{}.{slot}", mi + 1).into(), values));
        }
        for (s, slot) in CELL_SLOTS.iter().enumerate() {
            let values = std::mem::take(&mut cell_cols[mi * CELL_SLOTS.len() + s]);
            columns.push(Column::new(format!("m{}.{slot}", mi + 1).into(), values));
        }
    }
    let mut df = DataFrame::new_infer_height(columns)?;
    let kv = vec![
        (
            "hri.partial.format".to_string(),
            "hri-partial-sums".to_string(),
        ),
        (
            "hri.partial.format_version".to_string(),
            FORMAT_VERSION.to_string(),
        ),
        ("hri.partial.request".to_string(), json(&sums.request)),
        ("hri.partial.design".to_string(), json(&sums.design)),
        ("hri.partial.rows".to_string(), sums.rows.to_string()),
        (
            "hri.partial.measures".to_string(),
            json(
                &sums
                    .request
                    .measures
                    .iter()
                    .map(|m| m.id.clone())
                    .collect::<Vec<_>>(),
            ),
        ),
        ("hri.partial.by_columns".to_string(), json(&sums.columns)),
    ];
    let kv: Vec<(String, String)> = kv.into_iter().chain(extra).collect();
    ParquetWriter::new(out)
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(kv)))
        .finish(&mut df)?;
    Ok(())
}

/// A value as JSON text (for the file's metadata).
fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The key-value metadata of a Parquet file (a partial-sums file's format keys and any
/// written by [`write_with_metadata`]), in the file's order.
pub fn metadata(path: &Path) -> Result<Vec<(String, String)>> {
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    let mut reader = ParquetReader::new(file);
    let meta = reader.get_metadata()?.clone();
    Ok(meta
        .key_value_metadata()
        .as_ref()
        .map(|v| {
            v.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default())
}

/// Read a partial-sums file written by [`write`](fn@write) (format version 1). A file of another
/// format or version, or with a column or metadata key missing, is an
/// [`Error::PartialFormat`] naming the file.
pub fn read(path: &Path) -> Result<KeyedSums> {
    let file = std::fs::File::open(path).map_err(|e| Error::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    read_from(file, path)
}

/// Read partial sums from the bytes of a file written by [`to_bytes`] (or [`write`](fn@write));
/// `source` names them in errors ([`Error::PartialFormat`]) and in merge mismatches.
pub fn from_bytes(bytes: &[u8], source: &str) -> Result<KeyedSums> {
    read_from(std::io::Cursor::new(bytes), Path::new(source))
}

/// Read partial sums in the format above from a reader; `path` names it in errors.
fn read_from(source: impl polars::io::mmap::MmapBytesReader, path: &Path) -> Result<KeyedSums> {
    let mut reader = ParquetReader::new(source);
    let meta = reader
        .get_metadata()
        .map_err(|e| format_error(path, format!("not a Parquet file: {e}")))?
        .clone();
    let kv: Vec<(String, String)> = meta
        .key_value_metadata()
        .as_ref()
        .map(|v| {
            v.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let get = |key: &str| {
        kv.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                format_error(
                    path,
                    format!("no `{key}` in the file's metadata: not a partial-sums file"),
                )
            })
    };
    if get("hri.partial.format")? != "hri-partial-sums" {
        return Err(format_error(path, "not a partial-sums file"));
    }
    let version = get("hri.partial.format_version")?;
    if version != FORMAT_VERSION.to_string() {
        return Err(format_error(
            path,
            format!("format version {version}; this program reads version {FORMAT_VERSION}"),
        ));
    }
    let request: Request = serde_json::from_str(&get("hri.partial.request")?)
        .map_err(|e| format_error(path, format!("request: {e}")))?;
    let design: Design = serde_json::from_str(&get("hri.partial.design")?)
        .map_err(|e| format_error(path, format!("design: {e}")))?;
    let rows: u64 = get("hri.partial.rows")?
        .parse()
        .map_err(|_| format_error(path, "rows is not a number"))?;
    let mut sums = KeyedSums::new(&request, &design)?.with_source(path.display().to_string());
    let df = reader.finish()?;
    let m = request.measures.len();
    let text = |name: &str| -> Result<StringChunked> {
        let c = df
            .column(name)
            .map_err(|_| format_error(path, format!("no column `{name}`")))?;
        Ok(c.str()
            .map_err(|_| format_error(path, format!("column `{name}` is not text")))?
            .clone())
    };
    let number = |name: &str| -> Result<Float64Chunked> {
        let c = df
            .column(name)
            .map_err(|_| format_error(path, format!("no column `{name}`")))?;
        Ok(c.f64()
            .map_err(|_| format_error(path, format!("column `{name}` is not a float")))?
            .clone())
    };
    let record = text("record")?;
    let stratum = text("stratum")?;
    let psu = text("psu")?;
    let by: Vec<StringChunked> = sums
        .columns
        .clone()
        .iter()
        .map(|c| text(&format!("by.{c}")))
        .collect::<Result<_>>()?;
    let fpc = number("fpc")?;
    let cell_rows = number("rows")?;
    let mut unit_cols = Vec::with_capacity(m * UNIT_SLOTS.len());
    let mut cell_cols = Vec::with_capacity(m * CELL_SLOTS.len());
    for mi in 1..=m {
        for slot in UNIT_SLOTS {
            unit_cols.push(number(&format!("m{mi}.{slot}"))?);
        }
        for slot in CELL_SLOTS {
            cell_cols.push(number(&format!("m{mi}.{slot}"))?);
        }
    }
    let ex = sums.width_extra();
    let missing = |i: usize, what: &str| format_error(path, format!("row {i}: no {what}"));
    let mut keys = Vec::new();
    let mut values = Vec::new();
    for i in 0..df.height() {
        let labels = || {
            by.iter()
                .map(|c| c.get(i).map(str::to_string))
                .collect::<Vec<_>>()
        };
        match record.get(i) {
            Some("stratum") => {
                let h = sums.stratum(stratum.get(i).ok_or_else(|| missing(i, "stratum"))?);
                if let Some(x) = fpc.get(i) {
                    sums.set_fpc(h, x, None)?;
                }
            }
            Some("cell") => {
                let c = sums.cell(labels()) as usize;
                let n = cell_rows.get(i).ok_or_else(|| missing(i, "rows"))?;
                sums.cell_extra[c * ex] += n;
                for (k, col) in cell_cols.iter().enumerate() {
                    sums.cell_extra[c * ex + 1 + k] +=
                        col.get(i).ok_or_else(|| missing(i, "moment"))?;
                }
            }
            Some("unit") => {
                let h = sums.stratum(stratum.get(i).ok_or_else(|| missing(i, "stratum"))?);
                let u = sums.unit(h, psu.get(i))?;
                let c = sums.cell(labels());
                keys.push((u64::from(u) << 32) | u64::from(c));
                for col in &unit_cols {
                    values.push(col.get(i).ok_or_else(|| missing(i, "sum"))?);
                }
            }
            other => {
                return Err(format_error(
                    path,
                    format!("row {i}: unknown record {other:?}"),
                ));
            }
        }
    }
    let table = crate::estimate::keyed_sorted(keys, values, m, 0);
    sums.push(table);
    sums.rows = rows;
    Ok(sums)
}

/// Read partial-sums files and merge them: the first file's request and design are
/// those of all ([`Error::PartialMismatch`] names a file that differs).
pub fn merge_files(paths: &[impl AsRef<Path>]) -> Result<KeyedSums> {
    let Some((first, rest)) = paths.split_first() else {
        return Err(Error::InvalidRequest(
            "no partial-sums file to merge".into(),
        ));
    };
    let mut sums = read(first.as_ref())?;
    for p in rest {
        sums.merge(read(p.as_ref())?)?;
    }
    Ok(sums)
}
