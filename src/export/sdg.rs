//! `indicators.sdg.csv`: the observations of the indicators that the catalogue maps to an
//! SDG series, as SDMX-CSV conformant to the SDG data structure definition
//! (`IAEG-SDGs:SDG`), for the SDG Global Database.
//!
//! # Layout
//!
//! SDMX-CSV 1.0 by default (first column `DATAFLOW` = `IAEG-SDGs:DF_SDG_GLC(1.22)`, the
//! dataflow of country data), or SDMX-CSV 2.0 ([`SdgCsvVersion::V2`]: `STRUCTURE` =
//! `dataflow`, `STRUCTURE_ID` = the dataflow, `ACTION` = `I`). Then the 15 dimensions of the
//! DSD in order, `TIME_PERIOD`, `OBS_VALUE`, and the attributes `OBS_STATUS`, `UNIT_MULT`,
//! `UNIT_MEASURE` (mandatory), `NATURE`, `COMMENT_OBS`, `UPPER_BOUND`, `LOWER_BOUND`,
//! `SOURCE_DETAIL` (conditional); no other column ([`crate::framework::sdg`]).
//!
//! | column | value |
//! |---|---|
//! | `FREQ` | `A` (annual) |
//! | `REPORTING_TYPE` | `N` (national) |
//! | `SERIES` | the indicator's `sdg_series` in the catalogue |
//! | `REF_AREA` | the M49 numeric code of the results' `ref_area` (`MEX` → `484`, `TUN` → `788`; `data/sdg/m49.csv`) |
//! | `SEX` | `_T`, `F` (female), `M` (male) |
//! | `AGE` | the ages of the indicator's universe when it states them and the code list has the band (`eda >= 15` → `Y_GE15`: the SDG database's total for 8.5.2), else `_T`; an age band `a-b` → `YaTb`, `a+` → `Y_GEa`, when the SDG code list has it (`15-24` → `Y15T24`, `60+` → `Y_GE60`, `0-14` → `Y0T14`) |
//! | `URBANISATION` | `_T`, `U`, `R` |
//! | `INCOME_WEALTH_QUANTILE` | `_T`, `Q1`…`Q5` |
//! | `COMPOSITE_BREAKDOWN` | `_T`, `MS_MIGRANT`, `MS_NOMIGRANT` (migratory status, below) |
//! | `DISABILITY_STATUS` | `_T`, `PD` (persons with disability), `PWD` (persons *without* disability — in the SDG code list `PWD` is "without", not "with") |
//! | `EDUCATION_LEV`, `OCCUPATION`, `CUST_BREAKDOWN`, `ACTIVITY`, `PRODUCT` | `_T` |
//! | `TIME_PERIOD` | the round (`2020`) |
//! | `OBS_VALUE` | the estimate, never empty |
//! | `OBS_STATUS` | `A` normal value (quality `reliable`, `moderate`), `U` low reliability (`low`, published with a warning) |
//! | `UNIT_MULT` | `0` (units) |
//! | `UNIT_MEASURE` | `PT` (percent), `MO_EARN` (months of earnings), `CUR_LCU` (local currency), `NUMBER` (count) |
//! | `NATURE` | `C` (country data: computed by the national statistical system from its survey) |
//! | `COMMENT_OBS` | why a figure has low reliability; the migratory-status definition of `MS_NOMIGRANT` rows; for synthetic data the [`SYNTHETIC_NOTICE`] |
//! | `UPPER_BOUND`, `LOWER_BOUND` | the confidence interval (the pipeline's method and level) |
//! | `SOURCE_DETAIL` | the indicator's data source in the catalogue |
//!
//! # Migratory status
//!
//! The SDG DSD has no migratory-status dimension: the SDG Global Database codes it in
//! `COMPOSITE_BREAKDOWN`, `MS_MIGRANT` (migrants) and `MS_NOMIGRANT` (non-migrants). The
//! UN Recommendations on Statistics of International Migration (Rev. 1, 1998) and the UN
//! Expert Group on Migration Statistics (2017) count as international migrants the
//! foreign-born population (the stock), or the foreign citizens where the country of birth
//! is not known. `MS_MIGRANT` is therefore the **roll-up** `foreign_born` of the dimension
//! `place_of_birth` (a domain estimated as such, `foreign_born_citizen` ∪
//! `foreign_born_non_citizen`), never one of the classes, and never an average of them:
//!
//! | group | SDG code |
//! |---|---|
//! | `place_of_birth` `foreign_born` (hri::derive roll-up: born abroad) | `MS_MIGRANT` |
//! | `place_of_birth` `native_born` (born in the country: return migrants and native-born non-citizens included) | `MS_NOMIGRANT` |
//! | `migratory_status` `native_born_citizen` (hri::derive), `non_migrant` (a national classification, e.g. Tunisia-HIMS) | `MS_NOMIGRANT` when the results have no `place_of_birth` breakdown; otherwise left out (the `native_born` row is the non-migrant row) |
//! | `migratory_status` `foreign_resident` (a national classification by citizenship) | `MS_MIGRANT` when the results have no `place_of_birth` breakdown; otherwise left out |
//! | `migratory_status` `foreign_born_citizen`, `foreign_born_non_citizen` | left out: each is a part of the migrant stock, not the stock |
//! | `migratory_status` `native_born_non_citizen` | left out: born in the country, not an international migrant, but not a non-migrant citizen either |
//! | `migratory_status` `return_migrant` | left out (below) |
//! | `unknown` | left out |
//!
//! **Return migrants** (citizens born in the country, back after living abroad) are not
//! international migrants in the stock: the UN definition counts the foreign-born, and a
//! returned citizen is native-born. They are not written as `MS_NOMIGRANT` under
//! `migratory_status` either: the results hold them as a group of their own, apart from the
//! native-born citizens who never left, and the estimate for the union of the two groups
//! cannot be formed from the two estimates without their design covariance. That union is
//! the `native_born` domain of `place_of_birth` (with the native-born non-citizens), which
//! is written as `MS_NOMIGRANT` when the results have it. Rows left out are counted, and
//! every `MS_NOMIGRANT` row says in `COMMENT_OBS` which population it covers. Their figures
//! stay in `indicators.sdmx.csv` and `indicators.csv`.
//!
//! # What is left out
//!
//! Only published estimates are written: a suppressed figure, an empty group, a skipped
//! indicator, a row whose group has no SDG code (an age band such as `25-59`, a dimension
//! the DSD lacks such as `legal_status`, `unknown`), a row that the series' content
//! constraint does not allow (`SL_TLF_UEM` takes no disability breakdown: that is
//! `SL_TLF_UEMDIS`; `SE_PRE_PARTN` no age breakdown), and a unit with no SDG code. Each is
//! counted in the [`SdgExport`] the writer returns, by reason. Two rows with the same key
//! are an error ([`ExportError::DuplicateKey`]).
//!
//! # Validation
//!
//! `python3 tools/sdg_validate.py indicators.sdg.csv` checks a file with an SDMX library
//! independent of hri, sdmxthon 2.6.11 (Meaningful Data, PyPI; `.ci/run` installs it),
//! against the SDG DSD kept as SDMX-ML in `data/sdg/SDG_DSD.cut.xml` (the SDMX Global
//! Registry's 2019 export of `IAEG-SDGs:SDG(1.0)`, cut to the series and areas hri uses)
//! and the dataflow's content constraint `CN_SDG_GLC(1.22)` (`REPORTING_TYPE` = `N`):
//! sdmxthon's structural validation reports a missing dimension (SS01), measure (SS02) or
//! mandatory attribute (SS03), a value not in its code list (SS04), an empty dimension or
//! mandatory attribute (SS05, SS06), two observations with one key (SS07), facets (SS08),
//! a time period not of the DSD's type (SS09) and a value the constraint does not allow
//! (SS10). Three codes hri writes are newer than the 2019 code lists (`SL_ISV_IFEM`,
//! `SL_EMP_RCOST_MO`, `MO_EARN`): the validator adds them, from
//! `data/sdg/codelists_additions.csv` where each cites the public copy of the DSD it was
//! checked in, and says so. sdmxthon does not check that `OBS_VALUE` is a number nor that
//! no column is foreign to the DSD; the tests in `tests/sdg.rs` do. Both pilots' files
//! (and the SDMX-CSV 2.0 form) pass with no error of any level, and broken copies are
//! rejected (`tests/sdg.rs`).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::csv::quote;
use super::{ExportError, write_bytes};
use crate::framework::sdg::{self, ATTRIBUTES, DIMENSIONS};
use crate::framework::{Dimension, IndicatorKind, Population, SYNTHETIC_NOTICE, label};
use crate::quality::QualityFlag;
use crate::results::{IndicatorRow, Results, TOTAL};

