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

pub mod benchmark;
pub mod catalogue;
pub mod cli;
pub mod derive;
pub mod design;
pub mod error;
pub mod estimate;
pub mod export;
pub mod framework;
pub mod interval;
pub mod io;
pub mod pilot;
pub mod pipeline;
pub mod quality;
pub mod report;
pub mod results;
pub mod score;
pub mod structural;
pub mod synth;
