//! # hri — human-rights indicators for migrants from survey microdata
//!
//! `hri` computes the indicators of the OHCHR human-rights framework for migrants from
//! weighted survey microdata, with design-based standard errors equal to those of R's
//! `survey` package.
//!
//! The model in five lines:
//! - a [`framework::Right`] (health, education, work) is split into [`framework::Attribute`]s;
//! - each attribute is measured by structural, process and outcome [`framework::Indicator`]s;
//! - an indicator says how it is computed from survey columns ([`framework::Measure`]);
//! - every figure is disaggregated (migratory status, sex, age, disability) and compared
//!   with the non-migrant population (gaps);
//! - figures are held against [`framework::Benchmark`]s and scored.
//!
//! # Example
//!
//! Unemployment among the labour force by migratory status, from a stratified cluster
//! sample, with the gap between migrants and non-migrants (the two domains share PSUs, so
//! their covariance enters the gap's standard error):
//!
//! ```
//! use hri::design::Design;
//! use hri::estimate::{CiMethod, Request, Survey};
//! use polars::prelude::*;
//!
//! let data = df!(
//!     "stratum" => [1, 1, 1, 1, 2, 2, 2, 2],
//!     "psu" => [11, 11, 12, 12, 21, 21, 22, 22],
//!     "weight" => [120.0, 80.0, 100.0, 100.0, 90.0, 60.0, 150.0, 50.0],
//!     "in_labour_force" => [1, 1, 1, 0, 1, 1, 1, 1],
//!     "unemployed" => [Some(0), Some(1), Some(0), None, Some(1), Some(1), Some(0), Some(0)],
//!     "migrant" => ["no", "yes", "no", "yes", "yes", "no", "no", "yes"],
//! )?;
//! let design = Design::builder("weight").strata("stratum").psu("psu").build()?;
//! let survey = Survey::new(data, design)?;
//! let request = Request::new()
//!     .proportion("unemployed = 1")
//!     .within("in_labour_force = 1")
//!     .ci(CiMethod::Xlogit)
//!     .overall()
//!     .by(["migrant"]);
//! let table = survey.estimate(&request)?;
//! let overall = &table.rows[0];
//! assert_eq!(overall.n, 7);
//! assert!((overall.estimate.unwrap() - 230.0 / 650.0).abs() < 1e-12);
//! assert_eq!(overall.excluded_universe(), 1);
//!
//! let gaps = survey.gap(&request, &["migrant".to_string()], "migrant", "yes", "no")?;
//! let gap = &gaps.rows[0];
//! assert!((gap.estimate.unwrap() - (170.0 / 220.0 - 60.0 / 430.0)).abs() < 1e-12);
//! assert!(gap.se.unwrap() > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The estimation engine is the crate [`hri_survey`], re-exported here as [`design`],
//! [`estimate`], [`interval`], [`io`] and [`sql`]; it knows nothing of rights and can be
//! used on its own. From there, [`pipeline::Pipeline`] computes a whole [`catalogue::Catalogue`] with quality
//! flags, benchmarks and scores, [`export`] writes the files, and [`pilot`] runs the Mexico
//! and Tunisia pilots end to end.
//!
//! # Data larger than memory
//!
//! A pipeline built from the data's columns ([`pipeline::PipelineBuilder::schema`]) takes
//! its rows in batches ([`pipeline::Pipeline::stream`], or [`pipeline::Pipeline::run_streamed`]
//! over a lazy query): partial sums per (PSU, domain cell) in two passes, gaps from the same
//! sums, the same results as [`pipeline::Pipeline::run`] to rounding. A project streams
//! its rounds with [`project::RunOptions::stream`] (read, recoded and derived batch by
//! batch) and sums partitions of a round on several machines with
//! [`project::Project::partial`] and [`project::Project::merge_partials`]. Quantiles, the
//! logit interval, replicate weights, calibration, a second-stage fpc and lonely-PSU
//! `average` need the rows: they are refused with an error naming the indicator
//! ([`pipeline::PipelineError::NotStreamable`]), or computed in memory under
//! [`project::StreamMode::Auto`]. The README's "Census scale" section has the details.

pub use hri_survey::{design, estimate, interval, io, partial_file, sql, stream};

pub mod benchmark;
pub mod catalogue;
pub mod derive;
pub mod error;
pub mod export;
pub mod framework;
pub mod pilot;
pub mod pipeline;
pub mod project;
pub mod quality;
pub mod report;
pub mod results;
pub mod score;
pub mod source;
pub mod structural;
pub mod synth;

pub use error::{Error, Result};
