//! Streaming estimation: a CSV or Parquet file (or any lazy query) read in batches of rows
//! by polars' streaming engine, each batch added to [`KeyedSums`] and dropped, so that
//! memory holds one batch and the partial sums, never the whole file.

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
    if design.stages().is_empty() {
        return sums_of_lazy(query()?, request, design, batch_rows)?.finish();
    }
    let mut first = KeyedSums::new(request, design)?;
    first.cells_only = true;
    for_each_batch(query()?, batch_rows, |batch, first_row| {
        first.add(batch, first_row)
    })?;
    let mut second = crate::estimate::StratumPass::new(first)?;
    for_each_batch(query()?, batch_rows, |batch, first_row| {
        second.add(batch, first_row)
    })?;
    second.finish()
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

/// Partial sums of a whole file, read in batches ([`sums_of_lazy`]); the source of the
/// sums is the file's name.
pub fn sums_of_file(
    path: &Path,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<KeyedSums> {
    let lf = scan_request(path, request, design)?;
    Ok(sums_of_lazy(lf, request, design, batch_rows)?.with_source(path.display().to_string()))
}

/// The estimates of a file in bounded memory: [`estimate_lazy`] over
/// [`scan_request`]. Equal to [`crate::Survey::estimate`] on the whole file to rounding
/// (1e-12 relative in the tests).
pub fn estimate_file(
    path: &Path,
    request: &Request,
    design: &Design,
    batch_rows: usize,
) -> Result<Estimates> {
    estimate_lazy(
        || scan_request(path, request, design),
        request,
        design,
        batch_rows,
    )
}
