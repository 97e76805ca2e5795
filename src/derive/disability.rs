//! Disability status by the Washington Group Short Set on Functioning (WG-SS).

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{Codes, DeriveError, Derived, Tally, check_output, read_codes};

/// One answer to a WG-SS question ("Do you have difficulty ...?").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WgAnswer {
    /// 1 — No difficulty.
    NoDifficulty = 1,
    /// 2 — Yes, some difficulty.
    SomeDifficulty = 2,
    /// 3 — Yes, a lot of difficulty.
    ALotOfDifficulty = 3,
    /// 4 — Cannot do at all.
    CannotDoAtAll = 4,
}

impl WgAnswer {
    /// The answer for a WG-SS code 1–4; `None` for any other code.
    pub fn from_code(code: i64) -> Option<WgAnswer> {
        match code {
            1 => Some(WgAnswer::NoDifficulty),
            2 => Some(WgAnswer::SomeDifficulty),
            3 => Some(WgAnswer::ALotOfDifficulty),
            4 => Some(WgAnswer::CannotDoAtAll),
            _ => None,
        }
    }

    /// The WG-SS code, 1–4.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// The severity threshold that identifies the population with disability.
///
/// Every cut-off is monotone: raising an answer never turns "with disability" into
/// "without".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WgCutoff {
    /// At least one domain with some difficulty or worse (2, 3 or 4): the widest scenario.
    AnySomeDifficulty,
    /// At least two domains with some difficulty, or one with a lot of difficulty or worse.
    TwoSomeOrOneALot,
    /// At least one domain with a lot of difficulty or cannot do at all (3 or 4): the cut-off
    /// the Washington Group recommends for international comparison (default).
    #[default]
    AnyALot,
    /// At least one domain that the person cannot do at all (4): the narrowest scenario.
    AnyCannotDo,
}

impl WgCutoff {
    /// Whether a complete set of answers meets the cut-off.
    pub fn is_disabled(self, answers: &[WgAnswer]) -> bool {
        let at_least = |level: WgAnswer| answers.iter().filter(|&&a| a >= level).count();
        self.meets(
            at_least(WgAnswer::SomeDifficulty),
            at_least(WgAnswer::ALotOfDifficulty),
            at_least(WgAnswer::CannotDoAtAll),
        )
    }

    /// The rule on the numbers of domains answered at least 2, at least 3 and 4.
    fn meets(self, some: usize, a_lot: usize, cannot: usize) -> bool {
        match self {
            WgCutoff::AnySomeDifficulty => some >= 1,
            WgCutoff::TwoSomeOrOneALot => a_lot >= 1 || some >= 2,
            WgCutoff::AnyALot => a_lot >= 1,
            WgCutoff::AnyCannotDo => cannot >= 1,
        }
    }
}

/// Disability status of one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisabilityStatus {
    /// Meets the cut-off.
    WithDisability,
    /// Answered every domain and does not meet the cut-off.
    WithoutDisability,
    /// Missing answers that could change the classification.
    Unknown,
}

impl DisabilityStatus {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            DisabilityStatus::WithDisability => "with_disability",
            DisabilityStatus::WithoutDisability => "without_disability",
            DisabilityStatus::Unknown => super::UNKNOWN,
        }
    }
}

