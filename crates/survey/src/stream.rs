//! Streaming estimation: a CSV or Parquet file (or any lazy query) read in batches of rows,
//! each batch added to [`KeyedSums`] and dropped, so that memory holds one batch and the
//! partial sums, never the whole file. Lazy queries (and CSV files) are read by polars'
//! streaming engine; Parquet files by whole row groups on one reader thread
//! ([`for_each_parquet_batch`]), which holds less than the streaming engine's read-ahead.

use std::num::NonZeroUsize;
use std::path::Path;

use polars::prelude::*;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::estimate::{Estimates, KeyedSums, Request, request_columns};

/// Rows per batch by default: about 40 MB of the pilot table's columns.
pub const DEFAULT_BATCH_ROWS: usize = 500_000;

/// Call `each` on every batch of about `batch_rows` rows of a lazy query, read by polars'
/// streaming engine in the query's order, with the number of the batch's first row. Peak
/// memory: one or two batches and what `each` keeps. The first error stops the reading.
pub fn for_each_batch(
    query: LazyFrame,
    batch_rows: usize,
    mut each: impl FnMut(&DataFrame, u64) -> Result<()>,
) -> Result<u64> {
    let (send, recv) = std::sync::mpsc::sync_channel::<DataFrame>(1);
    // The callback returns true to stop: when the receiver has gone (an error here).
    let sink = query.sink_batches(
        PlanCallback::new(move |df: DataFrame| Ok(send.send(df).is_err())),
        true,
        NonZeroUsize::new(batch_rows.max(1)),
    )?;
    let runner = std::thread::spawn(move || sink.collect_with_engine(Engine::Streaming));
    let mut first_row = 0u64;
    let mut failed = None;
    for batch in recv.iter() {
        if let Err(e) = each(&batch, first_row) {
            failed = Some(e);
            break;
        }
        first_row += batch.height() as u64;
    }
    drop(recv);
    let run = runner
        .join()
        .map_err(|_| Error::InvalidRequest("the streaming reader stopped unexpectedly".into()))?;
    if let Some(e) = failed {
        return Err(e);
    }
    run?;
    Ok(first_row)
}

