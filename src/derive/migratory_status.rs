//! Migratory status and legal status.

use crate::framework::label;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{
    CodeMap, Codes, DeriveError, Derived, Lookup, Reasons, Tally, UNKNOWN, check_output,
    flag_column, normalise_key, read_codes, read_numbers,
};

/// Citizenship of a person in the country of the survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Citizenship {
    /// A citizen (national) of the country, by birth or naturalisation.
    Citizen,
    /// A citizen of another country only.
    NonCitizen,
    /// Not considered a national by any State; counted with non-citizens.
    Stateless,
}

impl CodeMap<Citizenship> {
    /// `1` citizen, `2` non-citizen, `3` stateless, and the words `citizen`,
    /// `non_citizen`, `stateless`. Surveys code citizenship in many ways: check this
    /// against the questionnaire and supply your own map when it differs.
    pub fn citizenship_default() -> Self {
        CodeMap::new([
            ("1", Citizenship::Citizen),
            ("2", Citizenship::NonCitizen),
            ("3", Citizenship::Stateless),
            ("citizen", Citizenship::Citizen),
            ("non_citizen", Citizenship::NonCitizen),
            ("stateless", Citizenship::Stateless),
        ])
    }
}

/// The mutually exclusive migratory status of the main output column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigratoryStatus {
    /// Born in the country, citizen, never lived abroad for the minimum duration: the
    /// non-migrant population, the usual reference group of gaps.
    NativeBornCitizen,
    /// Born in the country, citizen, back after living abroad at least the minimum duration
    /// (1 year by default).
    ReturnMigrant,
    /// Born abroad, whatever the citizenship (naturalised citizens included).
    ForeignBorn,
    /// Born in the country but not a citizen (non-citizen or stateless).
    ForeignCitizen,
    /// The inputs do not determine the status.
    Unknown,
}

impl MigratoryStatus {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            MigratoryStatus::NativeBornCitizen => label::NATIVE_BORN_CITIZEN,
            MigratoryStatus::ReturnMigrant => label::RETURN_MIGRANT,
            MigratoryStatus::ForeignBorn => label::FOREIGN_BORN,
            MigratoryStatus::ForeignCitizen => label::FOREIGN_CITIZEN,
            MigratoryStatus::Unknown => super::UNKNOWN,
        }
    }

    /// The determined statuses, in the order of the report.
    pub const KNOWN: [MigratoryStatus; 4] = [
        MigratoryStatus::NativeBornCitizen,
        MigratoryStatus::ReturnMigrant,
        MigratoryStatus::ForeignBorn,
        MigratoryStatus::ForeignCitizen,
    ];
}

/// How to derive migratory status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigratoryStatusSpec {
    /// Country of birth column (codes, compared like [`CodeMap`] keys).
    pub country_of_birth: String,
    /// The code(s) of the survey country in `country_of_birth` (e.g. `["484"]` or
    /// `["MEX"]`, or the code for "born in this country").
    pub home_country: Vec<String>,
    /// Country-of-birth codes that mean "not stated": counted as missing.
    #[serde(default)]
    pub birth_missing_codes: Vec<String>,
    /// Citizenship column.
    pub citizenship: String,
    /// Citizenship code map (default [`CodeMap::citizenship_default`]).
    #[serde(default = "CodeMap::citizenship_default")]
    pub citizenship_codes: CodeMap<Citizenship>,
    /// Years since the person last arrived to live in the country (for return migrants:
    /// since their return); enables the recent-migrant flag.
    #[serde(default)]
    pub years_since_arrival: Option<String>,
    /// Years lived abroad (total, or in the last stay abroad, as the survey asks); enables
    /// return migrants.
    #[serde(default)]
    pub years_abroad: Option<String>,
    /// "Recent" means arrived less than this many years ago (default 5).
    #[serde(default = "default_recent")]
    pub recent_years: f64,
    /// Minimum stay abroad of a return migrant, in years (default 1, the UN 1998
    /// long-term threshold; Tunisia-HIMS used 3 months = 0.25).
    #[serde(default = "default_min_abroad")]
    pub min_years_abroad: f64,
    /// When true, a native-born citizen with a null `years_abroad` is taken as never
    /// having lived abroad (for questionnaires that skip the question after "never lived
    /// abroad"); the report counts the rows this touched. When false (default), such rows
    /// are `unknown`.
    #[serde(default)]
    pub years_abroad_null_means_never: bool,
    /// The output column (default `migratory_status`); flag columns are
    /// `{output}_foreign_born`, `{output}_foreign_citizen` and, with
    /// `years_since_arrival`, `{output}_recent_migrant`.
    #[serde(default = "default_output")]
    pub output: String,
}