/// File name of the SDG SDMX-CSV file.
pub const INDICATORS_SDG_CSV: &str = "indicators.sdg.csv";

/// The `COMMENT_OBS` of an `MS_NOMIGRANT` row from the class `native_born_citizen`.
pub const NOMIGRANT_COMMENT: &str = "non-migrants: persons born in the country who hold its \
     citizenship and never lived abroad; return migrants are not included";

/// The `COMMENT_OBS` of an `MS_NOMIGRANT` row from the roll-up `native_born`.
pub const NATIVE_BORN_COMMENT: &str = "non-migrants: every person born in the country (the \
     complement of the foreign-born stock), return migrants and native-born non-citizens \
     included";

/// The SDMX-CSV version of the SDG file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SdgCsvVersion {
    /// SDMX-CSV 1.0 (SDMX 2.1): first column `DATAFLOW`.
    #[default]
    V1,
    /// SDMX-CSV 2.0 (SDMX 3.0): first columns `STRUCTURE`, `STRUCTURE_ID`, `ACTION`.
    V2,
}

/// Options of [`write_sdg_csv`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdgOptions {
    /// SDMX-CSV 1.0 (default) or 2.0.
    pub version: SdgCsvVersion,
    /// Dataflow agency (default `IAEG-SDGs`).
    pub agency: String,
    /// Dataflow id (default `DF_SDG_GLC`).
    pub dataflow: String,
    /// Dataflow version (default `1.22`).
    pub dataflow_version: String,
}