/// Classifies one person's WG-SS answers (`None` = missing answer).
///
/// Missing answers are never treated as "no difficulty". Because every cut-off is monotone,
/// the status is decided by the two extreme completions of the missing answers:
/// - if the answers given already meet the cut-off (missing read as 1, "no difficulty"),
///   the person is **with disability** whatever the missing answers would have been — for
///   the default cut-off: any domain answered 3 or 4;
/// - if even the worst completion (missing read as 4) does not meet it, the person is
///   **without disability** — with no missing answer: every domain answered and none 3 or 4;
/// - otherwise the status is **unknown**.
///
/// An empty slice is `Unknown`.
pub fn classify_wg_ss(answers: &[Option<WgAnswer>], cutoff: WgCutoff) -> DisabilityStatus {
    if answers.is_empty() {
        return DisabilityStatus::Unknown;
    }
    let (mut some, mut a_lot, mut cannot, mut missing) = (0, 0, 0, 0);
    for a in answers {
        match a {
            None => missing += 1,
            Some(a) => {
                some += usize::from(*a >= WgAnswer::SomeDifficulty);
                a_lot += usize::from(*a >= WgAnswer::ALotOfDifficulty);
                cannot += usize::from(*a == WgAnswer::CannotDoAtAll);
            }
        }
    }
    // Missing read as 1 (adds nothing), then as 4 (counts at every level).
    if cutoff.meets(some, a_lot, cannot) {
        DisabilityStatus::WithDisability
    } else if cutoff.meets(some + missing, a_lot + missing, cannot + missing) {
        DisabilityStatus::Unknown
    } else {
        DisabilityStatus::WithoutDisability
    }
}

/// The six WG-SS domain columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WgSsColumns {
    /// Difficulty seeing, even if wearing glasses.
    pub seeing: String,
    /// Difficulty hearing, even if using a hearing aid.
    pub hearing: String,
    /// Difficulty walking or climbing steps.
    pub walking: String,
    /// Difficulty remembering or concentrating.
    pub cognition: String,
    /// Difficulty with self-care, such as washing all over or dressing.
    pub self_care: String,
    /// Difficulty communicating (understanding or being understood) in the usual language.
    pub communication: String,
}

impl Default for WgSsColumns {
    /// Columns named `seeing`, `hearing`, `walking`, `cognition`, `self_care`,
    /// `communication`.
    fn default() -> Self {
        WgSsColumns {
            seeing: "seeing".into(),
            hearing: "hearing".into(),
            walking: "walking".into(),
            cognition: "cognition".into(),
            self_care: "self_care".into(),
            communication: "communication".into(),
        }
    }
}

impl WgSsColumns {
    /// The six column names in WG-SS order.
    pub fn as_array(&self) -> [&str; 6] {
        [
            &self.seeing,
            &self.hearing,
            &self.walking,
            &self.cognition,
            &self.self_care,
            &self.communication,
        ]
    }
}

/// How to derive disability status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DisabilitySpec {
    /// The six domain columns (default: see [`WgSsColumns::default`]).
    pub columns: WgSsColumns,
    /// The output column (default `disability`).
    pub output: String,
    /// The cut-off (default [`WgCutoff::AnyALot`], the WG recommendation).
    pub cutoff: WgCutoff,
    /// Codes that mean a missing answer (e.g. `7` refused, `8` don't know, `9` not stated:
    /// set them here as the questionnaire codes them). Any code other than 1–4 and these is
    /// an error.
    pub missing_codes: Vec<i64>,
}

impl Default for DisabilitySpec {
    fn default() -> Self {
        DisabilitySpec {
            columns: WgSsColumns::default(),
            output: "disability".to_string(),
            cutoff: WgCutoff::AnyALot,
            missing_codes: Vec::new(),
        }
    }
}

impl DisabilitySpec {
    /// The WG-recommended cut-off over the given domain columns.
    pub fn new(columns: WgSsColumns) -> Self {
        DisabilitySpec {
            columns,
            ..DisabilitySpec::default()
        }
    }

    /// Declares codes that mean a missing answer.
    pub fn with_missing_codes(mut self, codes: Vec<i64>) -> Self {
        self.missing_codes = codes;
        self
    }

    /// Uses another cut-off.
    pub fn with_cutoff(mut self, cutoff: WgCutoff) -> Self {
        self.cutoff = cutoff;
        self
    }
}

