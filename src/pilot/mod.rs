//! The Mexico and Tunisia pilots, end to end: a **synthetic** survey shaped like the real
//! source ([`crate::synth`]) for two rounds (2015 and 2020), derived groups
//! ([`crate::derive`]), the country's pilot catalogue and register, the whole indicator
//! table with gaps, quality flags, benchmarks, progress and scores ([`crate::pipeline`]),
//! and the files a pilot team publishes ([`crate::export`]: CSV, Parquet, JSON, SDMX-CSV
//! with its structure, the SDG SDMX-CSV file, the metadata sheets and an HTML report).
//!
//! `cargo run --release --example mexico_pilot` and `hri pilot mexico` both call [`run`].
//!
//! The pilot catalogues (`src/pilot/mexico.toml`, `src/pilot/tunisia.toml`) and registers
//! (`examples/registers/`) are compiled into the crate, so a pilot runs with no file
//! beyond the binary and no network.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use polars::prelude::*;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::derive::{
    AgeGroupSpec, Citizenship, CodeMap, DeriveError, DisabilitySpec, MigratoryStatusSpec, SexSpec,
    WgSsColumns, age_group, disability, migratory_status, sex,
};
use crate::design::Design;
use crate::export::{ExportError, ExportOptions, Written, write_all_with};
use crate::framework::Dimension;
use crate::pipeline::{Pipeline, PipelineError};
use crate::report::ReportOptions;
use crate::results::Results;
use crate::structural::{Register, RegisterError};
use crate::synth::{Round, SynthError, mexico_round, tunisia_round};
use hri_survey::Error as EstimateError;

/// The pilot catalogue of Mexico (TOML).
pub const MEXICO_CATALOGUE: &str = include_str!("mexico.toml");
/// The pilot catalogue of Tunisia (TOML).
pub const TUNISIA_CATALOGUE: &str = include_str!("tunisia.toml");
/// The country register of Mexico (TOML).
pub const MEXICO_REGISTER: &str = include_str!("../../examples/registers/mexico.toml");
/// The country register of Tunisia (TOML).
pub const TUNISIA_REGISTER: &str = include_str!("../../examples/registers/tunisia.toml");

/// A pilot country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Country {
    /// Mexico: an ENOE-style labour force survey of persons (states as strata).
    Mexico,
    /// Tunisia: a Tunisia-HIMS-style household migration survey (governorates as strata).
    Tunisia,
}

impl std::str::FromStr for Country {
    type Err = PilotError;
    fn from_str(s: &str) -> Result<Self, PilotError> {
        match s.to_ascii_lowercase().as_str() {
            "mexico" | "mex" => Ok(Country::Mexico),
            "tunisia" | "tun" => Ok(Country::Tunisia),
            other => Err(PilotError::UnknownCountry(other.to_string())),
        }
    }
}

impl Country {
    /// Lower-case name, used for the output folder (`out/mexico`).
    pub fn name(self) -> &'static str {
        match self {
            Country::Mexico => "mexico",
            Country::Tunisia => "tunisia",
        }
    }
    /// ISO 3166 alpha-3 code.
    pub fn iso3(self) -> &'static str {
        match self {
            Country::Mexico => "MEX",
            Country::Tunisia => "TUN",
        }
    }
    /// Country name for reports.
    pub fn display(self) -> &'static str {
        match self {
            Country::Mexico => "Mexico",
            Country::Tunisia => "Tunisia",
        }
    }
    /// Survey the synthetic data imitate.
    pub fn survey(self) -> &'static str {
        match self {
            Country::Mexico => "ENOE-style labour force survey (synthetic)",
            Country::Tunisia => "Tunisia-HIMS-style household migration survey (synthetic)",
        }
    }
    /// Default sample size: persons for Mexico, households for Tunisia.
    pub fn default_size(self) -> usize {
        match self {
            Country::Mexico => crate::synth::MEXICO_DEFAULT_PERSONS,
            Country::Tunisia => crate::synth::TUNISIA_DEFAULT_HOUSEHOLDS,
        }
    }
    /// The pilot catalogue.
    pub fn catalogue(self) -> Result<Catalogue, PilotError> {
        let text = match self {
            Country::Mexico => MEXICO_CATALOGUE,
            Country::Tunisia => TUNISIA_CATALOGUE,
        };
        Ok(Catalogue::from_toml_str(text)?)
    }
    /// The country register.
    pub fn register(self) -> Result<Register, PilotError> {
        let text = match self {
            Country::Mexico => MEXICO_REGISTER,
            Country::Tunisia => TUNISIA_REGISTER,
        };
        Ok(Register::from_toml_str(text)?)
    }
    /// The survey design: strata, PSUs and weights of the synthetic survey.
    pub fn design(self) -> Result<Design, PilotError> {
        let b = match self {
            Country::Mexico => Design::builder("fac").strata("ent").psu("upm"),
            Country::Tunisia => Design::builder("weight").strata("governorate").psu("psu"),
        };
        Ok(b.build()?)
    }
    /// The label of the reference (non-migrant) group of the migratory-status column.
    pub fn non_migrant(self) -> &'static str {
        match self {
            Country::Mexico => crate::pipeline::DEFAULT_NON_MIGRANT,
            Country::Tunisia => crate::pipeline::DEFAULT_NON_MIGRANT,
        }
    }
}

