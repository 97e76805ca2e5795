//! A project file: one run for a whole country, every round in one results table, from the
//! office's own files (Stata, SPSS, SAS, Parquet, CSV) with joins and derivations declared
//! in TOML. `hri run project.toml` runs it; [`run`] is the same from Rust.
//!
//! ```toml
//! catalogue = "catalogue.toml"   # a file or "builtin"; paths are relative to this file
//! register = "register.toml"     # optional
//! out = "out"
//! ref_area = "MEX"
//! ci = "logit"                   # optional, as `hri compute --ci` (default beta)
//! quality = "nchs_2017"          # optional, as `hri compute --quality`: preset or file
//! withhold = true                # optional: withhold unpublished values (default true)
//! reference = "native_born"      # optional: reference group of migratory_status
//! synthetic = true               # optional: every output says the data are synthetic
//! stream = "auto"                # optional: auto | always | never, rounds read in batches
//! batch_rows = 500000            # optional: rows per batch when streaming
//! [report]                       # optional: the report's header (title, country, survey)
//! country = "Mexico"
//! [design]                       # the keys of a design file (hri compute --design)
//! weight = "fac"
//! strata = "ent"
//! psu = ["upm"]
//! nest = true
//! [[rounds]]
//! period = "2015"
//! data = "enoe_2015.csv"
//! csv = { separator = ";", decimal_comma = true, encoding = "latin1" }
//! [[rounds]]
//! period = "2020"
//! data = "sdem_2020.dta"
//! joins = [{ data = "coe_2020.sav", on = ["ent", "upm", "n_hog", "n_ren"] }]
//! [rounds.design]                # this round's own design keys, over [design]
//! weight = "fac_tri"
//! [derive.sex]                   # SexSpec, AgeGroupSpec, DisabilitySpec,
//! column = "sexo"                # MigratoryStatusSpec, UrbanRuralSpec, IncomeQuintileSpec
//! codes = { codes = { "1" = "male", "2" = "female" }, missing = ["9"] }
//! [derive.age_group]
//! column = "eda"
//! missing_codes = [99]
//! [[derive.recode]]              # any other column: a polars SQL expression
//! output = "born_abroad"
//! sql = "CASE WHEN pais_nac = 484 THEN 'native_born' WHEN pais_nac = 999 THEN NULL ELSE 'born_abroad' END"
//! ```
//!
//! # What a run does
//!
//! For each round, in the file's order: read its `data` file and left-join each of its
//! `joins` (the keys must exist on both sides and be unique on the right; a column other
//! than the keys present on both sides is an error), run the recodes in order (each may use
//! the columns of the ones before), then the standard derivations (sex, age group,
//! disability, migratory status, urban/rural, income quintile: each may read a recode's
//! output), check the design's columns and weights, and run the pipeline with the previous
//! round as its `previous` (so progress and benchmark status are measured between
//! consecutive rounds). With more than two rounds the last round is computed once more
//! against the first (`first_to_last.csv`).
//!
//! # What it writes into `out`
//!
//! | file | content |
//! |---|---|
//! | `indicators.csv`, `.parquet`, `.json` | the indicator table of every round, one after the other (`time_period` holds the round) |
//! | `indicators.sdmx.csv` | the SDMX-CSV observations of every round |
//! | `report.html` | the report of the last round (with its progress since the round before) |
//! | `derivations.csv` | each round's derivation report: rows per group, rows set to `unknown` and why |
//! | `rounds/<period>/` | each round's own five files |
//! | `first_to_last.csv` | with more than two rounds: the last round against the first |
//!
//! Everything is written into a temporary folder next to `out` that replaces `out` only
//! when the whole run succeeded: a failed run leaves the previous outputs untouched.
//!
//! # Streaming and partitions
//!
//! With `stream` (or [`RunOptions::stream`], `hri run --stream`) a round is read in batches
//! and never held whole; the numbers are the in-memory run's (see the `stream` submodule's
//! table of what streams and what is refused, [`StreamMode`], [`RoundRoute`]).
//! [`Project::partial`] sums one partition of a round's rows into a file
//! ([`RoundPartial::write`]) and [`Project::merge_partials`] adds every round's partitions
//! into the run the whole data gives (`hri run --partial`, `hri merge --project`).
//!
//! # Errors
//!
//! Every error is a [`ProjectError`] naming the project file or the data file and the
//! place: the key and line of a TOML error (unknown keys included), the round, the
//! derivation, recode, join or design key of an unknown column, a duplicated join key
//! value, a weight that is missing or negative with its row.

mod partial;
mod stream;

pub use partial::{PROJECT_FORMAT_VERSION, RoundPartial, read_partial};
pub use stream::{RoundRoute, STREAM_CSV_BYTES, STREAM_ROWS, StreamMode};

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, CatalogueError};
use crate::derive::{
    AgeGroupSpec, DeriveError, DeriveReport, DisabilitySpec, IncomeQuintileSpec,
    MigratoryStatusSpec, SexSpec, UrbanRuralSpec,
};
use crate::design::{CalibrationSpec, Design, DesignSpec, LonelyPsu, ReplicateSpec};
use crate::estimate::CiMethod;
use crate::export::{
    ExportError, ExportOptions, Written, frame_to_csv, frame_to_json, write_all_with,
};
use crate::framework::Dimension;
use crate::pipeline::{Pipeline, PipelineError};
use crate::report::ReportOptions;
use crate::results::Results;
use crate::source::{ColumnInfo, CsvOptions, SourceError};
use crate::structural::{Register, RegisterError};

/// The design keys of a project (`[design]`) or of a round (`[rounds.design]`): those of a
/// design file, each optional here; a round's keys replace the project's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignKeys {
    /// Weight column.
    pub weight: Option<String>,
    /// Strata column.
    pub strata: Option<String>,
    /// Sampling-unit columns, PSU first.
    pub psu: Option<Vec<String>>,
    /// Finite population correction columns.
    pub fpc: Option<Vec<String>>,
    /// PSU ids restart within strata.
    pub nest: Option<bool>,
    /// Lonely-PSU policy.
    pub lonely_psu: Option<LonelyPsu>,
    /// Replicate weights.
    pub replicate: Option<ReplicateSpec>,
    /// Calibration of the weights (the design file's `[calibration]` table).
    pub calibration: Option<CalibrationSpec>,
}