/// Derives `with_disability` / `without_disability` / `unknown` by the Washington Group
/// Short Set on Functioning (WG-SS).
///
/// The six domains (seeing, hearing, walking, cognition, self-care, communication) are
/// answered 1 no difficulty, 2 some difficulty, 3 a lot of difficulty, 4 cannot do at all.
/// With the default cut-off (the WG recommendation for international comparison), a person
/// has a disability when at least one domain is 3 or 4. Missing answers (null, or a code in
/// `missing_codes`) follow [`classify_wg_ss`]: any 3/4 → with disability regardless of the
/// missing domains; all six answered and none 3/4 → without; otherwise `unknown`, counted by
/// the number of missing domains. A code outside 1–4 that is not declared missing is a
/// [`DeriveError::InvalidValue`] naming the domain column and the row.
///
/// The WG-SS was designed for adults (the WG/UNICEF Child Functioning Module is the
/// instrument for children); where the questions are skipped for children their status
/// comes out `unknown`: restrict the universe of disability-disaggregated indicators
/// accordingly.
pub fn disability(df: &DataFrame, spec: &DisabilitySpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    let names = spec.columns.as_array();
    let n = df.height();
    let mut answers: Vec<Vec<Option<WgAnswer>>> = Vec::with_capacity(6);
    let mut notes = Vec::new();
    for name in names {
        // Each value: Ok(None) null, Ok(Some(code)) a whole number, Err(text) anything else.
        let raw: Vec<Result<Option<i64>, String>> = match read_codes(df, name)? {
            Codes::Int(values) => values.into_iter().map(Ok).collect(),
            Codes::Text(values) => values
                .into_iter()
                .map(|v| match v {
                    None => Ok(None),
                    Some(t) => t.parse::<i64>().map(Some).map_err(|_| t),
                })
                .collect(),
        };
        let mut col = Vec::with_capacity(n);
        let mut missing = 0u64;
        for (row, v) in raw.into_iter().enumerate() {
            let answer = match v {
                Ok(None) => None,
                Ok(Some(c)) if spec.missing_codes.contains(&c) => None,
                Ok(Some(c)) => match WgAnswer::from_code(c) {
                    Some(a) => Some(a),
                    None => return Err(bad_code(name, row, &c.to_string(), spec)),
                },
                Err(text) => return Err(bad_code(name, row, &text, spec)),
            };
            if answer.is_none() {
                missing += 1;
            }
            col.push(answer);
        }
        notes.push(format!("domain {name}: {missing} missing answers"));
        answers.push(col);
    }
    let labels = [
        DisabilityStatus::WithDisability.as_str(),
        DisabilityStatus::WithoutDisability.as_str(),
    ];
    let mut tally = Tally::new(labels);
    let unknown = tally.unknown_index();
    let mut idx = Vec::with_capacity(n);
    let mut disabled_with_missing = 0u64;
    let mut person = [None; 6];
    for row in 0..n {
        for (d, col) in answers.iter().enumerate() {
            person[d] = col[row];
        }
        let n_missing = person.iter().filter(|a| a.is_none()).count();
        match classify_wg_ss(&person, spec.cutoff) {
            DisabilityStatus::WithDisability => {
                if n_missing > 0 {
                    disabled_with_missing += 1;
                }
                tally.add(0);
                idx.push(0);
            }
            DisabilityStatus::WithoutDisability => {
                tally.add(1);
                idx.push(1);
            }
            DisabilityStatus::Unknown => {
                let reason = if n_missing == 6 {
                    "all 6 domains missing".to_string()
                } else {
                    format!("{n_missing} of 6 domains missing, cut-off not reached")
                };
                tally.add_unknown(&reason);
                idx.push(unknown);
            }
        }
    }
    notes.push(format!(
        "{disabled_with_missing} rows with disability despite missing domains (cut-off met by the answers given)"
    ));
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        &format!(
            "Washington Group Short Set on Functioning (WG-SS), cut-off {:?}",
            spec.cutoff
        ),
        n,
        Vec::new(),
        notes,
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}

fn bad_code(column: &str, row: usize, text: &str, spec: &DisabilitySpec) -> DeriveError {
    let expected = if spec.missing_codes.is_empty() {
        "a WG-SS answer 1-4 or missing (declare codes such as 7, 8, 9 in missing_codes)".to_string()
    } else {
        format!(
            "a WG-SS answer 1-4, missing, or a declared missing code {:?}",
            spec.missing_codes
        )
    };
    DeriveError::invalid(column, row, text, expected)
}