impl Default for SdgOptions {
    fn default() -> Self {
        SdgOptions {
            version: SdgCsvVersion::V1,
            agency: sdg::AGENCY.to_string(),
            dataflow: sdg::DATAFLOW_ID.to_string(),
            dataflow_version: sdg::DATAFLOW_VERSION.to_string(),
        }
    }
}

impl SdgOptions {
    /// `AGENCY:ID(VERSION)`.
    pub fn dataflow_ref(&self) -> String {
        format!(
            "{}:{}({})",
            self.agency, self.dataflow, self.dataflow_version
        )
    }
}

/// What [`write_sdg_csv`] wrote and what it left out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SdgExport {
    /// Observations written.
    pub written: usize,
    /// Rows of SDG-mapped indicators left out, counted by reason (sorted by reason).
    pub left_out: BTreeMap<String, usize>,
    /// Series written, with their number of observations.
    pub series: BTreeMap<String, usize>,
}

impl SdgExport {
    /// Rows left out, all reasons.
    pub fn left_out_total(&self) -> usize {
        self.left_out.values().sum()
    }

    /// One line for a run's summary.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{INDICATORS_SDG_CSV}: {} observations ({})",
            self.written,
            self.series
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.left_out.is_empty() {
            s.push_str(&format!(
                "; {} rows left out: {}",
                self.left_out_total(),
                self.left_out
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
        }
        s
    }
}

/// The SDG unit code of a unit code of the results (`PT` → `PT`, `MONTHS_EARN` →
/// `MO_EARN`, `NUMBER` → `NUMBER`, a 3-letter currency → `CUR_LCU`); `None` when the SDG
/// code list has none.
pub fn unit_measure(unit: &str) -> Option<&'static str> {
    match unit {
        "PT" => Some("PT"),
        "MONTHS_EARN" => Some("MO_EARN"),
        "NUMBER" => Some("NUMBER"),
        "USD" => Some("USD"),
        u if u.len() == 3 && u.chars().all(|c| c.is_ascii_uppercase()) && u != "XXX" => {
            Some("CUR_LCU")
        }
        _ => None,
    }
}