impl DesignKeys {
    /// These keys over `base`.
    fn over(&self, base: &DesignKeys) -> DesignKeys {
        DesignKeys {
            weight: self.weight.clone().or_else(|| base.weight.clone()),
            strata: self.strata.clone().or_else(|| base.strata.clone()),
            psu: self.psu.clone().or_else(|| base.psu.clone()),
            fpc: self.fpc.clone().or_else(|| base.fpc.clone()),
            nest: self.nest.or(base.nest),
            lonely_psu: self.lonely_psu.or(base.lonely_psu),
            replicate: self.replicate.clone().or_else(|| base.replicate.clone()),
            calibration: self
                .calibration
                .clone()
                .or_else(|| base.calibration.clone()),
        }
    }
}

/// A file joined to a round's data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinSpec {
    /// The file (relative to the project file).
    pub data: String,
    /// Key columns, present in both files, unique on this side.
    pub on: Vec<String>,
    /// How to read it when it is CSV.
    #[serde(default)]
    pub csv: Option<CsvOptions>,
}

/// One round of the survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundSpec {
    /// The round's label (the `time_period` column), e.g. `"2020"`.
    pub period: String,
    /// The main file (relative to the project file).
    pub data: String,
    /// How to read it when it is CSV.
    #[serde(default)]
    pub csv: Option<CsvOptions>,
    /// Files left-joined to it, in order.
    #[serde(default)]
    pub joins: Vec<JoinSpec>,
    /// This round's design keys, over the project's `[design]`.
    #[serde(default)]
    pub design: DesignKeys,
}

/// A derived column given by a polars SQL expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecodeSpec {
    /// The new (or replaced) column.
    pub output: String,
    /// The expression, e.g. `CASE WHEN p = 1 THEN 'a' ELSE 'b' END`.
    pub sql: String,
}

/// The `[derive]` table: the standard derivations and the recodes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeriveSpecs {
    /// Sex.
    pub sex: Option<SexSpec>,
    /// Age group.
    pub age_group: Option<AgeGroupSpec>,
    /// Disability (WG-SS).
    pub disability: Option<DisabilitySpec>,
    /// Functional difficulty of children (UNICEF/WG Child Functioning Module).
    pub child_functioning: Option<crate::derive::ChildFunctioningSpec>,
    /// Migratory status.
    pub migratory_status: Option<MigratoryStatusSpec>,
    /// Urban or rural residence.
    pub urban_rural: Option<UrbanRuralSpec>,
    /// Income quintile.
    pub income_quintile: Option<IncomeQuintileSpec>,
    /// Other derived columns, run first, in order.
    #[serde(default)]
    pub recode: Vec<RecodeSpec>,
}

/// A project file as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectFile {
    /// The catalogue file, or `builtin`.
    pub catalogue: String,
    /// The country register file.
    #[serde(default)]
    pub register: Option<String>,
    /// The output folder.
    pub out: String,
    /// The country code.
    #[serde(default)]
    pub ref_area: Option<String>,
    /// The interval method (`wald`, `logit`, `xlogit`, `beta`, `wilson`).
    #[serde(default)]
    pub ci: Option<String>,
    /// The quality policy: a preset name or a policy file relative to the project file
    /// ([`crate::quality::QualityPolicy::from_name_or_path`]).
    #[serde(default)]
    pub quality: Option<String>,
    /// Whether unpublished values are withheld (default true).
    #[serde(default)]
    pub withhold: Option<bool>,
    /// The reference group of the migratory-status dimension.
    #[serde(default)]
    pub reference: Option<String>,
    /// Whether the data are synthetic: every output then says so (a `synthetic` column,
    /// the notice in the metadata, the report's banner). Default false.
    #[serde(default)]
    pub synthetic: Option<bool>,
    /// The header of the HTML report.
    #[serde(default)]
    pub report: Option<ReportKeys>,
    /// Whether rounds are read in batches (`auto`, `always`, `never`; default `auto`; see
    /// [`StreamMode`]). `hri run --stream` overrides it.
    #[serde(default)]
    pub stream: Option<StreamMode>,
    /// Rows per batch when streaming (default [`crate::stream::DEFAULT_BATCH_ROWS`]).
    #[serde(default)]
    pub batch_rows: Option<usize>,
    /// The design of every round.
    #[serde(default)]
    pub design: DesignKeys,
    /// The rounds, earliest first.
    pub rounds: Vec<RoundSpec>,
    /// Derivations.
    #[serde(default)]
    pub derive: DeriveSpecs,
}

/// The `[report]` table: the header of the HTML report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportKeys {
    /// The page title.
    #[serde(default)]
    pub title: Option<String>,
    /// The country's name.
    #[serde(default)]
    pub country: Option<String>,
    /// The survey's name.
    #[serde(default)]
    pub survey: Option<String>,
}

/// A project: its file as read and the folder its paths are relative to.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project file.
    pub path: PathBuf,
    /// Its content.
    pub file: ProjectFile,
}

