//! Functional difficulty of children by the UNICEF/Washington Group Child Functioning
//! Module (CFM).

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{Codes, DeriveError, Derived, Tally, check_output, read_codes, read_numbers};

/// The label of children with a functional difficulty.
pub const WITH_FUNCTIONAL_DIFFICULTY: &str = "with_functional_difficulty";
/// The label of children without a functional difficulty.
pub const WITHOUT_FUNCTIONAL_DIFFICULTY: &str = "without_functional_difficulty";

/// The questions of one age version of the CFM.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfmItems {
    /// Difficulty questions on the 4-point scale (1 no difficulty, 2 some difficulty, 3 a
    /// lot of difficulty, 4 cannot do at all): seeing, hearing, walking, fine motor (2–4),
    /// self-care (5–17), communication, learning, remembering (5–17), concentrating (5–17),
    /// accepting change (5–17), controlling behaviour (5–17), making friends (5–17),
    /// playing (2–4). A difficulty is 3 or 4.
    #[serde(default)]
    pub difficulty: Vec<String>,
    /// Questions compared with children of the same age on the scale 1 not at all, 2 the
    /// same or less, 3 more, 4 a lot more (the 2–4 question on kicking, biting or hitting
    /// other children): a difficulty is 4, "a lot more".
    #[serde(default)]
    pub a_lot_more: Vec<String>,
    /// Frequency questions (5–17: how often the child seems very anxious, nervous or
    /// worried; very sad or depressed) on the scale 1 daily, 2 weekly, 3 monthly, 4 a few
    /// times a year, 5 never: a difficulty is 1, "daily".
    #[serde(default)]
    pub daily: Vec<String>,
}

impl CfmItems {
    fn count(&self) -> usize {
        self.difficulty.len() + self.a_lot_more.len() + self.daily.len()
    }
}

/// How to derive functional difficulty from the CFM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildFunctioningSpec {
    /// Age in completed years: the 2–4 questions apply at ages 2–4, the 5–17 questions at
    /// ages 5–17; other ages are `unknown` (not in the module's population).
    pub age: String,
    /// The questions of the version for children aged 2–4.
    pub ages_2_4: CfmItems,
    /// The questions of the version for children aged 5–17.
    pub ages_5_17: CfmItems,
    /// Codes that mean "don't know" or "refused": treated as missing.
    #[serde(default)]
    pub missing_codes: Vec<i64>,
    /// The output column (default `child_functioning`).
    #[serde(default = "default_output")]
    pub output: String,
}

fn default_output() -> String {
    "child_functioning".to_string()
}

impl ChildFunctioningSpec {
    /// A spec with the two versions' questions and the default output column.
    pub fn new(age: impl Into<String>, ages_2_4: CfmItems, ages_5_17: CfmItems) -> Self {
        ChildFunctioningSpec {
            age: age.into(),
            ages_2_4,
            ages_5_17,
            missing_codes: Vec::new(),
            output: default_output(),
        }
    }
}

/// Which cut-off a question takes.
#[derive(Clone, Copy)]
enum Scale {
    /// 1–4, difficulty at 3 or 4.
    Difficulty,
    /// 1–4, difficulty at 4 ("a lot more").
    ALotMore,
    /// 1–5, difficulty at 1 ("daily").
    Daily,
}

impl Scale {
    fn max(self) -> i64 {
        match self {
            Scale::Daily => 5,
            _ => 4,
        }
    }
    fn difficulty(self, code: i64) -> bool {
        match self {
            Scale::Difficulty => code >= 3,
            Scale::ALotMore => code == 4,
            Scale::Daily => code == 1,
        }
    }
}

/// Reads one question: per row `Some(true)` difficulty, `Some(false)` none, `None` missing.
fn read_item(
    df: &DataFrame,
    name: &str,
    scale: Scale,
    spec: &ChildFunctioningSpec,
) -> Result<Vec<Option<bool>>, DeriveError> {
    let values: Vec<Option<i64>> = match read_codes(df, name)? {
        Codes::Int(v) => v,
        Codes::Text(v) => {
            v.into_iter()
                .enumerate()
                .map(|(row, t)| match t {
                    None => Ok(None),
                    Some(t) => t.parse::<i64>().map(Some).map_err(|_| {
                        DeriveError::invalid(name, row, t.as_str(), "a CFM answer code")
                    }),
                })
                .collect::<Result<_, _>>()?
        }
    };
    values
        .into_iter()
        .enumerate()
        .map(|(row, v)| match v {
            None => Ok(None),
            Some(c) if spec.missing_codes.contains(&c) => Ok(None),
            Some(c) if (1..=scale.max()).contains(&c) => Ok(Some(scale.difficulty(c))),
            Some(c) => Err(DeriveError::invalid(
                name,
                row,
                c,
                format!(
                    "a CFM answer code 1-{} or a declared missing code",
                    scale.max()
                ),
            )),
        })
        .collect()
}

