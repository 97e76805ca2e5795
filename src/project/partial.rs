//! A project's partial sums as files: `hri run project.toml --partial part.sums.parquet
//! [--round PERIOD] [--part rows.parquet]` sums one partition of a round's rows (read in
//! batches, derived as `hri run` derives them), and `hri merge --project project.toml
//! part*.sums.parquet [--out DIR]` adds the partitions of every round and writes what
//! `hri run` writes on the whole data. (`hri partial` keeps the flags of `hri estimate`;
//! the project's partition is a flag of `hri run`, which already takes the project.)
//!
//! # File
//!
//! A partial-sums file of the engine ([`crate::partial_file`], format version 1: the
//! request and design in its metadata, refused at merge when they differ), with these
//! further key-value metadata (format [`PROJECT_FORMAT_VERSION`]):
//!
//! | key | value |
//! |---|---|
//! | `hri.project.format_version` | `1` |
//! | `hri.project.settings` | JSON of what decides the computation: the project file without its output folder, streaming keys and round files, the catalogue and the register as read |
//! | `hri.project.period` | the round |
//! | `hri.project.data` | the file summed (for messages) |
//! | `hri.project.columns` | JSON list of `[name, type]`: the round's columns after derivation |
//! | `hri.project.derivations` | JSON list of the partition's derivation reports |
//!
//! Merging refuses ([`ProjectError::PartialMismatch`]) a file of another format version,
//! of other settings than the project file given to `hri merge`, of a round the project
//! does not have, or whose columns have other types than another partition's of the same
//! round (labels are the values' text: an integer `1` and a float `1.0` would name one PSU
//! two ways); a round without any file is an error naming it. Partitions are rows of a
//! round cut anyhow (a PSU may be spread over several): the sums are per (PSU, cell) and
//! add up exactly. The derivation reports are added up in the order the files are given.
//! What cannot be streamed cannot be summed either (see the `stream` module).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::stream::RoundRoute;
use super::{LastRound, Project, ProjectError, ProjectRun, RoundData, RoundRun, pipeline_error};
use crate::derive::DeriveReport;
use crate::estimate::KeyedSums;
use crate::pipeline::Pipeline;

/// The version of the project metadata written, and the only one read.
pub const PROJECT_FORMAT_VERSION: u32 = 1;

const KEY_VERSION: &str = "hri.project.format_version";
const KEY_SETTINGS: &str = "hri.project.settings";
const KEY_PERIOD: &str = "hri.project.period";
const KEY_DATA: &str = "hri.project.data";
const KEY_COLUMNS: &str = "hri.project.columns";
const KEY_DERIVATIONS: &str = "hri.project.derivations";

/// The partial sums of one partition of a project's round.
#[derive(Debug, Clone)]
pub struct RoundPartial {
    /// The round.
    pub period: String,
    /// The file summed.
    pub data: String,
    /// The sums.
    pub sums: KeyedSums,
    /// The partition's derivation reports.
    pub derivations: Vec<DeriveReport>,
    /// The round's columns after derivation, without rows.
    pub columns: DataFrame,
    /// The project's settings (JSON, see the module documentation).
    pub settings: String,
}

/// A column type as the file names it (the types derivations and survey files give).
fn type_name(dtype: &DataType) -> Option<&'static str> {
    Some(match dtype {
        DataType::Boolean => "bool",
        DataType::Int8 => "i8",
        DataType::Int16 => "i16",
        DataType::Int32 => "i32",
        DataType::Int64 => "i64",
        DataType::UInt8 => "u8",
        DataType::UInt16 => "u16",
        DataType::UInt32 => "u32",
        DataType::UInt64 => "u64",
        DataType::Float32 => "f32",
        DataType::Float64 => "f64",
        DataType::String => "str",
        DataType::Null => "null",
        _ => return None,
    })
}

