//! The Mexico and Tunisia pilots, end to end: a **synthetic** survey shaped like the real
//! source ([`crate::synth`]) for two rounds (2015 and 2020), derived groups
//! ([`crate::derive`]), the country's pilot catalogue and register, the whole indicator
//! table with gaps, quality flags, benchmarks, progress and scores ([`crate::pipeline`]),
//! and the files a pilot team publishes ([`crate::export`]: CSV, Parquet, JSON, SDMX-CSV
//! with its structure, the SDG SDMX-CSV file, the metadata sheets and an HTML report).
//!
//! `cargo run --release --example mexico_pilot` and `hri pilot mexico` both call [`run`],
//! which takes the road of an office's own files: the generator writes each round as the
//! office would deliver it (raw codes, one CSV and one labelled Stata or SPSS file, see
//! [`crate::synth::Delivery`]) into a work folder, and the country's project file
//! (`examples/projects/<country>/project.toml`: rounds, design, derivations) is run on
//! them by [`crate::project`], as `hri run` does. [`in_memory`] is the same table computed
//! without files, from the generated frames and [`derive_groups`].
//!
//! The pilot catalogues (`src/pilot/mexico.toml`, `src/pilot/tunisia.toml`), registers
//! (`examples/registers/`) and project files are compiled into the crate, so a pilot runs
//! with no file beyond the binary and no network.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use polars::prelude::*;

use crate::catalogue::{Catalogue, CatalogueError};
use crate::derive::{
    AgeGroupSpec, Citizenship, CodeMap, DeriveError, DisabilitySpec, MigratoryStatusSpec, SexSpec,
    WgSsColumns, age_group, disability, migratory_status, sex,
};
use crate::design::Design;
use crate::export::{ExportError, Written};
use crate::framework::Dimension;
use crate::pipeline::{Pipeline, PipelineError};
use crate::project::{Project, ProjectError};
use crate::results::Results;
use crate::structural::{Register, RegisterError};
use crate::synth::{Round, RoundFile, SynthError, mexico_round, tunisia_round};
use hri_survey::Error as EstimateError;

/// The pilot catalogue of Mexico (TOML).
pub const MEXICO_CATALOGUE: &str = include_str!("mexico.toml");
/// The pilot catalogue of Tunisia (TOML).
pub const TUNISIA_CATALOGUE: &str = include_str!("tunisia.toml");
/// The country register of Mexico (TOML).
pub const MEXICO_REGISTER: &str = include_str!("../../examples/registers/mexico.toml");
/// The country register of Tunisia (TOML).
pub const TUNISIA_REGISTER: &str = include_str!("../../examples/registers/tunisia.toml");
/// The project file of the Mexico pilot (TOML): rounds, design and derivations.
pub const MEXICO_PROJECT: &str = include_str!("../../examples/projects/mexico/project.toml");
/// The project file of the Tunisia pilot (TOML): rounds, design and derivations.
pub const TUNISIA_PROJECT: &str = include_str!("../../examples/projects/tunisia/project.toml");

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
    /// The project file (TOML text).
    pub fn project_text(self) -> &'static str {
        match self {
            Country::Mexico => MEXICO_PROJECT,
            Country::Tunisia => TUNISIA_PROJECT,
        }
    }
    /// Where and how each round is written ([`crate::synth::MEXICO_ROUND_FILES`],
    /// [`crate::synth::TUNISIA_ROUND_FILES`]).
    pub fn round_files(self) -> &'static [RoundFile; 2] {
        match self {
            Country::Mexico => &crate::synth::MEXICO_ROUND_FILES,
            Country::Tunisia => &crate::synth::TUNISIA_ROUND_FILES,
        }
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
    /// The project file's run (reading the round files, derivations, pipeline, outputs).
    #[error("{0}")]
    Project(Box<ProjectError>),
    /// The work folder cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The project file of a pilot does not have two rounds.
    #[error("{0}: a pilot project needs two rounds")]
    Rounds(PathBuf),
}

impl From<ProjectError> for PilotError {
    fn from(e: ProjectError) -> Self {
        PilotError::Project(Box::new(e))
    }
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
    /// Work folder: the round files, the catalogue and the register the project file is
    /// run on (default `work/<country>`).
    pub work_dir: PathBuf,
}