/// Errors of a project run; each names the project or data file and the place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// A file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The project file is not valid TOML or has an unknown or ill-typed key (the message
    /// names the key, the line and the column).
    #[error("{path}: {message}")]
    Parse {
        /// The project file.
        path: PathBuf,
        /// The TOML reader's message.
        message: String,
    },
    /// Settings that do not fit together.
    #[error("{path}: {message}")]
    Invalid {
        /// The project file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A data file cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A column named by the project is not in the round's data.
    #[error("{project}, {place}, round {period}: no column `{column}` in {data}")]
    UnknownColumn {
        /// The project file.
        project: PathBuf,
        /// The round.
        period: String,
        /// Where the column is named (`[derive.sex] column`, `joins on`, `[design] strata`).
        place: String,
        /// The column.
        column: String,
        /// The data file(s) read.
        data: String,
    },
    /// The keys of a joined file are not unique.
    #[error("{path}: join keys ({keys}) are not unique: {value} appears {count} times")]
    DuplicateKey {
        /// The joined (right-hand) file.
        path: PathBuf,
        /// The key columns.
        keys: String,
        /// The duplicated value, as `column = value` pairs.
        value: String,
        /// How many rows hold it.
        count: u32,
    },
    /// A joined file has a column, other than the keys, that the data already has.
    #[error(
        "{path}: column `{column}` is in both files of the join (rename or drop it in one of them)"
    )]
    JoinConflict {
        /// The joined file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A weight is missing or negative.
    #[error("{data}, round {period}: weight column `{column}`, row {row}: {problem}")]
    Weight {
        /// The data file(s).
        data: String,
        /// The round.
        period: String,
        /// The weight column.
        column: String,
        /// 0-based row of the first bad weight.
        row: usize,
        /// What is wrong.
        problem: String,
    },
    /// A recode's SQL does not parse or evaluate.
    #[error("{project}, [[derive.recode]] `{output}`, round {period}: {message}")]
    Recode {
        /// The project file.
        project: PathBuf,
        /// The round.
        period: String,
        /// The recode's output.
        output: String,
        /// What is wrong.
        message: String,
    },
    /// A derivation failed (a code not in its map, a wrong type, ...).
    #[error("{project}, [derive.{derivation}], round {period} ({data}): {source}")]
    Derive {
        /// The project file.
        project: PathBuf,
        /// The round.
        period: String,
        /// The derivation (`sex`, `age_group`, ...).
        derivation: &'static str,
        /// The data file(s).
        data: String,
        /// The derivation's error.
        #[source]
        source: Box<DeriveError>,
    },
    /// The catalogue.
    #[error("catalogue {path}: {source}")]
    Catalogue {
        /// The catalogue file.
        path: PathBuf,
        /// Its error.
        #[source]
        source: Box<CatalogueError>,
    },
    /// The register.
    #[error("register {path}: {source}")]
    Register {
        /// The register file.
        path: PathBuf,
        /// Its error.
        #[source]
        source: Box<RegisterError>,
    },
    /// The design of a round.
    #[error("{project}, design of round {period}: {source}")]
    Design {
        /// The project file.
        project: PathBuf,
        /// The round.
        period: String,
        /// The engine's error.
        #[source]
        source: Box<hri_survey::Error>,
    },
    /// The pipeline of a round.
    #[error("round {period}: {source}")]
    Pipeline {
        /// The round.
        period: String,
        /// The pipeline's error.
        #[source]
        source: Box<PipelineError>,
    },
    /// Reading a round's file in batches failed.
    #[error("{path}, round {period}: reading in batches: {source}")]
    Stream {
        /// The file.
        path: PathBuf,
        /// The round.
        period: String,
        /// The reader's error.
        #[source]
        source: Box<hri_survey::Error>,
    },
    /// A partial-sums file that does not belong to the project it is merged into.
    #[error("{file}: partial sums {what}, not of {project}")]
    PartialMismatch {
        /// The file.
        file: PathBuf,
        /// The project file.
        project: PathBuf,
        /// What differs.
        what: String,
    },
    /// A file that is not a project's partial-sums file of the version this program reads.
    #[error("{path}: {problem}")]
    PartialFormat {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A round cannot be read in batches (streaming `always`): where and why.
    #[error("{project}, round {period}: cannot stream {place}: {reason}")]
    NotStreamable {
        /// The project file.
        project: PathBuf,
        /// The round.
        period: String,
        /// What stops it: the data file, a join, a derivation, a recode, an indicator, or
        /// the design.
        place: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// Writing the outputs.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// polars failed on a table.
    #[error("{what}: {source}")]
    Polars {
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: PolarsError,
    },
}

impl Project {
    /// Reads a project file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Project, ProjectError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ProjectError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Project::from_toml_str(&text, path)
    }

    /// Reads a project from TOML text; `path` names it in errors and is where relative
    /// paths start from.
    pub fn from_toml_str(text: &str, path: impl AsRef<Path>) -> Result<Project, ProjectError> {
        let path = path.as_ref().to_path_buf();
        let file: ProjectFile = toml::from_str(text).map_err(|e| ProjectError::Parse {
            path: path.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let invalid = |message: String| ProjectError::Invalid {
            path: path.clone(),
            message,
        };
        if file.rounds.is_empty() {
            return Err(invalid("no [[rounds]]: give at least one".into()));
        }
        let mut seen = HashSet::new();
        for r in &file.rounds {
            if !seen.insert(r.period.as_str()) {
                return Err(invalid(format!(
                    "two rounds have the period `{}`",
                    r.period
                )));
            }
        }
        Ok(Project { path, file })
    }

    /// A path of the project file, relative to its folder.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let p = Path::new(relative);
        if p.is_absolute() {
            return p.to_path_buf();
        }
        self.path
            .parent()
            .map_or_else(|| p.to_path_buf(), |d| d.join(p))
    }

    /// The output folder.
    pub fn out_dir(&self) -> PathBuf {
        self.resolve(&self.file.out)
    }

    /// How the outputs are written: synthetic or not, and the report's header.
    pub fn export_options(&self) -> ExportOptions {
        let synthetic = self.file.synthetic.unwrap_or(false);
        let mut report = ReportOptions::new().synthetic(synthetic);
        if let Some(r) = &self.file.report {
            if let Some(t) = &r.title {
                report = report.title(t.clone());
            }
            if let Some(c) = &r.country {
                report = report.country(c.clone());
            }
            if let Some(v) = &r.survey {
                report = report.survey(v.clone());
            }
        }
        ExportOptions::new().synthetic(synthetic).report(report)
    }

    /// The catalogue.
    pub fn catalogue(&self) -> Result<Catalogue, ProjectError> {
        if self.file.catalogue == "builtin" {
            return Ok(Catalogue::migrants_rights());
        }
        let path = self.resolve(&self.file.catalogue);
        Catalogue::from_path(&path).map_err(|source| ProjectError::Catalogue {
            path,
            source: Box::new(source),
        })
    }

    /// The register, when the project names one.
    pub fn register(&self) -> Result<Option<Register>, ProjectError> {
        self.file
            .register
            .as_ref()
            .map(|r| {
                let path = self.resolve(r);
                Register::from_path(&path).map_err(|source| ProjectError::Register {
                    path,
                    source: Box::new(source),
                })
            })
            .transpose()
    }

    /// Reads round `index` and joins its files: the rows, and what the files say of their
    /// columns (value labels, declared missing codes).
    pub fn read_round(&self, index: usize) -> Result<RoundData, ProjectError> {
        let round = &self.file.rounds[index];
        let main_path = self.resolve(&round.data);
        let main = crate::source::read(&main_path, &round.csv.clone().unwrap_or_default())?;
        let mut files = vec![round.data.clone()];
        let mut columns = main.columns;
        let mut data = main.data;
        for join in &round.joins {
            let path = self.resolve(&join.data);
            files.push(join.data.clone());
            let right = crate::source::read(&path, &join.csv.clone().unwrap_or_default())?;
            let place = format!("joins on (with {})", join.data);
            for key in &join.on {
                if data.column(key).is_err() {
                    return Err(self.unknown(round, &place, key, &files[..files.len() - 1]));
                }
                if right.data.column(key).is_err() {
                    return Err(self.unknown(round, &place, key, std::slice::from_ref(&join.data)));
                }
            }
            for name in right.data.get_column_names() {
                if !join.on.iter().any(|k| k == name.as_str()) && data.column(name).is_ok() {
                    return Err(ProjectError::JoinConflict {
                        path: path.clone(),
                        column: name.to_string(),
                    });
                }
            }
            let mut right_df = right.data;
            for key in &join.on {
                let (l, r) =
                    common_key(&data, &right_df, key).map_err(|source| ProjectError::Polars {
                        what: format!("{}: join key `{key}`", path.display()),
                        source,
                    })?;
                data.with_column(l).map_err(|source| ProjectError::Polars {
                    what: format!("join key `{key}`"),
                    source,
                })?;
                right_df
                    .with_column(r)
                    .map_err(|source| ProjectError::Polars {
                        what: format!("join key `{key}`"),
                        source,
                    })?;
            }
            check_unique(&right_df, &join.on, &path)?;
            data = data
                .join(
                    &right_df,
                    join.on.iter().map(String::as_str),
                    join.on.iter().map(String::as_str),
                    JoinArgs::new(JoinType::Left).with_coalesce(JoinCoalesce::CoalesceColumns),
                    None,
                )
                .map_err(|source| ProjectError::Polars {
                    what: format!("joining {}", path.display()),
                    source,
                })?;
            for (name, info) in right.columns {
                columns.entry(name).or_insert(info);
            }
        }
        Ok(RoundData {
            period: round.period.clone(),
            files: files.join(" + "),
            data,
            columns,
        })
    }

    fn unknown(
        &self,
        round: &RoundSpec,
        place: &str,
        column: &str,
        files: &[String],
    ) -> ProjectError {
        ProjectError::UnknownColumn {
            project: self.path.clone(),
            period: round.period.clone(),
            place: place.to_string(),
            column: column.to_string(),
            data: files.join(" + "),
        }
    }

    /// Runs the recodes and derivations on a round's data, returning their reports.
    pub fn derive(&self, round: &mut RoundData) -> Result<Vec<DeriveReport>, ProjectError> {
        let d = &self.file.derive;
        for r in &d.recode {
            self.recode(round, r)?;
        }
        let mut reports = Vec::new();
        macro_rules! derivation {
            ($field:ident, $func:path, $columns:expr) => {
                if let Some(spec) = &d.$field {
                    let columns: Vec<String> = $columns(spec);
                    for c in columns {
                        if round.data.column(&c).is_err() {
                            return Err(ProjectError::UnknownColumn {
                                project: self.path.clone(),
                                period: round.period.clone(),
                                place: format!("[derive.{}]", stringify!($field)),
                                column: c,
                                data: round.files.clone(),
                            });
                        }
                    }
                    let derived = $func(&round.data, spec)
                        .and_then(|x| x.add_to(&mut round.data).map(|_| x))
                        .map_err(|source| ProjectError::Derive {
                            project: self.path.clone(),
                            period: round.period.clone(),
                            derivation: stringify!($field),
                            data: round.files.clone(),
                            source: Box::new(source),
                        })?;
                    reports.push(derived.report);
                }
            };
        }
        derivation!(sex, crate::derive::sex, |s: &SexSpec| vec![
            s.column.clone()
        ]);
        derivation!(
            age_group,
            crate::derive::age_group,
            |s: &AgeGroupSpec| vec![s.column.clone()]
        );
        derivation!(
            disability,
            crate::derive::disability,
            |s: &DisabilitySpec| s.columns.as_array().iter().map(|c| c.to_string()).collect()
        );
        derivation!(
            child_functioning,
            crate::derive::child_functioning,
            |s: &crate::derive::ChildFunctioningSpec| {
                let mut v = vec![s.age.clone()];
                for items in [&s.ages_2_4, &s.ages_5_17] {
                    v.extend(items.difficulty.iter().cloned());
                    v.extend(items.a_lot_more.iter().cloned());
                    v.extend(items.daily.iter().cloned());
                }
                v
            }
        );
        derivation!(
            migratory_status,
            crate::derive::migratory_status,
            |s: &MigratoryStatusSpec| {
                let mut v = vec![s.country_of_birth.clone(), s.citizenship.clone()];
                v.extend(s.years_since_arrival.iter().cloned());
                v.extend(s.years_abroad.iter().cloned());
                v.extend(s.resided_abroad.iter().cloned());
                v
            }
        );
        derivation!(
            urban_rural,
            crate::derive::urban_rural,
            |_: &UrbanRuralSpec| { Vec::new() }
        );
        derivation!(
            income_quintile,
            crate::derive::income_quintile,
            |s: &IncomeQuintileSpec| vec![s.income.clone()]
        );
        Ok(reports)
    }

    fn recode(&self, round: &mut RoundData, r: &RecodeSpec) -> Result<(), ProjectError> {
        let fail = |message: String| ProjectError::Recode {
            project: self.path.clone(),
            period: round.period.clone(),
            output: r.output.clone(),
            message,
        };
        let sql = r.sql.clone();
        let expr = crate::sql::on_sql_stack("recode", move || polars::sql::sql_expr(&sql))
            .map_err(|e| fail(format!("`{}` does not parse: {e}", r.sql)))?;
        for e in &expr {
            if let Expr::Column(name) = e
                && round.data.column(name.as_str()).is_err()
            {
                return Err(ProjectError::UnknownColumn {
                    project: self.path.clone(),
                    period: round.period.clone(),
                    place: format!("[[derive.recode]] `{}`", r.output),
                    column: name.to_string(),
                    data: round.files.clone(),
                });
            }
        }
        let df = std::mem::take(&mut round.data);
        round.data = df
            .lazy()
            .with_column(expr.alias(r.output.as_str()))
            .collect()
            .map_err(|e| fail(e.to_string()))?;
        Ok(())
    }

    /// The catalogue for a round whose data are derived: each dimension read from a column
    /// that no derivation or recode wrote and that carries value labels in its file takes
    /// its group names from those labels (codes without a label keep their code), in a
    /// column named after the dimension (or in place, when the column has that name).
    pub fn label_dimensions(
        &self,
        catalogue: &Catalogue,
        round: &mut RoundData,
    ) -> Result<Catalogue, ProjectError> {
        let d = &self.file.derive;
        let mut derived: Vec<&str> = d.recode.iter().map(|r| r.output.as_str()).collect();
        derived.extend(d.sex.iter().map(|s| s.output.as_str()));
        derived.extend(d.age_group.iter().map(|s| s.output.as_str()));
        derived.extend(d.disability.iter().map(|s| s.output.as_str()));
        derived.extend(d.migratory_status.iter().map(|s| s.output.as_str()));
        derived.extend(d.urban_rural.iter().map(|s| s.output.as_str()));
        derived.extend(d.income_quintile.iter().map(|s| s.output.as_str()));
        let mut out = catalogue.clone();
        let mut used: Vec<Dimension> = Vec::new();
        for i in &catalogue.indicators {
            for dim in i.disaggregations.iter().flatten() {
                if !used.contains(dim) {
                    used.push(*dim);
                }
            }
        }
        if out.dimensions.is_empty() {
            for dim in &used {
                out.dimensions.insert(*dim, dim.as_str().to_string());
            }
        }
        for dim in used {
            let column = catalogue.column(dim).to_string();
            if derived.contains(&column.as_str()) {
                continue;
            }
            let Some(labels) = round
                .columns
                .get(&column)
                .map(|c| &c.value_labels)
                .filter(|l| !l.is_empty())
            else {
                continue;
            };
            let Ok(values) = round.data.column(&column) else {
                continue;
            };
            let polars = |source| ProjectError::Polars {
                what: format!("labelling column `{column}`"),
                source,
            };
            let text = values.cast(&DataType::String).map_err(polars)?;
            let labelled: Vec<Option<String>> = text
                .str()
                .map_err(polars)?
                .iter()
                .map(|v| {
                    v.map(|v| {
                        let code = crate::source::code_text(v);
                        labels.get(&code).cloned().unwrap_or(code)
                    })
                })
                .collect();
            let target = if round.data.column(dim.as_str()).is_ok() && dim.as_str() != column {
                column.clone()
            } else {
                dim.as_str().to_string()
            };
            round
                .data
                .with_column(Column::new(target.as_str().into(), labelled))
                .map_err(polars)?;
            out.dimensions.insert(dim, target);
        }
        Ok(out)
    }

    /// The design of round `index`, checked against its data: every design column exists
    /// and every weight is present and not negative.
    pub fn design(&self, index: usize, round: &RoundData) -> Result<Design, ProjectError> {
        let spec = &self.file.rounds[index];
        let keys = spec.design.over(&self.file.design);
        let weight = keys.weight.clone().ok_or_else(|| ProjectError::Invalid {
            path: self.path.clone(),
            message: format!(
                "round {}: no weight column (give `weight` in [design] or [rounds.design])",
                spec.period
            ),
        })?;
        let mut named: Vec<(&str, String)> = vec![("weight", weight.clone())];
        if let Some(s) = &keys.strata {
            named.push(("strata", s.clone()));
        }
        for p in keys.psu.iter().flatten() {
            named.push(("psu", p.clone()));
        }
        for f in keys.fpc.iter().flatten() {
            named.push(("fpc", f.clone()));
        }
        for (key, column) in named {
            if round.data.column(&column).is_err() {
                let place = if spec.design.over(&DesignKeys::default()) == DesignKeys::default() {
                    format!("[design] {key}")
                } else {
                    format!("[design] or [rounds.design] {key}")
                };
                return Err(ProjectError::UnknownColumn {
                    project: self.path.clone(),
                    period: round.period.clone(),
                    place,
                    column,
                    data: round.files.clone(),
                });
            }
        }
        check_weights(round, &weight, 0)?;
        let design = DesignSpec {
            weight,
            strata: keys.strata,
            psu: keys.psu.unwrap_or_default(),
            fpc: keys.fpc.unwrap_or_default(),
            nest: keys.nest.unwrap_or(false),
            lonely_psu: keys.lonely_psu.unwrap_or_default(),
            replicate: keys.replicate,
            calibration: keys.calibration,
        };
        design.to_design().map_err(|source| ProjectError::Design {
            project: self.path.clone(),
            period: round.period.clone(),
            source: Box::new(source),
        })
    }
}

/// A round's data after reading and joining.
#[derive(Debug, Clone)]
pub struct RoundData {
    /// The round's label.
    pub period: String,
    /// The files read, joined by ` + ` (for messages).
    pub files: String,
    /// The rows.
    pub data: DataFrame,
    /// What the files say of their columns.
    pub columns: BTreeMap<String, ColumnInfo>,
}

/// Casts a join key to one type on both sides: integers (and floats that are whole numbers)
/// to `Int64`, anything else to text.
fn common_key(left: &DataFrame, right: &DataFrame, key: &str) -> PolarsResult<(Column, Column)> {
    let l = left.column(key)?;
    let r = right.column(key)?;
    let whole = |c: &Column| -> PolarsResult<bool> {
        let dt = c.dtype();
        if dt.is_integer() {
            return Ok(true);
        }
        if dt.is_float() {
            let f = c.cast(&DataType::Float64)?;
            return Ok(f.f64()?.iter().flatten().all(|x| x.fract() == 0.0));
        }
        Ok(false)
    };
    if whole(l)? && whole(r)? {
        Ok((l.cast(&DataType::Int64)?, r.cast(&DataType::Int64)?))
    } else {
        Ok((l.cast(&DataType::String)?, r.cast(&DataType::String)?))
    }
}

/// Errors with the first key value that appears more than once on the right of a join.
fn check_unique(df: &DataFrame, keys: &[String], path: &Path) -> Result<(), ProjectError> {
    let polars = |source| ProjectError::Polars {
        what: format!("{}: checking join keys", path.display()),
        source,
    };
    let counts = df
        .clone()
        .lazy()
        .select(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
        .with_row_index("__hri_row", None)
        .group_by(keys.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
        .agg([
            len().alias("__hri_count"),
            col("__hri_row").min().alias("__hri_first"),
        ])
        .filter(col("__hri_count").gt(lit(1)))
        .sort(["__hri_first"], SortMultipleOptions::default())
        .limit(1)
        .collect()
        .map_err(polars)?;
    if counts.height() == 0 {
        return Ok(());
    }
    let value = keys
        .iter()
        .map(|k| {
            let v = counts
                .column(k)
                .and_then(|c| c.get(0).map(|v| v.to_string()))
                .unwrap_or_default();
            format!("{k} = {v}")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let count = counts
        .column("__hri_count")
        .ok()
        .and_then(|c| c.get(0).ok())
        .and_then(|v| v.extract::<u32>())
        .unwrap_or(2);
    Err(ProjectError::DuplicateKey {
        path: path.to_path_buf(),
        keys: keys.join(", "),
        value,
        count,
    })
}

/// Errors with the first missing or negative weight (rows numbered from `first_row`).
fn check_weights(round: &RoundData, weight: &str, first_row: usize) -> Result<(), ProjectError> {
    let bad = |row: usize, problem: String| ProjectError::Weight {
        data: round.files.clone(),
        period: round.period.clone(),
        column: weight.to_string(),
        row: first_row + row,
        problem,
    };
    let c = round
        .data
        .column(weight)
        .and_then(|c| c.cast(&DataType::Float64))
        .map_err(|source| ProjectError::Polars {
            what: format!("weight column `{weight}`"),
            source,
        })?;
    let ca = c.f64().map_err(|source| ProjectError::Polars {
        what: format!("weight column `{weight}`"),
        source,
    })?;
    for (row, w) in ca.iter().enumerate() {
        match w {
            None => return Err(bad(row, "missing weight".into())),
            Some(x) if x.is_nan() => return Err(bad(row, "missing weight".into())),
            Some(x) if x < 0.0 => return Err(bad(row, format!("negative weight {x}"))),
            Some(x) if !x.is_finite() => return Err(bad(row, format!("weight {x}"))),
            _ => {}
        }
    }
    Ok(())
}

/// One round's outcome.
#[derive(Debug, Clone)]
pub struct RoundRun {
    /// The round's label.
    pub period: String,
    /// Rows of the round's data.
    pub rows: usize,
    /// Its results (with progress since the round before, if any).
    pub results: Results,
    /// Its derivation reports, in the order run.
    pub derivations: Vec<DeriveReport>,
    /// Whether it was computed in memory or read in batches, and why not when it was
    /// expected to be.
    pub route: RoundRoute,
}

/// What a project run produced.
#[derive(Debug, Clone)]
pub struct ProjectRun {
    /// Each round, in the file's order.
    pub rounds: Vec<RoundRun>,
    /// The indicator table of every round, one after the other.
    pub indicators: DataFrame,
    /// With more than two rounds, the last round against the first.
    pub first_to_last: Option<Results>,
    /// The output folder (written when the run was asked to write).
    pub out: Option<PathBuf>,
    /// How the outputs are written.
    pub export: ExportOptions,
}

impl ProjectRun {
    /// The summary scores of every round, one after the other (see
    /// [`Results::summaries_frame`]).
    pub fn summaries(&self) -> Result<DataFrame, ProjectError> {
        let polars = |source| ProjectError::Polars {
            what: "stacking the rounds' summaries".into(),
            source,
        };
        let mut frames = Vec::with_capacity(self.rounds.len());
        for r in &self.rounds {
            frames.push(r.results.summaries_frame().map_err(polars)?.lazy());
        }
        concat(frames, UnionArgs::default())
            .and_then(|lf| lf.collect())
            .map_err(polars)
    }

    /// Writes every output of the run into `out`, as `hri run` does: into a temporary
    /// folder first, then put in `out`'s place, so that a failure leaves `out` as it was.
    pub fn write(&self, out: &Path) -> Result<(), ProjectError> {
        write_outputs(self, out).map(|_| ())
    }

    /// As [`ProjectRun::write`], returning the files of the last round (in `out/rounds/`),
    /// with what its SDG file holds.
    pub fn write_files(&self, out: &Path) -> Result<Option<Written>, ProjectError> {
        write_outputs(self, out)
    }
}

/// A step of a project run, announced as it starts (programs draw a progress bar from it;
/// the library draws nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectStep {
    /// Steps done before this one.
    pub done: usize,
    /// Steps of the whole run.
    pub count: usize,
    /// What the step does.
    pub what: String,
}

/// Runs a project and writes its outputs (see the [module documentation](self)).
pub fn run(project: &Project) -> Result<ProjectRun, ProjectError> {
    run_with(project, true, |_| {})
}

/// As [`run`], writing only when `write` is set, calling `on_step` as each step starts.
pub fn run_with(
    project: &Project,
    write: bool,
    on_step: impl FnMut(ProjectStep),
) -> Result<ProjectRun, ProjectError> {
    let options = RunOptions {
        write,
        ..RunOptions::default()
    };
    run_with_options(project, &options, on_step)
}

/// How a project is run: written or not, and whether its rounds are read in batches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Write the outputs into the project's `out` folder.
    pub write: bool,
    /// Streaming, over the project file's `stream` key (default [`StreamMode::Auto`]).
    pub stream: Option<StreamMode>,
    /// Rows per batch, over the project file's `batch_rows` key.
    pub batch_rows: Option<usize>,
    /// The sizes from which [`StreamMode::Auto`] streams a round: Parquet rows and CSV
    /// bytes (default [`STREAM_ROWS`] and [`STREAM_CSV_BYTES`]).
    pub auto_from: Option<(usize, u64)>,
}

/// A round's pipeline settings shared by every route: what the project file says.
pub(crate) struct Settings {
    register: Option<Register>,
    ci: Option<CiMethod>,
    quality: Option<crate::quality::QualityPolicy>,
}

/// What the last round leaves for the last-against-first comparison: its catalogue, its
/// columns (no rows), design and estimates.
pub(crate) type LastRound = (Catalogue, DataFrame, Design, crate::pipeline::Estimated);

/// As [`run_with`], with the streaming options (see [`StreamMode`] and the `stream`
/// module's table of what streams).
pub fn run_with_options(
    project: &Project,
    options: &RunOptions,
    mut on_step: impl FnMut(ProjectStep),
) -> Result<ProjectRun, ProjectError> {
    let write = options.write;
    let mode = options.stream.or(project.file.stream).unwrap_or_default();
    let batch_rows = options
        .batch_rows
        .or(project.file.batch_rows)
        .unwrap_or(crate::stream::DEFAULT_BATCH_ROWS);
    if batch_rows == 0 {
        return Err(ProjectError::Invalid {
            path: project.path.clone(),
            message: "batch_rows must be at least 1".into(),
        });
    }
    let n = project.file.rounds.len();
    let count = 2 * n + usize::from(n > 2) + usize::from(write);
    let mut done = 0;
    let mut step = |what: String| {
        on_step(ProjectStep { done, count, what });
        done += 1;
    };
    let catalogue = project.catalogue()?;
    let settings = project.settings()?;
    let mut rounds: Vec<RoundRun> = Vec::with_capacity(n);
    let mut last: Option<LastRound> = None;
    for i in 0..n {
        let spec = &project.file.rounds[i];
        let previous = rounds.last().map(|r| r.results.clone());
        let refusal = match mode {
            StreamMode::Never => None,
            _ => project.stream_refusal(i, None),
        };
        let streams = match (mode, &refusal) {
            (StreamMode::Never, _) => false,
            (StreamMode::Always, Some((place, reason))) => {
                return Err(ProjectError::NotStreamable {
                    project: project.path.clone(),
                    period: spec.period.clone(),
                    place: place.clone(),
                    reason: reason.clone(),
                });
            }
            (StreamMode::Always, None) => true,
            (StreamMode::Auto, _) => project.large_round(
                i,
                options.auto_from.unwrap_or((STREAM_ROWS, STREAM_CSV_BYTES)),
            )?,
        };
        let mut fallback = None;
        // A round that tried to stream has announced its first step already.
        let mut tried = false;
        if streams {
            if let Some((place, reason)) = refusal {
                fallback = Some(format!("{place}: {reason}"));
            } else {
                step(format!("round {}: streaming {}", spec.period, spec.data));
                tried = true;
                let streamed =
                    project.run_streamed(i, &catalogue, &settings, previous.clone(), batch_rows)?;
                match streamed {
                    Ok((run, kept)) => {
                        step(format!("round {}: computed", spec.period));
                        if n > 2 && i == n - 1 {
                            last = Some(kept);
                        }
                        rounds.push(run);
                        continue;
                    }
                    Err(refused) if mode == StreamMode::Always => return Err(refused),
                    Err(ProjectError::NotStreamable { place, reason, .. }) => {
                        fallback = Some(format!("{place}: {reason}"));
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        step(format!("round {}: reading {}", spec.period, spec.data));
        let mut round = project.read_round(i)?;
        let derivations = project.derive(&mut round)?;
        let round_catalogue = project.label_dimensions(&catalogue, &mut round)?;
        let design = project.design(i, &round)?;
        if !tried {
            step(format!("round {}: computing", spec.period));
        }
        let rows = round.data.height();
        let columns = round.data.clear();
        let p = project.round_pipeline(
            &round_catalogue,
            Pipeline::builder().data(round.data, design.clone()),
            &settings,
            &spec.period,
            previous,
        )?;
        let estimated = p.estimate().map_err(|e| pipeline_error(&spec.period, e))?;
        let results = p
            .results_from(&estimated)
            .map_err(|e| pipeline_error(&spec.period, e))?;
        if n > 2 && i == n - 1 {
            last = Some((round_catalogue, columns, design, estimated));
        }
        rounds.push(RoundRun {
            period: spec.period.clone(),
            rows,
            results,
            derivations,
            route: RoundRoute::Memory { fallback },
        });
    }
    finish_run(project, rounds, last, &settings, write, &mut step)
}

/// What follows the rounds: the last round against the first (with more than two rounds),
/// the stacked table, and the files when `write`.
fn finish_run(
    project: &Project,
    rounds: Vec<RoundRun>,
    last: Option<LastRound>,
    settings: &Settings,
    write: bool,
    step: &mut impl FnMut(String),
) -> Result<ProjectRun, ProjectError> {
    let n = rounds.len();
    // The last round against the first: the last round's estimates, another previous.
    let first_to_last = match last {
        Some((catalogue, columns, design, estimated)) if n > 2 => {
            step("the last round against the first".to_string());
            let period = rounds[n - 1].period.clone();
            let p = project.round_pipeline(
                &catalogue,
                Pipeline::builder().schema(columns, design),
                settings,
                &period,
                Some(rounds[0].results.clone()),
            )?;
            Some(
                p.results_from(&estimated)
                    .map_err(|e| pipeline_error(&period, e))?,
            )
        }
        _ => None,
    };
    let indicators = stack(&rounds)?;
    let mut run = ProjectRun {
        rounds,
        indicators,
        first_to_last,
        out: None,
        export: project.export_options(),
    };
    if write {
        step("writing files".to_string());
        let out = project.out_dir();
        write_outputs(&run, &out)?;
        run.out = Some(out);
    }
    Ok(run)
}

/// A pipeline error of a round.
pub(crate) fn pipeline_error(period: &str, source: PipelineError) -> ProjectError {
    ProjectError::Pipeline {
        period: period.to_string(),
        source: Box::new(source),
    }
}

impl Project {
    /// The settings of every round's pipeline: the register, interval and quality policy.
    pub(crate) fn settings(&self) -> Result<Settings, ProjectError> {
        let ci = self
            .file
            .ci
            .as_deref()
            .map(|c| c.parse::<CiMethod>())
            .transpose()
            .map_err(|e| ProjectError::Invalid {
                path: self.path.clone(),
                message: format!("ci: {e}"),
            })?;
        let quality = self
            .file
            .quality
            .as_deref()
            .map(|q| {
                let base = self.path.parent().unwrap_or(Path::new("."));
                let path = base.join(q);
                match crate::quality::QualityPolicy::preset(q) {
                    Ok(p) => Ok(p),
                    Err(_) if path.is_file() => {
                        crate::quality::QualityPolicy::from_name_or_path(&path.to_string_lossy())
                    }
                    Err(e) => Err(e),
                }
            })
            .transpose()
            .map_err(|e| ProjectError::Invalid {
                path: self.path.clone(),
                message: format!("quality: {e}"),
            })?;
        Ok(Settings {
            register: self.register()?,
            ci,
            quality,
        })
    }

    /// The pipeline of a round: the project's settings over `b` (which holds the data or
    /// the columns and the design).
    pub(crate) fn round_pipeline(
        &self,
        catalogue: &Catalogue,
        b: crate::pipeline::PipelineBuilder,
        settings: &Settings,
        period: &str,
        previous: Option<Results>,
    ) -> Result<Pipeline, ProjectError> {
        let mut b = b
            .catalogue(catalogue.clone())
            .time_period(period.to_string());
        if let Some(r) = &settings.register {
            b = b.register(r.clone());
        }
        if let Some(a) = &self.file.ref_area {
            b = b.ref_area(a.clone());
        }
        if let Some(c) = settings.ci {
            b = b.ci(c);
        }
        if let Some(q) = &settings.quality {
            b = b.quality(q.clone());
        }
        if let Some(w) = self.file.withhold {
            b = b.withhold(w);
        }
        if let Some(r) = &self.file.reference {
            b = b.reference(Dimension::MigratoryStatus, r.clone());
        }
        if let Some(p) = previous {
            b = b.previous(p);
        }
        b.build().map_err(|e| pipeline_error(period, e))
    }
}

/// The indicator tables of every round, one after the other.
fn stack(rounds: &[RoundRun]) -> Result<DataFrame, ProjectError> {
    let frames: Vec<LazyFrame> = rounds
        .iter()
        .map(|r| r.results.indicators().clone().lazy())
        .collect();
    concat(frames, UnionArgs::default())
        .and_then(|lf| lf.collect())
        .map_err(|source| ProjectError::Polars {
            what: "stacking the rounds' tables".into(),
            source,
        })
}

/// The derivation reports of every round as one table.
pub fn derivations_frame(rounds: &[RoundRun]) -> Result<DataFrame, PolarsError> {
    let mut period = Vec::new();
    let mut output = Vec::new();
    let mut kind = Vec::new();
    let mut label = Vec::new();
    let mut rows = Vec::new();
    for r in rounds {
        for d in &r.derivations {
            for (k, list) in [("group", &d.groups), ("unknown_reason", &d.unknown)] {
                for c in list {
                    period.push(r.period.clone());
                    output.push(d.output.clone());
                    kind.push(k);
                    label.push(c.label.clone());
                    rows.push(c.rows);
                }
            }
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("time_period".into(), period),
        Column::new("output".into(), output),
        Column::new("kind".into(), kind),
        Column::new("label".into(), label),
        Column::new("rows".into(), rows),
    ])
}

/// Writes every output into a temporary folder next to `out`, then puts it in `out`'s place;
/// returns the last round's files, as they are once in place.
fn write_outputs(run: &ProjectRun, out: &Path) -> Result<Option<Written>, ProjectError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ProjectError::Io { path, source }
    };
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let name = out
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy().to_string());
    let tmp = parent.join(format!(".{name}.hri-tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    let last = match write_into(run, &tmp) {
        Ok(w) => w.map(|w| rebase(w, &tmp, out)),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let old = parent.join(format!(".{name}.hri-old-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &old).map_err(io(out))?;
    }
    if let Err(source) = std::fs::rename(&tmp, out) {
        if old.exists() {
            let _ = std::fs::rename(&old, out);
        }
        return Err(ProjectError::Io {
            path: out.to_path_buf(),
            source,
        });
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(last)
}

/// The paths of `w`, written under `from`, once `from` is renamed `to`.
fn rebase(w: Written, from: &Path, to: &Path) -> Written {
    let at = |p: PathBuf| p.strip_prefix(from).map_or(p.clone(), |rest| to.join(rest));
    Written {
        csv: at(w.csv),
        parquet: at(w.parquet),
        json: at(w.json),
        sdmx: at(w.sdmx),
        sdmx_structure: at(w.sdmx_structure),
        sdg: at(w.sdg),
        metadata: at(w.metadata),
        report: at(w.report),
        sdg_export: w.sdg_export,
    }
}

fn write_into(run: &ProjectRun, dir: &Path) -> Result<Option<Written>, ProjectError> {
    let io = |path: PathBuf| move |source| ProjectError::Io { path, source };
    std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
    let options = &run.export;
    let mut sdmx = String::new();
    let mut last = None;
    for r in &run.rounds {
        let sub = dir.join("rounds").join(sanitize(&r.period));
        let w = write_all_with(&r.results, &sub, options)?;
        let text = std::fs::read_to_string(&w.sdmx).map_err(io(w.sdmx.clone()))?;
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        if sdmx.is_empty() {
            sdmx.push_str(header);
            sdmx.push('\n');
        }
        for l in lines {
            sdmx.push_str(l);
            sdmx.push('\n');
        }
        last = Some(w);
    }
    let write = |name: &str, text: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, text).map_err(io(p))
    };
    let mut stacked = run.indicators.clone();
    if options.synthetic {
        let height = stacked.height();
        stacked
            .with_column(Column::new(
                crate::export::SYNTHETIC_COLUMN.into(),
                vec![true; height],
            ))
            .map_err(|source| ProjectError::Polars {
                what: "marking the table synthetic".into(),
                source,
            })?;
    }
    write(
        crate::export::INDICATORS_CSV,
        frame_to_csv(&stacked)?.as_bytes(),
    )?;
    write(
        crate::export::INDICATORS_JSON,
        frame_to_json(&stacked)?.as_bytes(),
    )?;
    write(crate::export::INDICATORS_SDMX_CSV, sdmx.as_bytes())?;
    let parquet = dir.join(crate::export::INDICATORS_PARQUET);
    let file = std::fs::File::create(&parquet).map_err(io(parquet.clone()))?;
    ParquetWriter::new(file)
        .finish(&mut stacked)
        .map_err(|source| ProjectError::Polars {
            what: format!("writing {}", parquet.display()),
            source,
        })?;
    if let Some(w) = &last {
        std::fs::copy(&w.report, dir.join(crate::export::REPORT_HTML))
            .map_err(io(w.report.clone()))?;
    }
    let derivations = derivations_frame(&run.rounds).map_err(|source| ProjectError::Polars {
        what: "the derivation reports".into(),
        source,
    })?;
    write("derivations.csv", frame_to_csv(&derivations)?.as_bytes())?;
    if let Some(f) = &run.first_to_last {
        write(
            "first_to_last.csv",
            frame_to_csv(f.indicators())?.as_bytes(),
        )?;
    }
    Ok(last)
}

/// A period as a folder name.
fn sanitize(period: &str) -> String {
    period
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