/// The type a file's name stands for.
fn type_of(name: &str) -> Option<DataType> {
    Some(match name {
        "bool" => DataType::Boolean,
        "i8" => DataType::Int8,
        "i16" => DataType::Int16,
        "i32" => DataType::Int32,
        "i64" => DataType::Int64,
        "u8" => DataType::UInt8,
        "u16" => DataType::UInt16,
        "u32" => DataType::UInt32,
        "u64" => DataType::UInt64,
        "f32" => DataType::Float32,
        "f64" => DataType::Float64,
        "str" => DataType::String,
        "null" => DataType::Null,
        _ => return None,
    })
}

impl Project {
    /// What decides a project's computation, as JSON: the project file without its output
    /// folder, streaming keys and round files, with the catalogue and register as read.
    pub fn settings_fingerprint(&self) -> Result<String, ProjectError> {
        let mut file = self.file.clone();
        file.out = String::new();
        file.stream = None;
        file.batch_rows = None;
        file.catalogue = String::new();
        file.register = None;
        for r in &mut file.rounds {
            r.data = String::new();
            r.csv = None;
        }
        let value = serde_json::json!({
            "project": file,
            "catalogue": self.catalogue()?,
            "register": self.register()?,
        });
        Ok(value.to_string())
    }

    /// The index of the round `period`, or of the only round when `period` is `None`.
    fn round_index(&self, period: Option<&str>) -> Result<usize, ProjectError> {
        let periods: Vec<&str> = self.file.rounds.iter().map(|r| r.period.as_str()).collect();
        match period {
            Some(p) => periods.iter().position(|x| *x == p),
            None if periods.len() == 1 => Some(0),
            None => None,
        }
        .ok_or_else(|| ProjectError::Invalid {
            path: self.path.clone(),
            message: match period {
                Some(p) => format!("no round `{p}` (rounds: {})", periods.join(", ")),
                None => format!(
                    "the project has {} rounds: say which (--round {})",
                    periods.len(),
                    periods.join(" | ")
                ),
            },
        })
    }

    /// The partial sums of round `period` (the only round when `None`) over the rows of
    /// `data` (a partition of the round's rows; the round's own file when `None`), read in
    /// batches of `batch_rows` and derived as `hri run` derives them.
    pub fn partial(
        &self,
        period: Option<&str>,
        data: Option<&Path>,
        batch_rows: usize,
    ) -> Result<RoundPartial, ProjectError> {
        let index = self.round_index(period)?;
        let spec = &self.file.rounds[index];
        if let Some((place, reason)) = self.stream_refusal(index, data) {
            return Err(ProjectError::NotStreamable {
                project: self.path.clone(),
                period: spec.period.clone(),
                place,
                reason,
            });
        }
        let catalogue = self.catalogue()?;
        let settings = self.settings()?;
        let setup = self.stream_setup(index, data, &catalogue, &settings, None)??;
        let period = spec.period.clone();
        let mut stream = setup
            .pipeline
            .stream_sums()
            .map_err(|e| pipeline_error(&period, e))?;
        let reports = self.feed(&setup, &catalogue, &mut stream, batch_rows)?;
        let derivations = self.merged_reports(&setup, &reports)?;
        let data_name = setup.schema.files.clone();
        let sums = stream.into_sums().ok_or_else(|| ProjectError::Invalid {
            path: self.path.clone(),
            message: format!("round {period}: the catalogue has no survey indicator to sum"),
        })?;
        Ok(RoundPartial {
            period,
            data: data_name.clone(),
            sums: sums.with_source(data_name),
            derivations,
            columns: setup.columns,
            settings: self.settings_fingerprint()?,
        })
    }