fn default_recent() -> f64 {
    5.0
}
fn default_min_abroad() -> f64 {
    1.0
}
fn default_output() -> String {
    "migratory_status".to_string()
}

impl MigratoryStatusSpec {
    /// Status from country of birth (with the survey country's code) and citizenship
    /// (default codes); no return or recent migrants until the year columns are set.
    pub fn new(
        country_of_birth: impl Into<String>,
        home_country: impl Into<String>,
        citizenship: impl Into<String>,
    ) -> Self {
        MigratoryStatusSpec {
            country_of_birth: country_of_birth.into(),
            home_country: vec![home_country.into()],
            birth_missing_codes: Vec::new(),
            citizenship: citizenship.into(),
            citizenship_codes: CodeMap::citizenship_default(),
            years_since_arrival: None,
            years_abroad: None,
            recent_years: default_recent(),
            min_years_abroad: default_min_abroad(),
            years_abroad_null_means_never: false,
            output: default_output(),
        }
    }

    /// Sets the years-since-arrival column (enables the recent-migrant flag).
    pub fn with_years_since_arrival(mut self, column: impl Into<String>) -> Self {
        self.years_since_arrival = Some(column.into());
        self
    }

    /// Sets the years-abroad column (enables return migrants).
    pub fn with_years_abroad(mut self, column: impl Into<String>) -> Self {
        self.years_abroad = Some(column.into());
        self
    }

    /// Sets the citizenship code map.
    pub fn with_citizenship_codes(mut self, codes: CodeMap<Citizenship>) -> Self {
        self.citizenship_codes = codes;
        self
    }
}

/// Reads an optional column of years (≥ 0), erroring on negative or infinite values.
fn read_years(
    df: &DataFrame,
    column: Option<&str>,
) -> Result<Option<Vec<Option<f64>>>, DeriveError> {
    let Some(column) = column else {
        return Ok(None);
    };
    let values = read_numbers(df, column)?;
    for (row, v) in values.iter().enumerate() {
        if let Some(x) = v
            && (*x < 0.0 || !x.is_finite())
        {
            return Err(DeriveError::invalid(
                column,
                row,
                x,
                "a number of years ≥ 0",
            ));
        }
    }
    Ok(Some(values))
}