/// The SDG code of an age band (`15-24` → `Y15T24`, `60+` → `Y_GE60`), when the kept
/// `CL_AGE` has it.
pub fn age_code(band: &str) -> Option<String> {
    let v = band.trim();
    let num = |s: &str| s.trim().parse::<u32>().ok();
    let code = if let Some(a) = v.strip_suffix('+') {
        format!("Y_GE{}", num(a)?)
    } else {
        let (a, b) = v.split_once('-')?;
        format!("Y{}T{}", num(a)?, num(b)?)
    };
    sdg::has_code("CL_AGE", &code).then_some(code)
}

/// The AGE code of the ages a universe covers (`eda >= 15` → `Y_GE15`, `age >= 15 AND
/// age <= 24` → `Y15T24`), when the universe states them and the SDG code list has the
/// band; `None` otherwise (the total stays `_T`).
pub fn universe_age_code(universe: &str) -> Option<String> {
    let p = Population::from_universe(universe);
    match (p.min_age, p.max_age) {
        (Some(a), None) if a > 0 => age_code(&format!("{a}+")),
        (Some(a), Some(b)) => age_code(&format!("{a}-{b}")),
        (None, Some(b)) => age_code(&format!("0-{b}")),
        _ => None,
    }
}

/// The `COMPOSITE_BREAKDOWN` code of a group of `place_of_birth` or `migratory_status`
/// (see the [module documentation](self)); `place_of_birth_present`: whether the results
/// hold the `place_of_birth` roll-up, whose `foreign_born` and `native_born` domains are
/// then the only `MS_MIGRANT` and `MS_NOMIGRANT` rows.
pub fn migratory_code(
    d: Dimension,
    group: &str,
    place_of_birth_present: bool,
) -> Option<&'static str> {
    match (d, group) {
        (Dimension::PlaceOfBirth, label::FOREIGN_BORN) => Some("MS_MIGRANT"),
        (Dimension::PlaceOfBirth, label::NATIVE_BORN) => Some("MS_NOMIGRANT"),
        (Dimension::MigratoryStatus, "foreign_resident") if !place_of_birth_present => {
            Some("MS_MIGRANT")
        }
        (Dimension::MigratoryStatus, label::NATIVE_BORN_CITIZEN | "non_migrant")
            if !place_of_birth_present =>
        {
            Some("MS_NOMIGRANT")
        }
        _ => None,
    }
}

