//! The arguments of the `hri` program (clap) and their dispatch. Each subcommand lives in
//! its own module; errors go to stderr with a non-zero exit status that names their kind.

use clap::{Parser, Subcommand};

use crate::catalogue::{self, CatalogueArgs};
use crate::error::Result;
use crate::estimate::{self, EstimateArgs, GapArgs};
use crate::partial::{self, MergeArgs, PartialArgs};
use crate::pilot::{self, ComputeArgs, PilotArgs};
use crate::project::{self, InspectArgs, RunArgs};

/// What `hri --help` says of the exit status.
const EXIT_STATUS: &str = "Exit status: 0 success; 2 arguments that do not fit together; 3 data or design \
(unknown column, invalid weight, lonely PSU, SQL condition); 4 catalogue or register; \
5 computation (pipeline, derivations, scores, pilot); 6 writing output files or standard output.";

/// Human-rights indicators for migrants from survey microdata.
#[derive(Debug, Parser)]
#[command(name = "hri", version, about, long_about = None, after_help = EXIT_STATUS)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Estimate means, totals, ratios, proportions or quantiles by domains, with design-based
    /// standard errors.
    #[command(
        after_help = "Examples:\n  hri estimate --data api.csv --stat mean --var api00 --weight pw --strata stype --fpc fpc --by stype\n  hri estimate --data lfs.parquet --stat proportion --condition 'unemployed = 1' --where 'in_labour_force = 1' \\\n      --weight w --strata stratum --psu psu --by migrant --by migrant,sex --overall --ci logit --format json"
    )]
    Estimate(EstimateArgs),
    /// Partial sums of a data file (the flags of `estimate`) as a Parquet file, read in
    /// batches: partitions summed apart (on several machines) merge with `hri merge`.
    #[command(
        after_help = "Example:\n  hri partial --data part1.parquet --stat mean --var income --weight w --strata stratum --psu psu \\\n      --by migrant --overall --out part1.sums.parquet"
    )]
    Partial(PartialArgs),
    /// Merge partial-sums files of `hri partial` (same request and design) and print the
    /// table `hri estimate` gives on all their rows.
    #[command(after_help = "Example:\n  hri merge part*.sums.parquet --format json")]
    Merge(MergeArgs),
    /// Gap between a group and a reference group (difference and ratio) with the covariance
    /// of the two domains taken into account.
    #[command(
        after_help = "Example:\n  hri gap --data api.csv --stat mean --var api00 --weight pw --psu dnum --fpc fpc --by stype --group E --reference H"
    )]
    Gap(GapArgs),
    /// Validate or show an indicator catalogue.
    #[command(
        after_help = "Examples:\n  hri catalogue validate my_catalogue.toml\n  hri catalogue show builtin"
    )]
    Catalogue(CatalogueArgs),
    /// Run the whole pipeline on your own data: catalogue + microdata + design (+ register)
    /// to indicators.csv, .parquet, .json, .sdmx.csv and report.html.
    #[command(
        after_help = "Example:\n  hri compute --catalogue my_catalogue.toml --data survey.parquet --design design.toml \\\n      --register register.toml --out out/ --time-period 2020 --ref-area MEX"
    )]
    Compute(ComputeArgs),
    /// Run a project file: every round of a country's survey from its own files (Stata,
    /// SPSS, SAS, Parquet, CSV), with joins and derivations, into one results table.
    #[command(after_help = "Example:\n  hri run project.toml")]
    Run(RunArgs),
    /// Show what a data file holds: every column's type, value labels, missing values and
    /// declared missing codes, minimum, maximum and first values.
    #[command(
        after_help = "Examples:\n  hri inspect sdem_2020.dta\n  hri inspect enoe.csv --separator ';' --decimal-comma --encoding latin1 --missing 9,99 --format json"
    )]
    Inspect(InspectArgs),
    /// Run a pilot (Mexico or Tunisia) on synthetic data, end to end.
    #[command(
        after_help = "Examples:\n  hri pilot mexico\n  hri pilot tunisia --out out/tunisia --size 20000"
    )]
    Pilot(PilotArgs),
}

/// Run the program on parsed arguments, writing the result to `out`.
pub fn run(cli: Cli, out: &mut dyn std::io::Write) -> Result<()> {
    match cli.command {
        Command::Estimate(a) => estimate::run_estimate(&a, out),
        Command::Gap(a) => estimate::run_gap(&a, out),
        Command::Partial(a) => partial::run_partial(&a, out),
        Command::Merge(a) => partial::run_merge(&a, out),
        Command::Catalogue(a) => catalogue::run(&a, out),
        Command::Compute(a) => pilot::run_compute(&a, out),
        Command::Pilot(a) => pilot::run_pilot(&a, out),
        Command::Run(a) => project::run_project(&a, out),
        Command::Inspect(a) => project::run_inspect(&a, out),
    }
}