/// Place of birth per row (`Ok(true)` = abroad, `Err(i)` = unknown for `reasons[i]`), the
/// reasons, and the number of rows born in the country.
#[allow(clippy::type_complexity)]
fn read_birth(
    df: &DataFrame,
    spec: &MigratoryStatusSpec,
) -> Result<(Vec<Result<bool, usize>>, Vec<String>, u64), DeriveError> {
    let cob = spec.country_of_birth.as_str();
    let home: Vec<String> = spec.home_country.iter().map(|c| normalise_key(c)).collect();
    let missing: Vec<String> = spec
        .birth_missing_codes
        .iter()
        .map(|c| normalise_key(c))
        .collect();
    let mut home_rows = 0u64;
    match read_codes(df, cob)? {
        Codes::Int(values) => {
            let ints = |codes: &[String]| -> Vec<i64> {
                codes.iter().filter_map(|c| c.parse().ok()).collect()
            };
            let (home_int, missing_int) = (ints(&home), ints(&missing));
            if home_int.is_empty() {
                return Err(DeriveError::spec(
                    &spec.output,
                    format!(
                        "{cob} holds integer codes but home_country ({}) has none",
                        spec.home_country.join(", ")
                    ),
                ));
            }
            let mut reasons: Reasons<Option<i64>> = Reasons::new();
            let out = values
                .into_iter()
                .map(|v| match v {
                    None => Err(reasons.get(None, |_| format!("missing {cob}"))),
                    Some(c) if missing_int.contains(&c) => {
                        Err(reasons.get(Some(c), |_| format!("{cob} code {c} declared missing")))
                    }
                    Some(c) => {
                        let abroad = !home_int.contains(&c);
                        home_rows += u64::from(!abroad);
                        Ok(abroad)
                    }
                })
                .collect();
            Ok((out, reasons.list, home_rows))
        }
        Codes::Text(values) => {
            let mut reasons: Reasons<Option<String>> = Reasons::new();
            let matches = |list: &[String], c: &str| list.iter().any(|h| h.eq_ignore_ascii_case(c));
            let out = values
                .into_iter()
                .map(|v| match v {
                    None => Err(reasons.get(None, |_| format!("missing {cob}"))),
                    Some(c) if matches(&missing, &c) => Err(reasons.get(Some(c), |k| {
                        let code = k.as_deref().unwrap_or_default();
                        format!("{cob} code {code} declared missing")
                    })),
                    Some(c) => {
                        let abroad = !matches(&home, &c);
                        home_rows += u64::from(!abroad);
                        Ok(abroad)
                    }
                })
                .collect();
            Ok((out, reasons.list, home_rows))
        }
    }
}