/// The SDG dimension and code of one group value, or why it has none.
fn group_code(
    d: Dimension,
    value: &str,
    foreign_born_present: bool,
) -> Result<(&'static str, String), String> {
    let no_code = |what: &str| Err(format!("{} '{value}' has no SDG code{what}", d.as_str()));
    match d {
        Dimension::Sex => match value {
            "female" => Ok(("SEX", "F".into())),
            "male" => Ok(("SEX", "M".into())),
            _ => no_code(""),
        },
        Dimension::AgeGroup => match age_code(value) {
            Some(c) => Ok(("AGE", c)),
            None => no_code(" in the kept CL_AGE"),
        },
        Dimension::Disability => match value {
            "with_disability" => Ok(("DISABILITY_STATUS", "PD".into())),
            "without_disability" => Ok(("DISABILITY_STATUS", "PWD".into())),
            _ => no_code(""),
        },
        Dimension::MigratoryStatus | Dimension::PlaceOfBirth => {
            match migratory_code(d, value, foreign_born_present) {
                Some(c) => Ok(("COMPOSITE_BREAKDOWN", c.into())),
                None if value == label::RETURN_MIGRANT => Err(
                    "migratory_status 'return_migrant': not an SDG migrant class (see the documentation)".into(),
                ),
                None if matches!(
                    value,
                    label::FOREIGN_BORN_CITIZEN | label::FOREIGN_BORN_NON_CITIZEN
                ) =>
                {
                    Err(format!(
                        "migratory_status '{value}': one class of the foreign-born, not the \
                         migrant stock (MS_MIGRANT is the place_of_birth roll-up foreign_born)"
                    ))
                }
                None if foreign_born_present
                    && matches!(value, label::NATIVE_BORN_CITIZEN | "non_migrant" | "foreign_resident") =>
                {
                    Err(format!(
                        "migratory_status '{value}': the place_of_birth roll-up gives the SDG rows"
                    ))
                }
                None => no_code(""),
            }
        }
        Dimension::UrbanRural => match value {
            "urban" => Ok(("URBANISATION", "U".into())),
            "rural" => Ok(("URBANISATION", "R".into())),
            _ => no_code(""),
        },
        Dimension::IncomeQuintile => {
            let q = value.trim_start_matches(['q', 'Q']);
            if matches!(q, "1" | "2" | "3" | "4" | "5") {
                Ok(("INCOME_WEALTH_QUANTILE", format!("Q{q}")))
            } else {
                no_code("")
            }
        }
        other => Err(format!(
            "breakdown by {} (no such dimension in the SDG DSD)",
            other.as_str()
        )),
    }
}

/// The key and attributes of one row, or why it is left out.
struct Observation {
    key: Vec<String>,
    value: f64,
    status: &'static str,
    unit: &'static str,
    comment: String,
    lower: Option<f64>,
    upper: Option<f64>,
    source: String,
}

