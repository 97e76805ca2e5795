//! The crate's error: one variant per layer, each wrapping that layer's own typed error, so
//! that a program can tell what kind of failure it met (and the command line can choose its
//! exit status) without parsing messages.

use thiserror::Error as ThisError;

use crate::benchmark::BenchmarkError;
use crate::catalogue::CatalogueError;
use crate::derive::DeriveError;
use crate::export::ExportError;
use crate::pilot::PilotError;
use crate::pipeline::PipelineError;
use crate::project::ProjectError;
use crate::quality::QualityError;
use crate::score::ScoreError;
use crate::source::SourceError;
use crate::structural::RegisterError;
use crate::synth::SynthError;

/// Any error of `hri`. Each variant wraps the typed error of the layer that raised it,
/// which names the column, stratum, indicator, file or setting at fault.
#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// The survey engine: design, data, conditions, estimation ([`hri_survey::Error`]).
    #[error(transparent)]
    Survey(#[from] hri_survey::Error),
    /// A catalogue that does not load or validate.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// A country register that does not load or validate.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// A derivation of groups (migratory status, age group, disability, ...).
    #[error(transparent)]
    Derive(#[from] DeriveError),
    /// A quality policy.
    #[error(transparent)]
    Quality(#[from] QualityError),
    /// Benchmarks and progress.
    #[error(transparent)]
    Benchmark(#[from] BenchmarkError),
    /// Scores.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// The pipeline: settings, missing columns, estimation of the catalogue.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// Writing the output files.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Synthetic data generation.
    #[error(transparent)]
    Synth(#[from] SynthError),
    /// A pilot run.
    #[error(transparent)]
    Pilot(#[from] PilotError),
    /// A project run (`hri run`).
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// Reading an input file (Stata, SPSS, SAS, Parquet, CSV).
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Reading or writing a file outside the writers (a design file, a register).
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias for `hri`'s functions that may fail in more than one layer.
pub type Result<T> = std::result::Result<T, Error>;