/// Derives migratory status following the UN *Recommendations on Statistics of
/// International Migration, Revision 1* (1998) and the two-step identification of the UN
/// Expert Group on Migration Statistics (2017).
///
/// **Step 1** crosses place of birth (native-born / foreign-born) with citizenship
/// (citizen / non-citizen, stateless persons counted with non-citizens). **Step 2** adds
/// the migration history: return migrants (citizens back after at least
/// `min_years_abroad` years abroad) and the duration of stay (recent migrants, arrived
/// less than `recent_years` years ago).
///
/// The main column is mutually exclusive, decided in this order:
/// 1. country of birth missing (or a declared missing code) → `unknown`;
/// 2. born abroad → `foreign_born` (naturalised citizens included: place of birth is the
///    primary criterion of the international migrant stock);
/// 3. born in the country, citizenship missing → `unknown`;
/// 4. born in the country, non-citizen or stateless → `foreign_citizen`;
/// 5. born in the country, citizen, with `years_abroad` ≥ `min_years_abroad` →
///    `return_migrant`; with fewer years (or 0) → `native_born_citizen`; with a null
///    `years_abroad` → `unknown`, or `native_born_citizen` when
///    `years_abroad_null_means_never` (counted in the notes); without a `years_abroad`
///    column → `native_born_citizen` (return migrants not identified; noted).
///
/// The overlapping groups are boolean columns (null when undetermined):
/// - `{output}_foreign_born`: born abroad;
/// - `{output}_foreign_citizen`: non-citizen or stateless, wherever born (so a foreign-born
///   non-citizen is both);
/// - `{output}_recent_migrant` (with `years_since_arrival`): a foreign-born person or a
///   return migrant who arrived less than `recent_years` years ago (`years < recent_years`,
///   so with completed years and N = 5: 0–4); false for the other determined statuses;
///   null when the status is unknown or the years are missing.
///
/// Codes not in the citizenship map are errors naming the column and row (unless the map
/// says otherwise); negative or infinite years are errors. Legal status is a separate
/// pass-through: [`legal_status`].
pub fn migratory_status(
    df: &DataFrame,
    spec: &MigratoryStatusSpec,
) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    if spec.home_country.is_empty() {
        return Err(DeriveError::spec(
            &spec.output,
            "home_country lists no code",
        ));
    }
    for (name, v) in [
        ("recent_years", spec.recent_years),
        ("min_years_abroad", spec.min_years_abroad),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(DeriveError::spec(
                &spec.output,
                format!("{name} must be a positive number, got {v}"),
            ));
        }
    }
    let (birth, birth_reasons, home_rows) = read_birth(df, spec)?;
    let citizenship = spec
        .citizenship_codes
        .lookup_column(df, &spec.citizenship, &spec.output)?;
    let native_cit_reasons: Vec<String> = citizenship
        .reasons
        .iter()
        .map(|r| format!("native-born, {r}"))
        .collect();
    let arrival = read_years(df, spec.years_since_arrival.as_deref())?;
    let abroad = read_years(df, spec.years_abroad.as_deref())?;
    let abroad_reason = format!(
        "native-born citizen, missing {}",
        spec.years_abroad.as_deref().unwrap_or_default()
    );

    let n = birth.len();
    let mut tally = Tally::new(MigratoryStatus::KNOWN.map(MigratoryStatus::as_str));
    let unknown = tally.unknown_index();
    let mut idx = Vec::with_capacity(n);
    let mut foreign_born = Vec::with_capacity(n);
    let mut foreign_citizen = Vec::with_capacity(n);
    let mut recent = Vec::with_capacity(n);
    let mut stateless = 0u64;
    let mut assumed_never = 0u64;
    for row in 0..n {
        // Place of birth: Ok(true) = abroad; Err(index of the reason).
        let born_abroad = birth[row];
        let cit = citizenship.get(row);
        if cit == Ok(Citizenship::Stateless) {
            stateless += 1;
        }
        foreign_born.push(born_abroad.ok());
        foreign_citizen.push(cit.ok().map(|c| c != Citizenship::Citizen));

        let status: Result<MigratoryStatus, &str> = match (born_abroad, cit) {
            (Err(r), _) => Err(&birth_reasons[r]),
            (Ok(true), _) => Ok(MigratoryStatus::ForeignBorn),
            (Ok(false), Err(_)) => match citizenship.rows[row] {
                Lookup::Unknown(r) => Err(&native_cit_reasons[r]),
                Lookup::Known(_) => Err(UNKNOWN),
            },
            (Ok(false), Ok(Citizenship::NonCitizen | Citizenship::Stateless)) => {
                Ok(MigratoryStatus::ForeignCitizen)
            }
            (Ok(false), Ok(Citizenship::Citizen)) => match &abroad {
                None => Ok(MigratoryStatus::NativeBornCitizen),
                Some(years) => match years[row] {
                    Some(y) if y >= spec.min_years_abroad => Ok(MigratoryStatus::ReturnMigrant),
                    Some(_) => Ok(MigratoryStatus::NativeBornCitizen),
                    None if spec.years_abroad_null_means_never => {
                        assumed_never += 1;
                        Ok(MigratoryStatus::NativeBornCitizen)
                    }
                    None => Err(&abroad_reason),
                },
            },
        };
        match &status {
            Ok(s) => {
                let i = MigratoryStatus::KNOWN
                    .iter()
                    .position(|k| k == s)
                    .unwrap_or(unknown);
                tally.add(i);
                idx.push(i);
            }
            Err(reason) => {
                tally.add_unknown(reason);
                idx.push(unknown);
            }
        }
        if let Some(years) = &arrival {
            recent.push(match status {
                Ok(MigratoryStatus::ForeignBorn | MigratoryStatus::ReturnMigrant) => {
                    years[row].map(|y| y < spec.recent_years)
                }
                Ok(_) => Some(false),
                Err(_) => None,
            });
        }
    }

    let column = tally.column(&spec.output, &idx);
    let mut flags = Vec::new();
    let mut counts = Vec::new();
    let mut named = vec![
        ("foreign_born", foreign_born),
        ("foreign_citizen", foreign_citizen),
    ];
    if arrival.is_some() {
        named.push(("recent_migrant", recent));
    }
    for (suffix, values) in named {
        let (c, fc) = flag_column(&format!("{}_{suffix}", spec.output), values);
        flags.push(c);
        counts.push(fc);
    }
    let mut notes = vec![format!(
        "{stateless} stateless rows counted with non-citizens"
    )];
    if home_rows == 0 && n > 0 {
        notes.push(format!(
            "no row has a home-country code ({}) in {}: check home_country",
            spec.home_country.join(", "),
            spec.country_of_birth
        ));
    }
    match &spec.years_abroad {
        None => {
            notes.push("return migrants not identified: no years_abroad column given".to_string())
        }
        Some(col) => {
            notes.push(format!(
                "return migrant: native-born citizen with {col} >= {}",
                spec.min_years_abroad
            ));
            if spec.years_abroad_null_means_never {
                notes.push(format!(
                    "{assumed_never} native-born citizens with null {col} taken as never abroad"
                ));
            }
        }
    }
    if let Some(col) = &spec.years_since_arrival {
        notes.push(format!(
            "recent migrant: foreign-born or return migrant with {col} < {}",
            spec.recent_years
        ));
    }
    let report = tally.report(
        &spec.output,
        "UN Recommendations on Statistics of International Migration (Rev. 1, 1998); \
         UN Expert Group on Migration Statistics (2017) two-step identification",
        n,
        counts,
        notes,
    );
    Ok(Derived {
        column,
        flags,
        report,
    })
}