    /// Merges partial-sums files of this project ([`Project::partial`]; every round needs
    /// at least one) and computes every round as [`super::run`] does on the whole data;
    /// written into the project's `out` folder when `write`.
    pub fn merge_partials(
        &self,
        paths: &[PathBuf],
        write: bool,
    ) -> Result<ProjectRun, ProjectError> {
        let settings_json = self.settings_fingerprint()?;
        let mut by_round: BTreeMap<String, Vec<RoundPartial>> = BTreeMap::new();
        for path in paths {
            let part = read_partial(path)?;
            if part.settings != settings_json {
                return Err(ProjectError::PartialMismatch {
                    file: path.clone(),
                    project: self.path.clone(),
                    what: "made with other project settings (derivations, design, catalogue, register, interval, quality or references)".into(),
                });
            }
            if !self.file.rounds.iter().any(|r| r.period == part.period) {
                return Err(ProjectError::PartialMismatch {
                    file: path.clone(),
                    project: self.path.clone(),
                    what: format!(
                        "of round `{}`, which the project does not have",
                        part.period
                    ),
                });
            }
            // Labels are text of the values: a column typed differently in two partitions
            // (an integer 1 and a float 1.0) would name one PSU or group two ways.
            if let Some(first) = by_round.get(&part.period).and_then(|v| v.first()) {
                for c in part.columns.columns() {
                    let theirs = first
                        .columns
                        .column(c.name())
                        .ok()
                        .map(|x| x.dtype().clone());
                    if theirs.as_ref() != Some(c.dtype()) {
                        return Err(ProjectError::PartialMismatch {
                            file: path.clone(),
                            project: self.path.clone(),
                            what: format!(
                                "have column `{}` as {} where `{}` has {}: give the column one type in every partition",
                                c.name(),
                                c.dtype(),
                                first.data,
                                theirs.map_or("no such column".to_string(), |t| t.to_string())
                            ),
                        });
                    }
                }
            }
            by_round.entry(part.period.clone()).or_default().push(part);
        }
        let catalogue = self.catalogue()?;
        let settings = self.settings()?;
        let n = self.file.rounds.len();
        let mut rounds: Vec<RoundRun> = Vec::with_capacity(n);
        let mut last: Option<LastRound> = None;
        for (i, spec) in self.file.rounds.iter().enumerate() {
            let parts = by_round
                .remove(&spec.period)
                .ok_or_else(|| ProjectError::Invalid {
                    path: self.path.clone(),
                    message: format!("no partial-sums file of round {}", spec.period),
                })?;
            let files = parts.len();
            let mut parts = parts.into_iter();
            let Some(first) = parts.next() else {
                continue;
            };
            let columns = first.columns.clone();
            let mut sums = first.sums;
            let mut reports = vec![first.derivations];
            for part in parts {
                sums.merge(part.sums)
                    .map_err(|source| ProjectError::Design {
                        project: self.path.clone(),
                        period: spec.period.clone(),
                        source: Box::new(source),
                    })?;
                reports.push(part.derivations);
            }
            let mut schema = RoundData {
                period: spec.period.clone(),
                files: format!("{files} partial-sums files"),
                data: columns,
                columns: BTreeMap::new(),
            };
            let round_catalogue = self.label_dimensions(&catalogue, &mut schema)?;
            let design = self.design(i, &schema)?;
            let previous = rounds.last().map(|r| r.results.clone());
            let p = self.round_pipeline(
                &round_catalogue,
                Pipeline::builder().schema(schema.data.clone(), design.clone()),
                &settings,
                &spec.period,
                previous,
            )?;
            let rows = sums.rows() as usize;
            let estimated = p
                .estimated_from_sums(sums)
                .map_err(|e| pipeline_error(&spec.period, e))?;
            let results = p
                .results_from(&estimated)
                .map_err(|e| pipeline_error(&spec.period, e))?;
            let derivations = match reports.first() {
                None => Vec::new(),
                Some(first) => (0..first.len())
                    .filter_map(|k| {
                        let parts: Vec<DeriveReport> =
                            reports.iter().filter_map(|r| r.get(k).cloned()).collect();
                        DeriveReport::merge_batches(&parts)
                    })
                    .collect(),
            };
            if n > 2 && i == n - 1 {
                last = Some((round_catalogue, schema.data.clear(), design, estimated));
            }
            rounds.push(RoundRun {
                period: spec.period.clone(),
                rows,
                results,
                derivations,
                route: RoundRoute::Merged { files },
            });
        }
        super::finish_run(self, rounds, last, &settings, write, &mut |_| {})
    }
}

