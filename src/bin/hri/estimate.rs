//! `hri estimate` and `hri gap`: the design and measure flags of the command-line contract (README, "Use from the command line").

use std::path::PathBuf;

use clap::Args;
use polars::prelude::*;

use hri::design::{Design, LonelyPsu, ReplicateColumns, ReplicateKind, Replicates};
use hri::estimate::{
    ESTIMATE_COLUMNS, Estimates, Gaps, NamedRequest, Request, Survey, columns_to_read,
};
use hri_survey::{Error, Result};

use crate::error::CliError;
use crate::output::{Cell, Table};

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn floats(s: &str, what: &str) -> Result<Vec<f64>> {
    list(s)
        .iter()
        .map(|x| {
            x.parse::<f64>()
                .map_err(|_| Error::InvalidRequest(format!("{what}: `{x}` is not a number")))
        })
        .collect()
}

/// Sampling design flags.
#[derive(Debug, Clone, Args)]
pub struct DesignArgs {
    /// Data file (.csv or .parquet).
    #[arg(long)]
    pub data: PathBuf,
    /// The whole design from a design file (TOML: weight, strata, psu, fpc, nest,
    /// lonely_psu, a [replicate] table), in place of the design flags below.
    #[arg(
        long = "design",
        value_name = "FILE",
        conflicts_with_all = [
            "weight", "psu", "strata", "fpc", "nest", "lonely_psu", "replicate",
            "replicate_prefix", "replicate_scale", "replicate_rscales", "fay_rho", "mse"
        ]
    )]
    pub design_file: Option<PathBuf>,
    /// Weight column (default: every row weighs 1).
    #[arg(long)]
    pub weight: Option<String>,
    /// PSU column, then later-stage unit columns (comma-separated).
    #[arg(long)]
    pub psu: Option<String>,
    /// Strata column.
    #[arg(long)]
    pub strata: Option<String>,
    /// Finite population corrections, one column per stage (counts, or fractions <= 1).
    #[arg(long)]
    pub fpc: Option<String>,
    /// PSU ids restart within strata.
    #[arg(long)]
    pub nest: bool,
    /// Lonely-PSU policy: fail, remove, certainty, adjust, average.
    #[arg(long, default_value = "fail")]
    pub lonely_psu: String,
    /// Replicate weights: brr, fay, jk1, jkn, bootstrap, sdr.
    #[arg(long)]
    pub replicate: Option<String>,
    /// Prefix of the replicate weight columns.
    #[arg(long)]
    pub replicate_prefix: Option<String>,
    /// Overall replicate scale (default: R's for the type).
    #[arg(long)]
    pub replicate_scale: Option<f64>,
    /// Per-replicate scales, comma-separated.
    #[arg(long)]
    pub replicate_rscales: Option<String>,
    /// Fay's rho.
    #[arg(long)]
    pub fay_rho: Option<f64>,
    /// Centre replicate variances on the full-sample estimate.
    #[arg(long)]
    pub mse: bool,
}

/// What to estimate and how to show it.
#[derive(Debug, Clone, Args)]
pub struct MeasureArgs {
    /// Statistic: mean, total, ratio, proportion, quantile.
    #[arg(long)]
    pub stat: String,
    /// Analysis column(s), comma-separated (ratio: the numerator).
    #[arg(long)]
    pub var: Option<String>,
    /// Ratio denominator column.
    #[arg(long)]
    pub denominator: Option<String>,
    /// Proportion: SQL condition whose share is estimated.
    #[arg(long)]
    pub condition: Option<String>,
    /// Quantile probabilities, comma-separated.
    #[arg(long)]
    pub probs: Option<String>,
    /// Universe: an SQL condition (rows outside score zero; the design is kept).
    #[arg(long = "where")]
    pub universe: Option<String>,
    /// Interval: wald, logit, xlogit, beta, wilson, woodruff.
    #[arg(long, default_value = "wald")]
    pub ci: String,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95)]
    pub level: f64,
    /// Degrees of freedom of intervals: design or infinite.
    #[arg(long, default_value = "design")]
    pub df: String,
    /// Output format: csv or json.
    #[arg(long, default_value = "csv")]
    pub format: String,
}

