//! The single integration-test binary: one module per concern, so polars links once.

mod benchmark;
mod catalogue;
mod cli;
mod derive;
mod design;
mod estimate_errors;
mod estimate_properties;
mod export;
mod pilot;
mod pilot_catalogues;
mod pipeline;
mod quality;
mod r_reference;
mod report;
mod score;
mod structural;
mod synth;