fn read_version(
    df: &DataFrame,
    items: &CfmItems,
    spec: &ChildFunctioningSpec,
) -> Result<Vec<Vec<Option<bool>>>, DeriveError> {
    let mut out = Vec::with_capacity(items.count());
    for (names, scale) in [
        (&items.difficulty, Scale::Difficulty),
        (&items.a_lot_more, Scale::ALotMore),
        (&items.daily, Scale::Daily),
    ] {
        for name in names {
            out.push(read_item(df, name, scale, spec)?);
        }
    }
    Ok(out)
}

/// Derives functional difficulty of children aged 2–17 by the UNICEF/Washington Group
/// Child Functioning Module, following the UNICEF and Washington Group tabulation guidance
/// for the CFM (*Module on Child Functioning: Tabulation Plan*, UNICEF/WG, and the WG's
/// *Analytic guidelines: creating disability identifiers using the Child Functioning
/// Module*): a child has a functional difficulty when at least one domain is answered
/// "a lot of difficulty" or "cannot do at all" (3 or 4), for the 2–4 behaviour question
/// "a lot more" (4) than other children, or, at ages 5–17, anxiety or depression
/// "daily" (1).
///
/// Labels: `with_functional_difficulty`, `without_functional_difficulty` (every question of
/// the child's version answered and none at its cut-off), `unknown` (age missing or outside
/// 2–17, or missing answers that could change the result), counted with the reason. A
/// child with a difficulty on an answered question is classified even when other answers
/// are missing (the cut-off is met). Codes outside a question's scale are errors naming the
/// column and the row unless declared missing.
pub fn child_functioning(
    df: &DataFrame,
    spec: &ChildFunctioningSpec,
) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    for (name, items) in [("ages_2_4", &spec.ages_2_4), ("ages_5_17", &spec.ages_5_17)] {
        if items.count() == 0 {
            return Err(DeriveError::spec(
                &spec.output,
                format!("{name} lists no CFM question"),
            ));
        }
    }
    let age = read_numbers(df, &spec.age)?;
    let young = read_version(df, &spec.ages_2_4, spec)?;
    let older = read_version(df, &spec.ages_5_17, spec)?;
    let mut tally = Tally::new([WITH_FUNCTIONAL_DIFFICULTY, WITHOUT_FUNCTIONAL_DIFFICULTY]);
    let unknown = tally.unknown_index();
    let mut idx = Vec::with_capacity(df.height());
    for (row, a) in age.iter().enumerate() {
        let version = match a {
            Some(a) if (2.0..5.0).contains(a) => &young,
            Some(a) if (5.0..18.0).contains(a) => &older,
            Some(_) => {
                tally.add_unknown("age outside 2-17 (not in the CFM population)");
                idx.push(unknown);
                continue;
            }
            None => {
                tally.add_unknown(&format!("missing {}", spec.age));
                idx.push(unknown);
                continue;
            }
        };
        let answers: Vec<Option<bool>> = version.iter().map(|c| c[row]).collect();
        if answers.contains(&Some(true)) {
            tally.add(0);
            idx.push(0);
        } else if answers.iter().all(Option::is_some) {
            tally.add(1);
            idx.push(1);
        } else {
            let missing = answers.iter().filter(|a| a.is_none()).count();
            tally.add_unknown(&format!(
                "{missing} of {} CFM questions missing, no difficulty among the others",
                answers.len()
            ));
            idx.push(unknown);
        }
    }
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        "UNICEF/Washington Group Child Functioning Module (ages 2-4 and 5-17): a domain with \
         'a lot of difficulty' or 'cannot do at all', 'a lot more' for the 2-4 behaviour \
         question, or anxiety or depression 'daily' (UNICEF/WG CFM tabulation guidance)",
        df.height(),
        Vec::new(),
        vec![format!(
            "{} questions at ages 2-4, {} at ages 5-17",
            spec.ages_2_4.count(),
            spec.ages_5_17.count()
        )],
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}
