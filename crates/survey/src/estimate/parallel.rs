//! Work split in two and run on polars' worker threads: they are running once the data has
//! been read, so an estimate starts no thread of its own (a new thread costs its stack and
//! its allocator heap, which matters for small surveys).

/// Run `a` and `b` in parallel and return both results; a panic in either is passed on.
pub(crate) fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    polars_core::runtime::RAYON.join(a, b)
}

/// Rows from which preparation and the totals pass use several threads.
pub(crate) const PARALLEL_ROWS: usize = 50_000;

/// [`join`] when `parallel`, else `a` then `b` on this thread.
pub(crate) fn join_if<A, B, RA, RB>(parallel: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if parallel { join(a, b) } else { (a(), b()) }
}

/// `f` of each item, in order, the items split in halves run in parallel when `parallel`.
pub(crate) fn map<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: &(impl Fn(&T) -> R + Sync),
) -> Vec<R> {
    if !parallel || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let mid = items.len() / 2;
    let (mut a, b) = join(
        || map(&items[..mid], true, f),
        || map(&items[mid..], true, f),
    );
    a.extend(b);
    a
}