fn observation(
    results: &Results,
    row: &IndicatorRow,
    series: &str,
    ref_area: &str,
    foreign_born_present: bool,
    synthetic: bool,
) -> Result<Observation, String> {
    let value = match (row.published, row.estimate, row.quality_flag) {
        (_, _, None) => return Err("indicator not estimated".into()),
        (_, _, Some(QualityFlag::Empty)) => return Err("no observation in the group".into()),
        (false, _, _) => return Err("withheld (not published)".into()),
        (true, None, _) => return Err("no estimate".into()),
        (true, Some(v), _) if !v.is_finite() => return Err("no finite estimate".into()),
        (true, Some(v), _) => v,
    };
    let unit =
        unit_measure(&row.unit).ok_or_else(|| format!("unit {} has no SDG code", row.unit))?;
    let mut codes: BTreeMap<&str, String> = DIMENSIONS
        .iter()
        .map(|(d, _)| (*d, "_T".to_string()))
        .collect();
    codes.insert("FREQ", "A".into());
    codes.insert("REPORTING_TYPE", "N".into());
    codes.insert("SERIES", series.into());
    codes.insert("REF_AREA", ref_area.into());
    // The ages of the indicator's universe, as an AGE code: the total of a universe of
    // persons 15 and over is `Y_GE15` (the SDG database's total for 8.5.2), not `_T`.
    let universe_age = results
        .meta()
        .indicator(&row.indicator_id)
        .and_then(|i| i.sheet.universe.as_deref())
        .and_then(universe_age_code)
        .filter(|code| sdg::allowed(series, "AGE").is_none_or(|a| a.iter().any(|x| x == code)));
    for (k, d) in results.dimensions().iter().enumerate() {
        if let Some(Some(v)) = row.groups.get(k) {
            if v == TOTAL {
                continue;
            }
            let (dim, code) = group_code(*d, v, foreign_born_present)?;
            if dim == "AGE" && universe_age.as_ref() == Some(&code) {
                return Err(format!(
                    "age group {v} is the universe's whole age range (the total row carries {code})"
                ));
            }
            codes.insert(dim, code);
        }
    }
    if let Some(code) = universe_age
        && codes["AGE"] == "_T"
    {
        codes.insert("AGE", code);
    }
    for (component, code) in codes
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain([("UNIT_MEASURE", unit), ("UNIT_MULT", "0")])
    {
        if let Some(allowed) = sdg::allowed(series, component)
            && !allowed.iter().any(|a| a == code)
        {
            return Err(format!(
                "{component} {code} not allowed for series {series} (content constraint)"
            ));
        }
    }
    let key: Vec<String> = DIMENSIONS.iter().map(|(d, _)| codes[d].clone()).collect();
    let status = match row.quality_flag {
        Some(QualityFlag::Low) => "U",
        _ => "A",
    };
    let mut comment = Vec::new();
    if status == "U"
        && let Some(r) = &row.quality_reason
    {
        comment.push(format!("low reliability: {r}"));
    }
    if codes["COMPOSITE_BREAKDOWN"] == "MS_NOMIGRANT" {
        let by_birth = results.dimensions().iter().zip(&row.groups).any(|(d, g)| {
            *d == Dimension::PlaceOfBirth && g.as_deref() == Some(label::NATIVE_BORN)
        });
        comment.push(
            if by_birth {
                NATIVE_BORN_COMMENT
            } else {
                NOMIGRANT_COMMENT
            }
            .to_string(),
        );
    }
    if synthetic {
        comment.push(SYNTHETIC_NOTICE.to_string());
    }
    let source = results
        .meta()
        .indicator(&row.indicator_id)
        .map(|i| i.sheet.data_source.clone())
        .unwrap_or_default();
    Ok(Observation {
        key,
        value,
        status,
        unit,
        comment: comment.join(" | "),
        lower: row.ci_low.filter(|x| x.is_finite()),
        upper: row.ci_high.filter(|x| x.is_finite()),
        source,
    })
}

/// The header of the SDG file.
pub fn header(version: SdgCsvVersion) -> Vec<&'static str> {
    let mut h = match version {
        SdgCsvVersion::V1 => vec!["DATAFLOW"],
        SdgCsvVersion::V2 => vec!["STRUCTURE", "STRUCTURE_ID", "ACTION"],
    };
    h.extend(DIMENSIONS.iter().map(|(d, _)| *d));
    h.extend(["TIME_PERIOD", "OBS_VALUE"]);
    h.extend(ATTRIBUTES.iter().map(|a| a.id));
    h
}

