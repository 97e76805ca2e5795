//! # hri-survey — design-based estimation from complex survey samples
//!
//! Means, totals, ratios, proportions (of SQL conditions) and quantiles, for the whole
//! population and for every domain of any number of disaggregations, with standard errors,
//! confidence intervals, design degrees of freedom and design effects equal to those of R's
//! `survey` package (Lumley), computed in one pass over the rows.
//!
//! | R `survey` | here |
//! |---|---|
//! | `svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~N, nest = TRUE)` | [`Design::builder`]`("w").strata("stratum").psu("psu").fpc(["N"]).nest(true)` |
//! | `svrepdesign(type = "JK1", repweights = "rw[0-9]+", ...)` | [`design::Replicates`] on the builder |
//! | `options(survey.lonely.psu = "adjust")` | [`design::LonelyPsu`] on the builder |
//! | `svymean`, `svytotal`, `svyratio`, `svyciprop`, `svyquantile` | [`Request`] measures: [`Request::mean`], [`Request::total`], [`Request::ratio`], [`Request::proportion`], [`Request::quantile`] |
//! | `svyby(~y, ~a + b, subset(design, cond), ...)` | [`Request::within`] (the universe) and [`Request::by`] (domains keep the full design) |
//! | `svycontrast` of two domains | [`Survey::gap`] |
//!
//! Modules: [`design`] (sampling designs, design files), [`estimate`] (the estimator and its
//! tables), [`interval`] (t and normal quantiles, interval methods), [`io`] (reading CSV and
//! Parquet files, only the columns a request uses), [`sql`] (conditions), [`error`].
//!
//! # Example
//!
//! The share of unemployed among the labour force by region, from a stratified cluster
//! sample, with the difference between two regions (the domains share PSUs, so their
//! covariance enters the difference's standard error):
//!
//! ```
//! use hri_survey::{CiMethod, Design, Request, Survey};
//! use polars::prelude::*;
//!
//! let data = df!(
//!     "stratum" => [1, 1, 1, 1, 2, 2, 2, 2],
//!     "psu" => [11, 11, 12, 12, 21, 21, 22, 22],
//!     "weight" => [120.0, 80.0, 100.0, 100.0, 90.0, 60.0, 150.0, 50.0],
//!     "in_labour_force" => [1, 1, 1, 0, 1, 1, 1, 1],
//!     "unemployed" => [Some(0), Some(1), Some(0), None, Some(1), Some(1), Some(0), Some(0)],
//!     "region" => ["north", "south", "north", "south", "south", "north", "north", "south"],
//! )?;
//! let design = Design::builder("weight").strata("stratum").psu("psu").build()?;
//! let survey = Survey::new(data, design)?;
//! let request = Request::new()
//!     .proportion("unemployed = 1")
//!     .within("in_labour_force = 1")
//!     .ci(CiMethod::Xlogit)
//!     .overall()
//!     .by(["region"]);
//! let table = survey.estimate(&request)?;
//! let overall = &table.rows[0];
//! assert_eq!(overall.n, 7);
//! assert!((overall.estimate.unwrap() - 230.0 / 650.0).abs() < 1e-12);
//! assert_eq!(overall.excluded_universe(), 1);
//!
//! let gaps = survey.gap(&request, &["region".to_string()], "region", "south", "north")?;
//! let gap = &gaps.rows[0];
//! assert!((gap.estimate.unwrap() - (170.0 / 220.0 - 60.0 / 430.0)).abs() < 1e-12);
//! assert!(gap.se.unwrap() > 0.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod design;
pub mod error;
pub mod estimate;
pub mod interval;
pub mod io;
pub mod partial_file;
pub mod sql;
pub mod stream;

pub use design::Design;
pub use error::{Error, Result};
pub use estimate::{CiMethod, DfMethod, Estimates, Gaps, KeyedSums, Request, Statistic, Survey};