/// Legal (migration) status as recorded by a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalStatus {
    /// Regular status (valid residence or work permit, recognised refugee, ...).
    Regular,
    /// Irregular status.
    Irregular,
}

impl LegalStatus {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            LegalStatus::Regular => "regular",
            LegalStatus::Irregular => "irregular",
        }
    }
}

impl CodeMap<LegalStatus> {
    /// `1` regular, `2` irregular, and the words `regular` / `irregular`.
    pub fn legal_status_default() -> Self {
        CodeMap::new([
            ("1", LegalStatus::Regular),
            ("2", LegalStatus::Irregular),
            ("regular", LegalStatus::Regular),
            ("irregular", LegalStatus::Irregular),
        ])
    }
}

/// How to pass legal status through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegalStatusSpec {
    /// The raw column.
    pub column: String,
    /// The output column (default `legal_status`).
    #[serde(default = "default_legal_output")]
    pub output: String,
    /// Code → legal status (default [`CodeMap::legal_status_default`]).
    #[serde(default = "CodeMap::legal_status_default")]
    pub codes: CodeMap<LegalStatus>,
}

fn default_legal_output() -> String {
    "legal_status".to_string()
}

impl LegalStatusSpec {
    /// Legal status from `column` with the default codes.
    pub fn new(column: impl Into<String>) -> Self {
        LegalStatusSpec {
            column: column.into(),
            output: default_legal_output(),
            codes: CodeMap::legal_status_default(),
        }
    }
}

/// Passes a survey's legal-status question through as `regular` / `irregular` /
/// `unknown`, a disaggregation the UN Special Rapporteur on the human rights of migrants
/// asks for (A/69/302).
///
/// No status is inferred: rows where the survey has no answer (including non-migrants, who
/// are usually not asked) are `unknown`, counted; codes outside the map are errors naming
/// the column and row unless declared missing. Cross it with [`migratory_status`] to
/// restrict it to migrants.
pub fn legal_status(df: &DataFrame, spec: &LegalStatusSpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    let looked = spec.codes.lookup_column(df, &spec.column, &spec.output)?;
    let mut tally = Tally::new([
        LegalStatus::Regular.as_str(),
        LegalStatus::Irregular.as_str(),
    ]);
    let unknown = tally.unknown_index();
    let n = looked.rows.len();
    let mut idx = Vec::with_capacity(n);
    for row in 0..n {
        match looked.get(row) {
            Ok(s) => {
                let i = if s == LegalStatus::Regular { 0 } else { 1 };
                tally.add(i);
                idx.push(i);
            }
            Err(reason) => {
                tally.add_unknown(reason);
                idx.push(unknown);
            }
        }
    }
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        "legal status as recorded by the survey (pass-through)",
        n,
        Vec::new(),
        Vec::new(),
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}
