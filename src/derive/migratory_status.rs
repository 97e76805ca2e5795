//! Migratory status and legal status.

use crate::framework::label;
use polars::prelude::{Column, DataFrame};
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

/// The mutually exclusive migratory status of the main output column: the classes of the
/// UN Expert Group on Migration Statistics (2017 report, step 1: place of birth ×
/// citizenship; step 2: return), after the UN *Recommendations on Statistics of
/// International Migration, Revision 1* (1998).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MigratoryStatus {
    /// Born in the country, citizen, never lived abroad for the return threshold: the
    /// non-migrant population, the reference group of gaps.
    NativeBornCitizen,
    /// Born in the country, not a citizen (non-citizen or stateless): not an international
    /// migrant (never changed country of residence), but a foreign national.
    NativeBornNonCitizen,
    /// Born abroad, citizen of the country (naturalised or by descent): an international
    /// migrant of the foreign-born stock.
    ForeignBornCitizen,
    /// Born abroad, not a citizen (non-citizen or stateless): an international migrant and a
    /// foreign national.
    ForeignBornNonCitizen,
    /// Born in the country, citizen, back after living abroad at least the return threshold
    /// (`min_years_abroad`, default 1 year as in the UN 1998 recommendations), or as the
    /// survey's prior-residence question identifies it (`resided_abroad`).
    ReturnMigrant,
    /// The inputs do not determine the status.
    Unknown,
}