impl RoundPartial {
    /// Writes the sums and the project metadata (see the module documentation) to a
    /// Parquet file.
    pub fn write(&mut self, path: &Path) -> Result<(), ProjectError> {
        let columns: Vec<(String, String)> = self
            .columns
            .columns()
            .iter()
            .map(|c| {
                type_name(c.dtype())
                    .map(|t| (c.name().to_string(), t.to_string()))
                    .ok_or_else(|| ProjectError::Invalid {
                        path: path.to_path_buf(),
                        message: format!(
                            "column `{}` of type {} cannot be described in a partial-sums file",
                            c.name(),
                            c.dtype()
                        ),
                    })
            })
            .collect::<Result<_, _>>()?;
        let json = |v: serde_json::Value| v.to_string();
        let extra = vec![
            (KEY_VERSION.to_string(), PROJECT_FORMAT_VERSION.to_string()),
            (KEY_SETTINGS.to_string(), self.settings.clone()),
            (KEY_PERIOD.to_string(), self.period.clone()),
            (KEY_DATA.to_string(), self.data.clone()),
            (KEY_COLUMNS.to_string(), json(serde_json::json!(columns))),
            (
                KEY_DERIVATIONS.to_string(),
                json(serde_json::json!(self.derivations)),
            ),
        ];
        crate::partial_file::write_with_metadata(&mut self.sums, path, extra).map_err(|source| {
            ProjectError::Stream {
                path: path.to_path_buf(),
                period: self.period.clone(),
                source: Box::new(source),
            }
        })
    }
}

/// Reads a project partial-sums file ([`RoundPartial::write`]).
pub fn read_partial(path: &Path) -> Result<RoundPartial, ProjectError> {
    let engine = |source| ProjectError::Stream {
        path: path.to_path_buf(),
        period: String::new(),
        source: Box::new(source),
    };
    let bad = |what: String| ProjectError::PartialFormat {
        path: path.to_path_buf(),
        problem: what,
    };
    let kv = crate::partial_file::metadata(path).map_err(engine)?;
    let get = |key: &str| {
        kv.iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                bad(format!(
                    "no `{key}`: not a project's partial-sums file (hri partial --project)"
                ))
            })
    };
    let version = get(KEY_VERSION)?;
    if version != PROJECT_FORMAT_VERSION.to_string() {
        return Err(bad(format!(
            "project format version {version}; this program reads version {PROJECT_FORMAT_VERSION}"
        )));
    }
    let columns: Vec<(String, String)> =
        serde_json::from_str(&get(KEY_COLUMNS)?).map_err(|e| bad(format!("{KEY_COLUMNS}: {e}")))?;
    let columns: Vec<Column> = columns
        .into_iter()
        .map(|(name, t)| {
            type_of(&t)
                .map(|dt| Column::full_null(name.as_str().into(), 0, &dt))
                .ok_or_else(|| bad(format!("{KEY_COLUMNS}: unknown type `{t}` of `{name}`")))
        })
        .collect::<Result<_, _>>()?;
    let columns = DataFrame::new(0, columns).map_err(|e| bad(format!("{KEY_COLUMNS}: {e}")))?;
    let derivations: Vec<DeriveReport> = serde_json::from_str(&get(KEY_DERIVATIONS)?)
        .map_err(|e| bad(format!("{KEY_DERIVATIONS}: {e}")))?;
    let sums = crate::partial_file::read(path).map_err(engine)?;
    Ok(RoundPartial {
        period: get(KEY_PERIOD)?,
        data: get(KEY_DATA)?,
        sums,
        derivations,
        columns,
        settings: get(KEY_SETTINGS)?,
    })
}
