//! The tests of `hri_estimate` in DataFusion, in one binary. They need the feature:
//! `cargo test -p hri-datafusion --features datafusion`.

mod bridge;
mod partitions;