/// `hri estimate` arguments.
#[derive(Debug, Clone, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    /// Design.
    pub design: DesignArgs,
    #[command(flatten)]
    /// Measure.
    pub measure: MeasureArgs,
    /// Domain columns (comma-separated, crossed); repeat for several disaggregations.
    #[arg(long)]
    pub by: Vec<String>,
    /// Add the whole population.
    #[arg(long)]
    pub overall: bool,
    /// Read the file in batches, holding partial sums instead of the rows: always, never,
    /// or auto (Parquet files of at least 20 million rows and CSV files of at least 2 GB,
    /// when the request allows it: no quantiles, logit interval, replicate or calibrated
    /// weights, second-stage fpc or lonely-PSU `average`).
    #[arg(long, default_value = "auto")]
    pub stream: String,
    /// Rows per batch when streaming.
    #[arg(long, default_value_t = hri::stream::DEFAULT_BATCH_ROWS)]
    pub batch_rows: usize,
}

/// `hri gap` arguments.
#[derive(Debug, Clone, Args)]
pub struct GapArgs {
    #[command(flatten)]
    /// Design.
    pub design: DesignArgs,
    #[command(flatten)]
    /// Measure.
    pub measure: MeasureArgs,
    /// Domain columns (comma-separated); the first holds the groups unless --gap-column.
    #[arg(long)]
    pub by: String,
    /// The column whose groups are compared (default: the first --by column).
    #[arg(long)]
    pub gap_column: Option<String>,
    /// The group.
    #[arg(long)]
    pub group: String,
    /// The reference group.
    #[arg(long)]
    pub reference: String,
}

const ONE: &str = "__hri_weight_one";

impl DesignArgs {
    fn design(&self) -> Result<Design> {
        if let Some(path) = &self.design_file {
            return Design::from_path(path);
        }
        let mut b = Design::builder(self.weight.clone().unwrap_or_else(|| ONE.to_string()));
        if let Some(s) = &self.strata {
            b = b.strata(s.clone());
        }
        if let Some(p) = &self.psu {
            b = b.stages(list(p));
        }
        if let Some(f) = &self.fpc {
            b = b.fpc(list(f));
        }
        b = b
            .nest(self.nest)
            .lonely_psu(self.lonely_psu.parse::<LonelyPsu>()?);
        if let Some(kind) = &self.replicate {
            let prefix = self
                .replicate_prefix
                .clone()
                .ok_or_else(|| Error::Replicate("--replicate needs --replicate-prefix".into()))?;
            b = b.replicates(Replicates {
                kind: ReplicateKind::parse(kind, self.fay_rho)?,
                columns: ReplicateColumns::Prefix(prefix),
                scale: self.replicate_scale,
                rscales: self
                    .replicate_rscales
                    .as_deref()
                    .map(|s| floats(s, "--replicate-rscales"))
                    .transpose()?,
                mse: self.mse,
                df: None,
            });
        } else if self.replicate_prefix.is_some() {
            return Err(Error::Replicate(
                "--replicate-prefix needs --replicate TYPE".into(),
            ));
        }
        b.build()
    }
}

impl MeasureArgs {
    /// The request by names, and its analysis columns.
    fn named(&self) -> Result<NamedRequest> {
        Ok(NamedRequest {
            stat: self.stat.clone(),
            variables: self.var.as_deref().map(list).unwrap_or_default(),
            denominator: self.denominator.clone(),
            condition: self.condition.clone(),
            probs: self
                .probs
                .as_deref()
                .map(|p| floats(p, "--probs"))
                .transpose()?,
            universe: self.universe.clone(),
            ci: self.ci.clone(),
            level: self.level,
            df: self.df.clone(),
        })
    }

    fn request(&self) -> Result<(Request, Vec<String>)> {
        // What each statistic needs, said with the flag that gives it.
        let missing = match self.stat.as_str() {
            "mean" | "total" | "ratio" | "quantile" if self.var.is_none() => Some("--var"),
            "ratio" if self.denominator.is_none() => Some("--denominator"),
            "proportion" if self.condition.is_none() => Some("--condition"),
            "quantile" if self.probs.is_none() => Some("--probs"),
            _ => None,
        };
        if let Some(flag) = missing {
            return Err(Error::InvalidRequest(format!(
                "--stat {} needs {flag}",
                self.stat
            )));
        }
        let named = self.named()?;
        let req = named.to_request()?;
        if !matches!(self.format.as_str(), "csv" | "json") {
            return Err(Error::InvalidRequest(format!(
                "unknown --format `{}` (csv or json)",
                self.format
            )));
        }
        Ok((req, named.variables))
    }
}

