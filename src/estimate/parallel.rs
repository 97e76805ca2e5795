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