/// Call `each` on every batch of the named `columns` of a Parquet file (in that order), in
/// the file's order, with the number of the batch's first row. A batch is whole row
/// groups: as few as make `batch_rows` rows, at least one. One reader thread decodes the
/// next batch while `each` runs on this one: peak memory is about three batches and what
/// `each` keeps. An unknown column is an error naming it; the first error stops the
/// reading.
pub fn for_each_parquet_batch(
    path: &Path,
    columns: &[String],
    batch_rows: usize,
    mut each: impl FnMut(&DataFrame, u64) -> Result<()>,
) -> Result<u64> {
    let open = |path: &Path| {
        std::fs::File::open(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })
    };
    let mut reader = ParquetReader::new(open(path)?);
    let schema = reader.schema()?;
    if let Some(c) = columns.iter().find(|c| schema.get(c.as_str()).is_none()) {
        return Err(Error::UnknownColumn {
            column: c.clone(),
            role: format!("column of {}", path.display()),
        });
    }
    let metadata = reader.get_metadata()?.clone();
    // (first row, rows) of each batch of whole row groups
    let mut slices = Vec::new();
    let (mut start, mut len) = (0usize, 0usize);
    for rg in &metadata.row_groups {
        len += rg.num_rows();
        if len >= batch_rows.max(1) {
            slices.push((start, len));
            start += len;
            len = 0;
        }
    }
    if len > 0 {
        slices.push((start, len));
    }
    let (send, recv) = std::sync::mpsc::sync_channel::<Result<DataFrame>>(1);
    let (path_buf, columns) = (path.to_path_buf(), columns.to_vec());
    let runner = std::thread::spawn(move || {
        for (offset, len) in slices {
            let batch = open(&path_buf).and_then(|file| {
                let mut r = ParquetReader::new(file);
                r.set_metadata(metadata.clone());
                let df = r
                    .with_columns(Some(columns.clone()))
                    .with_slice(Some((offset, len)))
                    .finish()?;
                // The reader keeps the file's order of columns; give the order asked for.
                Ok(df.select(columns.iter().map(|c| c.as_str()))?)
            });
            let failed = batch.is_err();
            // stop when the receiver has gone (an error there) or after an error here
            if send.send(batch).is_err() || failed {
                break;
            }
        }
    });
    let mut first_row = 0u64;
    let mut failed = None;
    for batch in recv.iter() {
        match batch.and_then(|b| each(&b, first_row).map(|()| b.height() as u64)) {
            Ok(rows) => first_row += rows,
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    drop(recv);
    runner
        .join()
        .map_err(|_| Error::InvalidRequest("the Parquet reader stopped unexpectedly".into()))?;
    match failed {
        Some(e) => Err(e),
        None => Ok(first_row),
    }
}

/// Partial sums of every row of a lazy query, read in batches ([`for_each_batch`]): what
/// `hri partial` writes. Memory: one entry per (sampling unit, domain cell) of the data.
pub fn sums_of_lazy(
    query: LazyFrame,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<KeyedSums> {
    let mut sums = KeyedSums::new(request, design)?;
    for_each_batch(query, batch_rows, |batch, first_row| {
        sums.add(batch, first_row)
    })?;
    Ok(sums)
}

/// The estimates of a lazy query in bounded memory, in two passes over it (`query` is
/// called once per pass): the first keeps cell totals and the names of strata and PSUs,
/// the second the sums of the strata not yet complete, each stratum's variance computed
/// as soon as its last row is read. Memory is bounded when the rows come grouped by
/// stratum (any order within a stratum); in any other order it holds up to every
/// (unit, cell) sum, as [`sums_of_lazy`] does. Designs without PSUs take one pass
/// ([`sums_of_lazy`]). Equal to the in-memory table to rounding (1e-12 in the tests).
pub fn estimate_lazy(
    query: impl Fn() -> Result<LazyFrame>,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<Estimates> {
    estimate_batches(
        |each| for_each_batch(query()?, batch_rows, each),
        request,
        design,
    )
}

/// One pass over a stream: calls its argument on every batch with the number of the
/// batch's first row, and returns the rows read.
type Pass<'a> = dyn FnMut(&DataFrame, u64) -> Result<()> + 'a;

/// [`estimate_lazy`] over any source of batches: `read` makes one pass over the stream
/// each time it is called (once or twice).
fn estimate_batches(
    read: impl Fn(&mut Pass<'_>) -> Result<u64>,
    request: &Request,
    design: &Design,
) -> Result<Estimates> {
    if design.stages().is_empty() {
        let mut sums = KeyedSums::new(request, design)?;
        read(&mut |batch, first_row| sums.add(batch, first_row))?;
        return sums.finish();
    }
    let mut first = KeyedSums::new(request, design)?;
    first.cells_only = true;
    read(&mut |batch, first_row| first.add(batch, first_row))?;
    let mut second = crate::estimate::StratumPass::new(first)?;
    read(&mut |batch, first_row| second.add(batch, first_row))?;
    second.finish()
}

/// Call `each` on every batch of the columns a request reads from a `.csv` or `.parquet`
/// file: Parquet by whole row groups ([`for_each_parquet_batch`]), CSV through polars'
/// streaming engine ([`for_each_batch`]).
pub fn for_each_file_batch(
    path: &Path,
    request: &Request,
    design: &Design,
    batch_rows: usize,
    each: impl FnMut(&DataFrame, u64) -> Result<()>,
) -> Result<u64> {
    if crate::io::is_parquet(path)? {
        let columns = request_columns(request, design)?;
        for_each_parquet_batch(path, &columns, batch_rows, each)
    } else {
        for_each_batch(scan_request(path, request, design)?, batch_rows, each)
    }
}

/// A lazy scan of the columns a request reads from a `.csv` or `.parquet` file (an unknown
/// column is an error naming it).
pub fn scan_request(path: &Path, request: &Request, design: &Design) -> Result<LazyFrame> {
    let mut lf = crate::io::scan(path)?;
    let schema = lf.collect_schema()?;
    let columns = request_columns(request, design)?;
    if let Some(c) = columns.iter().find(|c| schema.get(c.as_str()).is_none()) {
        return Err(Error::UnknownColumn {
            column: c.clone(),
            role: format!("column of {}", path.display()),
        });
    }
    Ok(lf.select(columns.iter().map(|c| col(c.as_str())).collect::<Vec<_>>()))
}

/// Partial sums of a whole file, read in batches ([`for_each_file_batch`]); the source
/// of the sums is the file's name.
pub fn sums_of_file(
    path: &Path,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<KeyedSums> {
    let mut sums = KeyedSums::new(request, design)?;
    for_each_file_batch(path, request, design, batch_rows, |batch, first_row| {
        sums.add(batch, first_row)
    })?;
    Ok(sums.with_source(path.display().to_string()))
}

/// The estimates of a file in bounded memory, in two passes as [`estimate_lazy`] makes
/// them, each over [`for_each_file_batch`]. Equal to [`crate::Survey::estimate`] on the
/// whole file to rounding (1e-12 relative in the tests).
pub fn estimate_file(
    path: &Path,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<Estimates> {
    estimate_batches(
        |each| for_each_file_batch(path, request, design, batch_rows, each),
        request,
        design,
    )
}