impl MigratoryStatus {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            MigratoryStatus::NativeBornCitizen => label::NATIVE_BORN_CITIZEN,
            MigratoryStatus::NativeBornNonCitizen => label::NATIVE_BORN_NON_CITIZEN,
            MigratoryStatus::ForeignBornCitizen => label::FOREIGN_BORN_CITIZEN,
            MigratoryStatus::ForeignBornNonCitizen => label::FOREIGN_BORN_NON_CITIZEN,
            MigratoryStatus::ReturnMigrant => label::RETURN_MIGRANT,
            MigratoryStatus::Unknown => super::UNKNOWN,
        }
    }

    /// The determined statuses, in the order of the report.
    pub const KNOWN: [MigratoryStatus; 5] = [
        MigratoryStatus::NativeBornCitizen,
        MigratoryStatus::ReturnMigrant,
        MigratoryStatus::NativeBornNonCitizen,
        MigratoryStatus::ForeignBornCitizen,
        MigratoryStatus::ForeignBornNonCitizen,
    ];

    /// Whether the class is part of the roll-up `foreign_born` (the international migrants
    /// of the UN stock definition); `None` for `Unknown`.
    pub fn foreign_born(self) -> Option<bool> {
        match self {
            MigratoryStatus::ForeignBornCitizen | MigratoryStatus::ForeignBornNonCitizen => {
                Some(true)
            }
            MigratoryStatus::Unknown => None,
            _ => Some(false),
        }
    }

    /// Whether the class is part of the roll-up `non_citizen`; `None` for `Unknown`.
    pub fn non_citizen(self) -> Option<bool> {
        match self {
            MigratoryStatus::NativeBornNonCitizen | MigratoryStatus::ForeignBornNonCitizen => {
                Some(true)
            }
            MigratoryStatus::Unknown => None,
            _ => Some(false),
        }
    }
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
    /// return migrants with the threshold `min_years_abroad`.
    #[serde(default)]
    pub years_abroad: Option<String>,
    /// A prior-residence question instead of a duration (e.g. "where did you live five
    /// years ago?", INEGI's `res_5a`): a native-born citizen whose answer is one of
    /// `resided_abroad_codes` is a return migrant. The duration abroad is then not measured
    /// (the report says so): the national definition replaces the threshold. Not together
    /// with `years_abroad`.
    #[serde(default)]
    pub resided_abroad: Option<String>,
    /// The codes of `resided_abroad` that mean "lived abroad" (e.g. `["3"]`).
    #[serde(default)]
    pub resided_abroad_codes: Vec<String>,
    /// "Recent" means arrived less than this many years ago (default 5).
    #[serde(default = "default_recent")]
    pub recent_years: f64,
    /// Minimum stay abroad of a return migrant, in years (default 1: the UN 1998
    /// recommendations' long-term migrant, "at least a year", which the UN Expert Group
    /// 2017 keeps for return migrants; Tunisia-HIMS used 3 months = 0.25).
    #[serde(default = "default_min_abroad")]
    pub min_years_abroad: f64,
    /// When true, a native-born citizen with a null `years_abroad` (or `resided_abroad`) is
    /// taken as never having lived abroad (for questionnaires that skip the question after
    /// "never lived abroad", or do not ask it of young children); the report counts the
    /// rows this touched. When false (default), such rows are `unknown`.
    #[serde(default)]
    pub years_abroad_null_means_never: bool,
    /// The output column (default `migratory_status`); the roll-up columns are
    /// `{output}_place_of_birth` (`native_born` / `foreign_born`) and
    /// `{output}_citizenship` (`citizen` / `non_citizen`), and the flag columns
    /// `{output}_foreign_born`, `{output}_non_citizen` and, with `years_since_arrival`,
    /// `{output}_recent_migrant`.
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
            resided_abroad: None,
            resided_abroad_codes: Vec::new(),
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

    /// Sets the prior-residence column and the codes that mean "lived abroad" (enables
    /// return migrants under a national definition without a duration).
    pub fn with_resided_abroad<S: Into<String>>(
        mut self,
        column: impl Into<String>,
        abroad_codes: impl IntoIterator<Item = S>,
    ) -> Self {
        self.resided_abroad = Some(column.into());
        self.resided_abroad_codes = abroad_codes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the minimum stay abroad of a return migrant, in years.
    pub fn with_min_years_abroad(mut self, years: f64) -> Self {
        self.min_years_abroad = years;
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

/// Reads the prior-residence column: `Some(true)` when the code is one of the "abroad"
/// codes, `Some(false)` for any other code, `None` when missing.
fn read_resided(
    df: &DataFrame,
    spec: &MigratoryStatusSpec,
) -> Result<Option<Vec<Option<bool>>>, DeriveError> {
    let Some(column) = spec.resided_abroad.as_deref() else {
        return Ok(None);
    };
    if spec.resided_abroad_codes.is_empty() {
        return Err(DeriveError::spec(
            &spec.output,
            format!("resided_abroad = {column} but resided_abroad_codes lists no code"),
        ));
    }
    let abroad: Vec<String> = spec
        .resided_abroad_codes
        .iter()
        .map(|c| normalise_key(c))
        .collect();
    Ok(Some(match read_codes(df, column)? {
        Codes::Int(values) => values
            .into_iter()
            .map(|v| v.map(|c| abroad.contains(&c.to_string())))
            .collect(),
        Codes::Text(values) => values
            .into_iter()
            .map(|v| v.map(|c| abroad.contains(&normalise_key(&c))))
            .collect(),
    }))
}

/// Derives migratory status following the UN Expert Group on Migration Statistics
/// (*Report of the Expert Group*, 2017: the two-step identification of migrants) and the
/// UN *Recommendations on Statistics of International Migration, Revision 1* (1998).
///
/// **Step 1** crosses place of birth (native-born / foreign-born) with citizenship
/// (citizen / non-citizen, stateless persons counted with non-citizens), four classes.
/// **Step 2** adds the migration history: return migrants (native-born citizens back after
/// at least `min_years_abroad` years abroad, default 1 year, the UN 1998 long-term
/// threshold; or, under a national definition without a duration, those whose
/// prior-residence answer `resided_abroad` is abroad) and the duration of stay (recent
/// migrants, arrived less than `recent_years` years ago).
///
/// The main column is mutually exclusive, decided in this order:
/// 1. country of birth missing (or a declared missing code) → `unknown`;
/// 2. citizenship missing → `unknown`;
/// 3. born abroad → `foreign_born_citizen` or `foreign_born_non_citizen`;
/// 4. born in the country, non-citizen or stateless → `native_born_non_citizen`;
/// 5. born in the country, citizen: with `years_abroad` ≥ `min_years_abroad` →
///    `return_migrant`; with fewer years (or 0) → `native_born_citizen`; with a null
///    `years_abroad` → `unknown`, or `native_born_citizen` when
///    `years_abroad_null_means_never` (counted in the notes). With `resided_abroad`
///    instead: an "abroad" code → `return_migrant`, another code → `native_born_citizen`,
///    null → `unknown`. Without either column → `native_born_citizen` (return migrants not
///    identified; noted).
///
/// The **roll-ups** are domains, not averages of classes: two label columns hold them, so
/// that a catalogue maps them to the dimensions `place_of_birth` and `citizenship` and
/// every estimate of a roll-up is a domain estimate with its own design-based variance:
/// - `{output}_place_of_birth`: `foreign_born` (the international migrants of the UN stock
///   definition: `foreign_born_citizen` ∪ `foreign_born_non_citizen`) or `native_born`;
/// - `{output}_citizenship`: `non_citizen` (`native_born_non_citizen` ∪
///   `foreign_born_non_citizen`) or `citizen`;
///
/// each `unknown` when its input is missing. The same groups are also boolean flag columns
/// (null when undetermined): `{output}_foreign_born`, `{output}_non_citizen` and, with
/// `years_since_arrival`, `{output}_recent_migrant` (a foreign-born person or a return
/// migrant who arrived less than `recent_years` years ago: `years < recent_years`, so with
/// completed years and N = 5: 0–4; false for the other determined statuses; null when the
/// status is unknown or the years are missing).
///
/// Codes not in the citizenship map are errors naming the column and row (unless the map
/// says otherwise); negative or infinite years are errors; `years_abroad` together with
/// `resided_abroad` is an error. Legal status is a separate pass-through: [`legal_status`].
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
    if spec.years_abroad.is_some() && spec.resided_abroad.is_some() {
        return Err(DeriveError::spec(
            &spec.output,
            "give years_abroad (a duration, with min_years_abroad) or resided_abroad (a \
             prior-residence question), not both",
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
    let arrival = read_years(df, spec.years_since_arrival.as_deref())?;
    let abroad = read_years(df, spec.years_abroad.as_deref())?;
    let resided = read_resided(df, spec)?;
    let abroad_reason = format!(
        "native-born citizen, missing {}",
        spec.years_abroad
            .as_deref()
            .or(spec.resided_abroad.as_deref())
            .unwrap_or_default()
    );

    let n = birth.len();
    let mut tally = Tally::new(MigratoryStatus::KNOWN.map(MigratoryStatus::as_str));
    let unknown = tally.unknown_index();
    let mut idx = Vec::with_capacity(n);
    let mut foreign_born = Vec::with_capacity(n);
    let mut non_citizen = Vec::with_capacity(n);
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
        // The roll-ups read their own input only: place of birth is known even when
        // citizenship is not, and the other way round.
        foreign_born.push(born_abroad.ok());
        non_citizen.push(cit.ok().map(|c| c != Citizenship::Citizen));

        let status: Result<MigratoryStatus, &str> = match (born_abroad, cit) {
            (Err(r), _) => Err(&birth_reasons[r]),
            (Ok(_), Err(_)) => match citizenship.rows[row] {
                Lookup::Unknown(r) => Err(&citizenship.reasons[r]),
                Lookup::Known(_) => Err(UNKNOWN),
            },
            (Ok(true), Ok(Citizenship::Citizen)) => Ok(MigratoryStatus::ForeignBornCitizen),
            (Ok(true), Ok(_)) => Ok(MigratoryStatus::ForeignBornNonCitizen),
            (Ok(false), Ok(Citizenship::NonCitizen | Citizenship::Stateless)) => {
                Ok(MigratoryStatus::NativeBornNonCitizen)
            }
            (Ok(false), Ok(Citizenship::Citizen)) => match (&abroad, &resided) {
                (None, None) => Ok(MigratoryStatus::NativeBornCitizen),
                (_, Some(resided)) => match resided[row] {
                    Some(true) => Ok(MigratoryStatus::ReturnMigrant),
                    Some(false) => Ok(MigratoryStatus::NativeBornCitizen),
                    None if spec.years_abroad_null_means_never => {
                        assumed_never += 1;
                        Ok(MigratoryStatus::NativeBornCitizen)
                    }
                    None => Err(&abroad_reason),
                },
                (Some(years), None) => match years[row] {
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
                Ok(
                    MigratoryStatus::ForeignBornCitizen
                    | MigratoryStatus::ForeignBornNonCitizen
                    | MigratoryStatus::ReturnMigrant,
                ) => years[row].map(|y| y < spec.recent_years),
                Ok(_) => Some(false),
                Err(_) => None,
            });
        }
    }

    let column = tally.column(&spec.output, &idx);
    let rollup = |suffix: &str, values: &[Option<bool>], yes: &str, no: &str| {
        let labels: Vec<&str> = values
            .iter()
            .map(|v| match v {
                Some(true) => yes,
                Some(false) => no,
                None => UNKNOWN,
            })
            .collect();
        Column::new(format!("{}_{suffix}", spec.output).into(), labels)
    };
    let mut flags = vec![
        rollup(
            "place_of_birth",
            &foreign_born,
            label::FOREIGN_BORN,
            label::NATIVE_BORN,
        ),
        rollup(
            "citizenship",
            &non_citizen,
            label::NON_CITIZEN,
            label::CITIZEN,
        ),
    ];
    let mut counts = Vec::new();
    let mut named = vec![("foreign_born", foreign_born), ("non_citizen", non_citizen)];
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
    match (&spec.years_abroad, &spec.resided_abroad) {
        (None, None) => {
            notes.push("return migrants not identified: no years_abroad column given".to_string())
        }
        (Some(col), _) => {
            notes.push(format!(
                "return migrant: native-born citizen with {col} >= {} (UN threshold: 1 year)",
                spec.min_years_abroad
            ));
            if spec.years_abroad_null_means_never {
                notes.push(format!(
                    "{assumed_never} native-born citizens with null {col} taken as never abroad"
                ));
            }
        }
        (None, Some(col)) => {
            notes.push(format!(
                "return migrant: native-born citizen with {col} in ({}) (national definition: \
                 prior residence abroad; the time spent abroad is not measured, so the UN \
                 1-year threshold is not applied)",
                spec.resided_abroad_codes.join(", ")
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
        "UN Expert Group on Migration Statistics (2017) two-step identification; \
         UN Recommendations on Statistics of International Migration (Rev. 1, 1998)",
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