/// Read only the columns the command needs (plus replicate columns by prefix).
fn load(design: &DesignArgs, measure: &MeasureArgs, by: &[String]) -> Result<Survey> {
    let d = design.design()?;
    let by: Vec<Vec<String>> = by.iter().map(|b| list(b)).collect();
    let lf = hri::io::scan(&design.data)?;
    let schema = lf.clone().collect_schema()?;
    let available: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    // Keep the file's column order (replicate columns are taken in that order).
    let cols = columns_to_read(
        &d,
        &measure.named()?,
        &by,
        &available,
        &design.data.display().to_string(),
        &[ONE],
    )?;
    let mut df = hri::io::read_columns(&design.data, &cols)?;
    if design.weight.is_none() && design.design_file.is_none() {
        let ones = Column::new(ONE.into(), vec![1.0f64; df.height()]);
        df.with_column(ones)?;
    }
    Survey::new(df, d)
}

fn estimates_table(t: &Estimates, several_vars: bool, quantile: bool) -> Table {
    let mut columns = Vec::new();
    if several_vars {
        columns.push("variable".to_string());
    }
    columns.extend(t.by_columns.iter().cloned());
    if quantile {
        columns.push("prob".into());
    }
    columns.extend(ESTIMATE_COLUMNS.map(String::from));
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            if several_vars {
                row.push(Cell::Text(r.measure.clone()));
            }
            row.extend(r.groups.iter().cloned().map(Cell::from));
            if quantile {
                row.push(Cell::from(r.prob));
            }
            row.extend([
                Cell::from(r.estimate),
                Cell::from(r.se),
                Cell::from(r.ci_low),
                Cell::from(r.ci_high),
                Cell::from(r.df),
                Cell::from(r.cv),
                Cell::Int(r.n),
                Cell::Num(r.pop),
                Cell::from(r.deff),
                Cell::Int(r.excluded_universe()),
                Cell::Int(r.excluded_missing()),
            ]);
            row
        })
        .collect();
    Table { columns, rows }
}

fn gaps_table(g: &Gaps, several_vars: bool) -> Table {
    let mut columns = Vec::new();
    if several_vars {
        columns.push("variable".to_string());
    }
    columns.extend(g.by_columns.iter().cloned());
    for c in [
        "reference",
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "df",
        "ratio",
        "ratio_se",
        "ratio_ci_low",
        "ratio_ci_high",
        "p_value",
        "group_estimate",
        "reference_estimate",
    ] {
        columns.push(c.into());
    }
    let rows = g
        .rows
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            if several_vars {
                row.push(Cell::Text(r.measure.clone()));
            }
            row.extend(r.groups.iter().cloned().map(Cell::Text));
            row.push(Cell::Text(r.reference.clone()));
            row.extend(
                [
                    r.estimate,
                    r.se,
                    r.ci_low,
                    r.ci_high,
                    r.df,
                    r.ratio,
                    r.ratio_se,
                    r.ratio_ci_low,
                    r.ratio_ci_high,
                    r.p_value,
                    r.group_estimate,
                    r.reference_estimate,
                ]
                .into_iter()
                .map(Cell::from),
            );
            row
        })
        .collect();
    Table { columns, rows }
}

fn write(table: &Table, format: &str, out: &mut dyn std::io::Write) -> crate::error::Result<()> {
    if format == "json" {
        table.write_json(out)
    } else {
        table.write_csv(out)
    }
}

/// The request of `hri estimate` (and `hri partial`): measures, disaggregations, overall.
pub(crate) fn estimate_request(a: &EstimateArgs) -> Result<(Request, Vec<String>)> {
    let (mut req, vars) = a.measure.request()?;
    for b in &a.by {
        req = req.by(list(b));
    }
    if a.overall && !a.by.is_empty() {
        req = req.overall();
    }
    if a.by.is_empty() {
        req = req.overall();
    }
    Ok((req, vars))
}

/// Parquet files of at least this many rows are streamed under `--stream auto`.
const STREAM_ROWS: usize = 20_000_000;
/// CSV files of at least this many bytes are streamed under `--stream auto`.
const STREAM_CSV_BYTES: u64 = 2_000_000_000;

/// Whether `hri estimate` streams the file (`--stream always | never | auto`).
fn streams(a: &EstimateArgs, req: &Request, design: &Design) -> Result<bool> {
    match a.stream.as_str() {
        "always" => Ok(true),
        "never" => Ok(false),
        "auto" => {
            if hri::estimate::KeyedSums::new(req, design).is_err() {
                return Ok(false);
            }
            let path = &a.design.data;
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if ext == "parquet" || ext == "pq" {
                let file = std::fs::File::open(path).map_err(|e| Error::Io {
                    path: path.display().to_string(),
                    source: e,
                })?;
                let rows = ParquetReader::new(file).num_rows()?;
                Ok(rows >= STREAM_ROWS)
            } else {
                let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                Ok(bytes >= STREAM_CSV_BYTES)
            }
        }
        other => Err(Error::InvalidRequest(format!(
            "unknown --stream `{other}` (auto, always or never)"
        ))),
    }
}