/// Errors of a pilot run, each naming its stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PilotError {
    /// Not a pilot country.
    #[error("unknown pilot country `{0}` (mexico or tunisia)")]
    UnknownCountry(String),
    /// Generating the synthetic survey failed.
    #[error("synthetic survey: {0}")]
    Synth(#[from] SynthError),
    /// Deriving groups failed.
    #[error("derived variables: {0}")]
    Derive(#[from] DeriveError),
    /// The pilot catalogue is invalid.
    #[error("pilot catalogue: {0}")]
    Catalogue(#[from] CatalogueError),
    /// The register is invalid.
    #[error("register: {0}")]
    Register(#[from] RegisterError),
    /// The design or data are invalid.
    #[error("estimation: {0}")]
    Estimate(#[from] EstimateError),
    /// The pipeline failed.
    #[error("pipeline: {0}")]
    Pipeline(#[from] PipelineError),
    /// Writing the outputs failed.
    #[error("export: {0}")]
    Export(#[from] ExportError),
    /// Data handling failed.
    #[error("data: {0}")]
    Polars(#[from] PolarsError),
}

/// Options of a pilot run.
#[derive(Debug, Clone)]
pub struct PilotOptions {
    /// The country.
    pub country: Country,
    /// Persons (Mexico) or households (Tunisia) per round; `None` for the default.
    pub size: Option<usize>,
    /// Seed of the synthetic surveys.
    pub seed: u64,
    /// Output folder; `None` writes nothing.
    pub out_dir: Option<PathBuf>,
}

impl PilotOptions {
    /// Defaults for a country: default size, seed 20261128, output `out/<country>`.
    pub fn new(country: Country) -> Self {
        PilotOptions {
            country,
            size: None,
            seed: 20_261_128,
            out_dir: Some(PathBuf::from("out").join(country.name())),
        }
    }
}

/// What a pilot run produced.
#[derive(Debug)]
pub struct PilotRun {
    /// The country.
    pub country: Country,
    /// Results of the later round (2020), with progress since 2015.
    pub results: Results,
    /// Results of the earlier round (2015).
    pub earlier: Results,
    /// Rows of the 2020 survey.
    pub rows: usize,
    /// Files written.
    pub written: Option<Written>,
    /// Time per stage.
    pub timings: Vec<(String, Duration)>,
}

/// Add the derived disaggregation columns the pilot catalogues use.
pub fn derive_groups(country: Country, df: &mut DataFrame) -> Result<(), PilotError> {
    match country {
        Country::Mexico => {
            // INEGI's national definition of a return migrant: born in Mexico, living in
            // another country five years ago (census/ENOE question on residence five years
            // earlier, `res_5a = 3`). The time spent abroad is not asked, so the UN 1-year
            // threshold cannot be applied (see the README, Pilots). The question is not
            // asked under age 5: those children are taken as not return migrants (counted
            // in the derivation report).
            let mut spec = MigratoryStatusSpec::new("pais_nac", "MEX", "nacionalidad")
                .with_citizenship_codes(CodeMap::new([
                    ("1", Citizenship::Citizen),
                    ("3", Citizenship::NonCitizen),
                ]))
                .with_resided_abroad("res_5a", ["3"]);
            spec.years_abroad_null_means_never = true;
            migratory_status(df, &spec)?.add_to(df)?;
            age_group(df, &AgeGroupSpec::new("eda"))?.add_to(df)?;
            let wg = WgSsColumns {
                seeing: "dis_ver".into(),
                hearing: "dis_oir".into(),
                walking: "dis_caminar".into(),
                cognition: "dis_recordar".into(),
                self_care: "dis_banarse".into(),
                communication: "dis_hablar".into(),
            };
            disability(df, &DisabilitySpec::new(wg))?.add_to(df)?;
        }
        Country::Tunisia => {
            // The UN classes from country of birth, citizenship and the time lived abroad,
            // with the UN threshold of 1 year for return migrants (Tunisia-HIMS's national
            // definition uses 3 months; its own classes stay in `migrant_status`). The
            // generator leaves `years_abroad` null for those who never lived abroad.
            let mut spec = MigratoryStatusSpec::new("country_birth", "TUN", "citizenship")
                .with_years_abroad("years_abroad")
                .with_years_since_arrival("years_since_arrival");
            spec.years_abroad_null_means_never = true;
            migratory_status(df, &spec)?.add_to(df)?;
            age_group(df, &AgeGroupSpec::new("age"))?.add_to(df)?;
            let wg = WgSsColumns {
                seeing: "wg_seeing".into(),
                hearing: "wg_hearing".into(),
                walking: "wg_mobility".into(),
                cognition: "wg_cognition".into(),
                self_care: "wg_selfcare".into(),
                communication: "wg_communication".into(),
            };
            disability(df, &DisabilitySpec::new(wg))?.add_to(df)?;
        }
    }
    sex(df, &SexSpec::new("sex"))?.add_to(df)?;
    Ok(())
}

/// One round's survey with its derived groups.
pub fn survey_round(
    country: Country,
    size: usize,
    round: Round,
    seed: u64,
) -> Result<DataFrame, PilotError> {
    let mut df = match country {
        Country::Mexico => mexico_round(size, round, seed)?,
        Country::Tunisia => tunisia_round(size, round, seed)?,
    };
    derive_groups(country, &mut df)?;
    Ok(df)
}

fn compute(
    country: Country,
    df: DataFrame,
    round: Round,
    previous: Option<Results>,
) -> Result<Results, PilotError> {
    let mut b = Pipeline::builder()
        .catalogue(country.catalogue()?)
        .data(df, country.design()?)
        .register(country.register()?)
        .time_period(round.year().to_string())
        .ref_area(country.iso3())
        .reference(Dimension::MigratoryStatus, country.non_migrant());
    if let Some(p) = previous {
        b = b.previous(p);
    }
    Ok(b.build()?.run()?)
}

/// A step of a pilot run, announced as it starts, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PilotStep {
    /// Steps done before this one.
    pub done: usize,
    /// Steps of the whole run.
    pub count: usize,
    /// What the step does.
    pub what: &'static str,
}

/// Run a pilot: both rounds, the table, and the output files.
pub fn run(options: &PilotOptions) -> Result<PilotRun, PilotError> {
    run_with(options, |_| {})
}

/// As [`run`], calling `on_step` as each step starts (programs draw their progress bar
/// from it; the library draws nothing).
pub fn run_with(
    options: &PilotOptions,
    mut on_step: impl FnMut(PilotStep),
) -> Result<PilotRun, PilotError> {
    let country = options.country;
    let size = options.size.unwrap_or_else(|| country.default_size());
    let count = if options.out_dir.is_some() { 5 } else { 4 };
    let mut timings = Vec::new();
    let mut timed =
        |label: &str, start: Instant| timings.push((label.to_string(), start.elapsed()));
    let mut step = |done: usize, what: &'static str| {
        on_step(PilotStep { done, count, what });
        Instant::now()
    };
    let t = step(0, "generating the 2015 survey (synthetic)");
    let df15 = survey_round(country, size, Round::Y2015, options.seed)?;
    timed("survey 2015 (generate + derive)", t);
    let t = step(1, "computing 2015");
    let earlier = compute(country, df15, Round::Y2015, None)?;
    timed("table 2015", t);
    let t = step(2, "generating the 2020 survey (synthetic)");
    let df20 = survey_round(country, size, Round::Y2020, options.seed)?;
    let rows = df20.height();
    timed("survey 2020 (generate + derive)", t);
    let t = step(3, "computing 2020");
    let results = compute(country, df20, Round::Y2020, Some(earlier.clone()))?;
    timed("table 2020", t);
    let written = match &options.out_dir {
        Some(dir) => {
            let t = step(4, "writing files");
            let report = ReportOptions::new()
                .country(country.display())
                .survey(country.survey())
                .synthetic(true);
            let opts = ExportOptions::new().synthetic(true).report(report);
            let w = write_all_with(&results, dir, &opts)?;
            timed("files", t);
            Some(w)
        }
        None => None,
    };
    Ok(PilotRun {
        country,
        results,
        earlier,
        rows,
        written,
        timings,
    })
}

/// A readable terminal summary: headline figures for migrants and non-migrants with the
/// gap, quality flags, benchmark status, scores and the files written.
pub fn summary(run: &PilotRun) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let r = &run.results;
    let meta = r.meta();
    let _ = writeln!(
        s,
        "{} pilot — {} (SYNTHETIC DATA), round {} vs {}: {} persons, {} indicator rows",
        run.country.display(),
        run.country.survey(),
        meta.time_period,
        run.earlier.meta().time_period,
        run.rows,
        r.rows().len()
    );
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<44} {:>9} {:>11} {:>11}  {:<28} benchmark",
        "indicator", "total", "native-b.*", "foreign-b.*", "gap (foreign − native-born)"
    );
    // The roll-up of migratory status by place of birth: the international migrants
    // (foreign-born) against the native-born, both domains estimated as such.
    let status_dim = crate::framework::Dimension::PlaceOfBirth.as_str();
    let reference = crate::framework::label::NATIVE_BORN;
    let mut seen = std::collections::BTreeSet::new();
    for row in r.rows() {
        if !seen.insert(row.indicator_id.clone())
            || row.kind == crate::framework::IndicatorKind::Structural
        {
            continue;
        }
        let fmt = |v: Option<f64>| v.map_or("—".to_string(), |x| format!("{x:.1}"));
        let total = r.row(&row.indicator_id, "total", "total");
        let groups: Vec<_> = r
            .rows()
            .iter()
            .filter(|x| x.indicator_id == row.indicator_id && x.disaggregation == status_dim)
            .collect();
        let non = groups.iter().find(|x| x.group == reference);
        let mig = groups
            .iter()
            .find(|x| x.group == crate::framework::label::FOREIGN_BORN);
        let gap = mig.map_or(String::new(), |m| match (m.gap_difference, m.gap_flag) {
            (Some(d), Some(f)) => format!("{d:+.1} {}", f.as_str()),
            _ if !m.published => "withheld".to_string(),
            _ => "—".to_string(),
        });
        let bench = total.map_or(String::new(), |t| {
            match (t.target_met, &t.progress_status) {
                (Some(true), _) => "met".to_string(),
                (Some(false), Some(p)) => p.replace('_', " "),
                (Some(false), None) => "not met".to_string(),
                _ => String::new(),
            }
        });
        let mut name = row.indicator_name.clone();
        if name.chars().count() > 43 {
            name = name.chars().take(42).collect::<String>() + "…";
        }
        let _ = writeln!(
            s,
            "{:<44} {:>9} {:>11} {:>11}  {:<28} {}",
            name,
            fmt(total.and_then(|t| t.estimate)),
            fmt(non.and_then(|x| x.estimate)),
            fmt(mig.and_then(|x| x.estimate)),
            gap,
            bench
        );
    }
    let _ = writeln!(
        s,
        "  * place of birth (UN Expert Group on Migration Statistics, 2017): foreign-born = the international migrants; native-born includes return migrants and native-born non-citizens; the classes are in the table"
    );
    let suppressed = r
        .rows()
        .iter()
        .filter(|x| !x.published && x.estimate.is_none() && x.n.unwrap_or(0) > 0)
        .count();
    let _ = writeln!(
        s,
        "\n{suppressed} figures withheld for low precision or small samples (reason in the `quality_reason` column)."
    );
    // Scores by right and kind (never averaged across kinds unless the catalogue asks for
    // a composite), whole population.
    let _ = writeln!(
        s,
        "Level scores (0–100), whole population, by right and kind:"
    );
    for sm in r.summaries() {
        if sm.group == "total"
            && sm.basis == crate::results::ScoreBasis::Level
            && sm.level != crate::results::SummaryLevel::Attribute
        {
            let kind = sm.kind.map_or("composite", |k| k.as_str());
            let score = sm.score.map_or("—".to_string(), |x| format!("{x:.1}"));
            let weights = sm
                .weights
                .as_deref()
                .map_or(String::new(), |w| format!(" (weights: {w})"));
            let _ = writeln!(s, "  {:<44} {:<10} {score}{weights}", sm.name, kind);
        }
    }
    if let Some(w) = &run.written {
        let _ = writeln!(
            s,
            "\nWritten: {}",
            w.csv
                .parent()
                .map_or(String::new(), |p| p.display().to_string())
        );
        let _ = writeln!(s, "{}", w.sdg_export.summary());
    }
    let total: Duration = run.timings.iter().map(|t| t.1).sum();
    let _ = writeln!(
        s,
        "Time: {:.2} s ({})",
        total.as_secs_f64(),
        run.timings
            .iter()
            .map(|(n, d)| format!("{n} {:.2} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    s
}