/// Writes `indicators.sdg.csv` (layout in the [module documentation](self)) and returns what
/// it wrote and left out.
///
/// A `ref_area` without an M49 code in `data/sdg/m49.csv` leaves every row out (counted,
/// with the reason), so the file then holds the header only.
///
/// # Errors
/// [`ExportError::DuplicateKey`] when two rows map to the same key;
/// [`ExportError::Write`] if the file cannot be written.
pub fn write_sdg_csv(
    results: &Results,
    path: impl AsRef<Path>,
    options: &SdgOptions,
    synthetic: bool,
) -> Result<SdgExport, ExportError> {
    let path = path.as_ref();
    let meta = results.meta();
    let ref_area = sdg::m49(&meta.ref_area);
    let position = results
        .dimensions()
        .iter()
        .position(|d| *d == Dimension::PlaceOfBirth);
    // Whether the results hold the place-of-birth roll-up (then its domains alone give the
    // MS_MIGRANT and MS_NOMIGRANT rows).
    let foreign_born_present = position.is_some_and(|p| {
        results
            .rows()
            .iter()
            .any(|r| r.groups.get(p).and_then(|g| g.as_deref()) == Some(label::FOREIGN_BORN))
    });
    let lead = match options.version {
        SdgCsvVersion::V1 => vec![quote(&options.dataflow_ref())],
        SdgCsvVersion::V2 => vec![
            "dataflow".to_string(),
            quote(&options.dataflow_ref()),
            "I".to_string(),
        ],
    };
    let mut out = header(options.version).join(",");
    out.push('\n');
    let mut report = SdgExport::default();
    let mut seen = HashSet::new();
    let num = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for row in results.rows() {
        if row.kind == IndicatorKind::Structural {
            continue;
        }
        let Some(series) = meta
            .indicator(&row.indicator_id)
            .and_then(|i| i.sheet.sdg_series.as_deref())
        else {
            continue;
        };
        let obs = match ref_area
            .ok_or_else(|| {
                format!(
                    "ref_area '{}' has no M49 code in data/sdg/m49.csv (known: {})",
                    meta.ref_area,
                    sdg::m49_countries().join(", ")
                )
            })
            .and_then(|area| {
                observation(results, row, series, area, foreign_born_present, synthetic)
            }) {
            Ok(o) => o,
            Err(reason) => {
                *report.left_out.entry(reason).or_default() += 1;
                continue;
            }
        };
        let key = obs.key.join(".");
        if !seen.insert(key.clone()) {
            return Err(ExportError::DuplicateKey {
                file: path.display().to_string(),
                indicator: row.indicator_id.clone(),
                group: row.group.clone(),
                key,
            });
        }
        let mut fields = lead.clone();
        fields.extend(obs.key.iter().map(|c| quote(c)));
        fields.extend([
            quote(&meta.time_period),
            format!("{}", obs.value),
            obs.status.to_string(),
            "0".to_string(),
            obs.unit.to_string(),
            "C".to_string(),
            if obs.comment.is_empty() {
                String::new()
            } else {
                quote(&obs.comment)
            },
            num(obs.upper),
            num(obs.lower),
            if obs.source.is_empty() {
                String::new()
            } else {
                quote(&obs.source)
            },
        ]);
        out.push_str(&fields.join(","));
        out.push('\n');
        report.written += 1;
        *report.series.entry(series.to_string()).or_default() += 1;
    }
    write_bytes(path, out.as_bytes())?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(age_code("15-24").as_deref(), Some("Y15T24"));
        assert_eq!(age_code("60+").as_deref(), Some("Y_GE60"));
        assert_eq!(age_code("0-14").as_deref(), Some("Y0T14"));
        assert_eq!(age_code("25-59"), None);
        use Dimension::{MigratoryStatus as Ms, PlaceOfBirth as Pob};
        assert_eq!(
            migratory_code(Pob, "foreign_born", true),
            Some("MS_MIGRANT")
        );
        assert_eq!(
            migratory_code(Pob, "native_born", true),
            Some("MS_NOMIGRANT")
        );
        assert_eq!(migratory_code(Ms, "foreign_born_citizen", false), None);
        assert_eq!(migratory_code(Ms, "foreign_born_non_citizen", true), None);
        assert_eq!(migratory_code(Ms, "native_born_non_citizen", false), None);
        assert_eq!(
            migratory_code(Ms, "native_born_citizen", false),
            Some("MS_NOMIGRANT")
        );
        assert_eq!(migratory_code(Ms, "native_born_citizen", true), None);
        assert_eq!(
            migratory_code(Ms, "non_migrant", false),
            Some("MS_NOMIGRANT")
        );
        assert_eq!(migratory_code(Ms, "return_migrant", false), None);
        assert_eq!(unit_measure("PT"), Some("PT"));
        assert_eq!(unit_measure("MONTHS_EARN"), Some("MO_EARN"));
        assert_eq!(unit_measure("MXN"), Some("CUR_LCU"));
        assert_eq!(unit_measure("PROP"), None);
        assert_eq!(header(SdgCsvVersion::V1).len(), 1 + 15 + 2 + 8);
        assert_eq!(
            header(SdgCsvVersion::V2)[..3],
            ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
        );
    }
}