/// A lazy scan of the file of `hri estimate`'s arguments: only the columns used, a weight
/// of 1 when no weight is given.
fn stream_query(a: &EstimateArgs, req: &Request, d: &Design) -> Result<LazyFrame> {
    let needed: Vec<String> = hri::estimate::request_columns(req, d)?
        .into_iter()
        .filter(|c| c != ONE)
        .collect();
    let mut lf = hri::io::scan(&a.design.data)?;
    let schema = lf.collect_schema()?;
    if let Some(c) = needed.iter().find(|c| schema.get(c.as_str()).is_none()) {
        return Err(Error::UnknownColumn {
            column: c.clone(),
            role: format!("column of {}", a.design.data.display()),
        });
    }
    let mut lf = lf.select(needed.iter().map(|c| col(c.as_str())).collect::<Vec<_>>());
    if a.design.weight.is_none() && a.design.design_file.is_none() {
        lf = lf.with_column(lit(1.0f64).alias(ONE));
    }
    if a.batch_rows == 0 {
        return Err(Error::InvalidRequest(
            "--batch-rows must be at least 1".into(),
        ));
    }
    Ok(lf)
}

/// Whether `hri estimate`'s file is streamed by whole row groups
/// (`hri::stream::estimate_file`: a Parquet file with a weight column), rather than
/// through polars' streaming engine (CSV files, or a weight of 1 added to the rows).
fn by_row_groups(a: &EstimateArgs) -> Result<bool> {
    if a.batch_rows == 0 {
        return Err(Error::InvalidRequest(
            "--batch-rows must be at least 1".into(),
        ));
    }
    let weighted = a.design.weight.is_some() || a.design.design_file.is_some();
    Ok(weighted && hri::io::is_parquet(&a.design.data)?)
}

/// Partial sums of the file of `hri estimate`'s arguments, read in batches (one pass).
pub(crate) fn stream_sums(a: &EstimateArgs, req: &Request) -> Result<hri::estimate::KeyedSums> {
    let d = a.design.design()?;
    if by_row_groups(a)? {
        return hri::stream::sums_of_file(&a.design.data, req, &d, a.batch_rows);
    }
    Ok(
        hri::stream::sums_of_lazy(stream_query(a, req, &d)?, req, &d, a.batch_rows)?
            .with_source(a.design.data.display().to_string()),
    )
}

/// The table `hri estimate` prints, from estimates.
pub(crate) fn estimate_output(t: &Estimates, several_vars: bool, quantile: bool) -> Table {
    estimates_table(t, several_vars, quantile)
}

/// Run `hri estimate`.
pub(crate) fn run_estimate(
    a: &EstimateArgs,
    out: &mut dyn std::io::Write,
) -> crate::error::Result<()> {
    let (req, vars) = estimate_request(a)?;
    let d = a.design.design()?;
    let t = if streams(a, &req, &d)? {
        if by_row_groups(a)? {
            hri::stream::estimate_file(&a.design.data, &req, &d, a.batch_rows)?
        } else {
            hri::stream::estimate_lazy(|| stream_query(a, &req, &d), &req, &d, a.batch_rows)?
        }
    } else {
        load(&a.design, &a.measure, &a.by)?.estimate(&req)?
    };
    let table = estimates_table(&t, vars.len() > 1, a.measure.stat == "quantile");
    write(&table, &a.measure.format, out)
}

/// Run `hri gap`.
pub(crate) fn run_gap(a: &GapArgs, out: &mut dyn std::io::Write) -> crate::error::Result<()> {
    let (req, vars) = a.measure.request()?;
    let by = list(&a.by);
    if by.is_empty() {
        return Err(CliError::Usage("--by needs at least one column".into()));
    }
    let survey = load(&a.design, &a.measure, std::slice::from_ref(&a.by))?;
    let column = a.gap_column.clone().unwrap_or_else(|| by[0].clone());
    let g = survey.gap(&req, &by, &column, &a.group, &a.reference)?;
    write(&gaps_table(&g, vars.len() > 1), &a.measure.format, out)
}
