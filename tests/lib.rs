//! The single integration-test binary: one module per concern, so polars links once.

mod benchmark;
mod catalogue;
mod cli;
mod derive;
mod export;
mod pilot;
mod pilot_catalogues;
mod pilot_files;
mod pipeline;
mod project;
mod project_stream;
mod quality;
#[path = "../crates/survey/tests/reference.rs"]
mod reference;
mod report;
mod sas_files;
mod score;
mod sdg;
mod streaming;
mod structural;
mod synth;