impl PilotOptions {
    /// Defaults for a country: default size, seed 20261128, output `out/<country>`, work
    /// folder `work/<country>`.
    pub fn new(country: Country) -> Self {
        PilotOptions {
            country,
            size: None,
            seed: 20_261_128,
            out_dir: Some(PathBuf::from("out").join(country.name())),
            work_dir: PathBuf::from("work").join(country.name()),
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
    /// The files of the last round, in `out/rounds/<period>/`.
    pub written: Option<Written>,
    /// The output folder (every round's table, the report).
    pub out: Option<PathBuf>,
    /// The round files the project ran on.
    pub files: PilotFiles,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PilotStep {
    /// Steps done before this one.
    pub done: usize,
    /// Steps of the whole run.
    pub count: usize,
    /// What the step does.
    pub what: String,
}

/// The round files a pilot ran on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PilotFiles {
    /// The work folder.
    pub dir: PathBuf,
    /// The round files, earliest round first.
    pub rounds: Vec<PathBuf>,
    /// Whether they were written by this run (false: they were present and up to date,
    /// and were read as they were).
    pub generated: bool,
}

/// Run a pilot: write the round files (unless up to date), run the project file, write
/// the outputs.
pub fn run(options: &PilotOptions) -> Result<PilotRun, PilotError> {
    run_with(options, |_| {})
}

/// As [`run`], calling `on_step` as each step starts (programs draw their progress bar
/// from it; the library draws nothing).
///
/// The pilot takes the road of an office's own data: the synthetic generator writes each
/// round as a file in the work folder ([`PilotOptions::work_dir`]: one CSV, one labelled
/// `.dta` or `.sav`, see [`crate::synth::MEXICO_ROUND_FILES`]), with the pilot catalogue
/// and register beside them; the country's project file ([`MEXICO_PROJECT`],
/// [`TUNISIA_PROJECT`]) is then run on them by [`crate::project`], as `hri run` does.
/// Files already present and written from the same size, seed and generator are reused.
pub fn run_with(
    options: &PilotOptions,
    mut on_step: impl FnMut(PilotStep),
) -> Result<PilotRun, PilotError> {
    let country = options.country;
    let size = options.size.unwrap_or_else(|| country.default_size());
    let write = options.out_dir.is_some();
    let count = 1 + 4 + usize::from(write);
    let mut timings: Vec<(String, Duration)> = Vec::new();
    let mut current: Option<(String, Instant)> = None;
    let mut announce = |done: usize, what: String| {
        if let Some((label, start)) = current.take() {
            timings.push((label, start.elapsed()));
        }
        on_step(PilotStep {
            done,
            count,
            what: what.clone(),
        });
        current = Some((what, Instant::now()));
    };
    announce(0, "writing the round files (synthetic)".to_string());
    let files = round_files(country, size, options.seed, &options.work_dir)?;
    let project = project(country, &options.work_dir)?;
    let run = crate::project::run_with(&project, false, |s| announce(1 + s.done, s.what))?;
    let written = match &options.out_dir {
        Some(dir) => {
            announce(count - 1, "writing files".to_string());
            run.write_files(dir)?
        }
        None => None,
    };
    if let Some((label, start)) = current.take() {
        timings.push((label, start.elapsed()));
    }
    let mut rounds = run.rounds.into_iter();
    let (Some(first), Some(last)) = (rounds.next(), rounds.next_back()) else {
        return Err(PilotError::Rounds(project.path.clone()));
    };
    Ok(PilotRun {
        country,
        results: last.results,
        earlier: first.results,
        rows: last.rows,
        written,
        out: options.out_dir.clone(),
        files,
        timings,
    })
}

/// The country's project, set up in `work`: the pilot catalogue and register written
/// there (`catalogue.toml`, `register.toml`) and the round files read from there.
pub fn project(country: Country, work: &Path) -> Result<Project, PilotError> {
    let io = |path: PathBuf| move |source| PilotError::Io { path, source };
    std::fs::create_dir_all(work).map_err(io(work.to_path_buf()))?;
    let (catalogue, register) = match country {
        Country::Mexico => (MEXICO_CATALOGUE, MEXICO_REGISTER),
        Country::Tunisia => (TUNISIA_CATALOGUE, TUNISIA_REGISTER),
    };
    for (name, text) in [("catalogue.toml", catalogue), ("register.toml", register)] {
        let p = work.join(name);
        if std::fs::read_to_string(&p).ok().as_deref() != Some(text) {
            std::fs::write(&p, text).map_err(io(p.clone()))?;
        }
    }
    let mut project = Project::from_toml_str(country.project_text(), work.join("project.toml"))?;
    project.file.catalogue = "catalogue.toml".to_string();
    project.file.register = Some("register.toml".to_string());
    Ok(project)
}

/// Writes the round files of a pilot into `work`, unless they are there already, written
/// from the same `size`, `seed` and generator (a stamp file records them).
pub fn round_files(
    country: Country,
    size: usize,
    seed: u64,
    work: &Path,
) -> Result<PilotFiles, PilotError> {
    let io = |path: PathBuf| move |source| PilotError::Io { path, source };
    std::fs::create_dir_all(work).map_err(io(work.to_path_buf()))?;
    let specs = country.round_files();
    let paths: Vec<PathBuf> = specs.iter().map(|f| work.join(f.name)).collect();
    let stamp_path = work.join(STAMP);
    let header = stamp_header(country, size, seed);
    let up_to_date = std::fs::read_to_string(&stamp_path)
        .ok()
        .is_some_and(|old| old.starts_with(&header) && old == stamp(&header, &paths));
    if !up_to_date {
        let _ = std::fs::remove_file(&stamp_path);
        for (spec, path) in specs.iter().zip(&paths) {
            let df = match country {
                Country::Mexico => {
                    let raw = mexico_round(size, spec.round, seed)?;
                    let csv = matches!(spec.delivery, crate::synth::Delivery::Csv { .. });
                    crate::synth::mexico_delivery_frame(&raw, csv)?
                }
                Country::Tunisia => {
                    crate::synth::tunisia_delivery_frame(&tunisia_round(size, spec.round, seed)?)?
                }
            };
            let labels = match country {
                Country::Mexico => crate::synth::mexico_value_labels(),
                Country::Tunisia => crate::synth::tunisia_value_labels(),
            };
            crate::synth::write_delivery(&df, &labels, spec.delivery, path)?;
        }
        std::fs::write(&stamp_path, stamp(&header, &paths)).map_err(io(stamp_path.clone()))?;
    }
    Ok(PilotFiles {
        dir: work.to_path_buf(),
        rounds: paths,
        generated: !up_to_date,
    })
}

/// The stamp file of the round files in a work folder.
const STAMP: &str = ".hri-pilot-rounds";

/// What the round files are written from: country, size, seed, and a digest of the
/// generator's and the writers' source, so that a changed generator writes them again.
fn stamp_header(country: Country, size: usize, seed: u64) -> String {
    let source = [
        include_str!("../synth/mod.rs"),
        include_str!("../synth/deliver.rs"),
        match country {
            Country::Mexico => include_str!("../synth/mexico.rs"),
            Country::Tunisia => include_str!("../synth/tunisia.rs"),
        },
    ];
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in source.iter().flat_map(|s| s.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!(
        "hri {} pilot round files (SYNTHETIC)\ncountry = {}\nsize = {size}\nseed = {seed}\ngenerator = {h:016x}\n",
        env!("CARGO_PKG_VERSION"),
        country.name()
    )
}

/// The stamp: the header, then each file with its size in bytes (0 when absent).
fn stamp(header: &str, paths: &[PathBuf]) -> String {
    let mut s = header.to_string();
    for p in paths {
        let len = std::fs::metadata(p).map_or(0, |m| m.len());
        let name = p
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().to_string());
        s.push_str(&format!("{name} = {len}\n"));
    }
    s
}

/// The in-memory route: both rounds generated and derived in memory ([`survey_round`])
/// and computed by the pipeline, with no file written or read; returns the 2015 and 2020
/// results. The pilot itself runs through its project file ([`run`]); this is what it is
/// checked against.
pub fn in_memory(
    country: Country,
    size: usize,
    seed: u64,
) -> Result<(Results, Results), PilotError> {
    let df15 = survey_round(country, size, Round::Y2015, seed)?;
    let earlier = compute(country, df15, Round::Y2015, None)?;
    let df20 = survey_round(country, size, Round::Y2020, seed)?;
    let later = compute(country, df20, Round::Y2020, Some(earlier.clone()))?;
    Ok((earlier, later))
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
    let f = &run.files;
    let _ = writeln!(
        s,
        "\nRound files in {}: {} ({})",
        f.dir.display(),
        f.rounds
            .iter()
            .map(|p| p
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().to_string()))
            .collect::<Vec<_>>()
            .join(", "),
        if f.generated {
            "written now"
        } else {
            "present and up to date: read as they were"
        }
    );
    if let Some(out) = &run.out {
        let _ = writeln!(s, "Written: {} (each round in rounds/)", out.display());
    }
    if let Some(w) = &run.written {
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
