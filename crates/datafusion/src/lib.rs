//! # hri-datafusion — the partial-sum kernel as a DataFusion aggregate
//!
//! [`hri_survey`]'s estimates come from sums per (sampling unit, domain cell) that add
//! across partitions of the rows ([`hri_survey::KeyedSums`]). This crate makes them an
//! aggregate function of Apache DataFusion, `hri_estimate`, so that DataFusion's two-phase
//! aggregation — a partial aggregate per partition, a final one over the partial states —
//! computes the estimates table of a partitioned table in one process; Ballista would run
//! the same plan across machines, given a plan codec that carries the request and design
//! (not built here). The README explains the mapping, what must hold for exactness and
//! what is refused.
//!
//! DataFusion is compiled only with the cargo feature `datafusion`:
//! `cargo test -p hri-datafusion --features datafusion`.
//!
//! [`HriEstimate`] shows a query.

#[cfg(feature = "datafusion")]
pub mod aggregate;
#[cfg(feature = "datafusion")]
pub mod bridge;
#[cfg(feature = "datafusion")]
pub mod error;

#[cfg(feature = "datafusion")]
pub use aggregate::{DEFAULT_NAME, HriEstimate};
#[cfg(feature = "datafusion")]
pub use error::{Error, Result};
