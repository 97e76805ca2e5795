//! The single integration-test binary: one module per concern, so polars links once.

mod benchmark;
mod catalogue;
mod score;
mod structural;
mod derive;
mod quality;
mod synth;
mod r_reference;
mod estimate_errors;
mod estimate_properties;
mod cli;
mod design;
mod pipeline;
