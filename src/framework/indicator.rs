//! An indicator of the catalogue.

use serde::{Deserialize, Serialize};

use super::{Benchmark, Direction, Disaggregation, Goalposts, IndicatorKind, Measure, Unit};

/// One indicator: what it measures, how, in which unit, and against which benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable identifier, unique within the catalogue (e.g. `"health_insurance"`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Id of the right measured.
    pub right: String,
    /// Id of the attribute measured (must belong to `right`).
    pub attribute: String,
    /// Structural, process or outcome.
    pub kind: IndicatorKind,
    /// How the value is computed.
    pub measure: Measure,
    /// Unit of the value.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// Target, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<Benchmark>,
    /// Goalposts for the goalposts normalisation (defaults: 0–100 for percent, 0–1 for
    /// proportions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goalposts: Option<Goalposts>,
    /// Weight of the indicator in its attribute's score (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Disaggregations computed for this indicator; each is one dimension or a crossing.
    #[serde(default)]
    pub disaggregations: Vec<Disaggregation>,
    /// Codes in other frameworks (e.g. `"SDG 8.5.2"`, `"OHCHR A/HRC/31/80"`).
    #[serde(default)]
    pub references: Vec<String>,
    /// Where the data come from (survey, register).
    #[serde(default)]
    pub source: String,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The SDG series the indicator reports, a code of the SDG DSD's `CL_SERIES` (e.g.
    /// `"SL_TLF_UEM"` for 8.5.2 unemployment): set only when the indicator's definition is
    /// that series', and the indicator is then written to `indicators.sdg.csv`. Checked
    /// against the code list kept in `data/sdg/` ([`super::sdg`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdg_series: Option<String>,
    /// Comparability and limitations, for the indicator's metadata sheet: how the
    /// definition departs from the international one, breaks, known biases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparability: Option<String>,
    /// Breaks in the series (a new questionnaire, frame or definition): a change between
    /// two rounds that straddle a break is not a measure of progress, and the pipeline says
    /// so instead of giving a progress status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_breaks: Vec<SeriesBreak>,
    /// Who the universe covers (sex, ages), for the checks that breakdowns fit it; when
    /// absent it is read from the universe where that is a plain conjunction
    /// ([`Population::of`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
}

/// The persons an indicator's universe covers, as far as the breakdowns care: one sex
/// only (a universe of women), and an age range in completed years.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// `"female"` or `"male"` when the universe holds one sex only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// The youngest age covered, in completed years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<u32>,
    /// The oldest age covered, in completed years.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u32>,
}

/// Column names read as age, and as a one-sex flag, when a population is inferred from a
/// universe.
pub const AGE_COLUMNS: [&str; 4] = ["age", "eda", "edad", "age_years"];
const SEX_FLAGS: [(&str, &str); 6] = [
    ("female", "female"),
    ("woman", "female"),
    ("women", "female"),
    ("male", "male"),
    ("man", "male"),
    ("men", "male"),
];

impl Population {
    /// The indicator's population: its `population` where given, each missing part read
    /// from its universe when the universe is a conjunction (`AND`, no `OR`, no
    /// parentheses) of simple comparisons: `age >= 15`, `age <= 49`, `age = 5`, `age < 5`,
    /// `age BETWEEN 6 AND 17` (the age column named `age`, `eda`, `edad` or `age_years`),
    /// `female = 1` / `male = 1` (or `woman`, `women`, `man`, `men`), `sex = 'female'`.
    pub fn of(ind: &Indicator) -> Population {
        let inferred = ind
            .measure
            .universe()
            .map(Population::from_universe)
            .unwrap_or_default();
        match &ind.population {
            None => inferred,
            Some(p) => Population {
                sex: p.sex.clone().or(inferred.sex),
                min_age: p.min_age.or(inferred.min_age),
                max_age: p.max_age.or(inferred.max_age),
            },
        }
    }

    /// The population read from a universe (see [`Population::of`]); nothing when the
    /// universe is not a plain conjunction.
    pub fn from_universe(universe: &str) -> Population {
        let mut p = Population::default();
        let text = universe.trim();
        let upper = text.to_ascii_uppercase();
        if upper.contains(" OR ") || text.contains('(') {
            return p;
        }
        // BETWEEN a AND b first, so that its AND is not a conjunction.
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut conjuncts: Vec<Vec<&str>> = vec![Vec::new()];
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if w.eq_ignore_ascii_case("BETWEEN") && i + 3 < words.len() {
                let last = conjuncts.last_mut().expect("never empty");
                last.extend_from_slice(&words[i..i + 4]);
                i += 4;
                continue;
            }
            if w.eq_ignore_ascii_case("AND") {
                conjuncts.push(Vec::new());
            } else {
                conjuncts.last_mut().expect("never empty").push(w);
            }
            i += 1;
        }
        let num = |s: &str| s.trim().parse::<f64>().ok();
        for c in conjuncts {
            let (col, rest) = match c.as_slice() {
                [col, rest @ ..] => (col.to_ascii_lowercase(), rest),
                _ => continue,
            };
            let age = AGE_COLUMNS.contains(&col.as_str());
            match rest {
                [between, a, and, b]
                    if age
                        && between.eq_ignore_ascii_case("BETWEEN")
                        && and.eq_ignore_ascii_case("AND") =>
                {
                    if let (Some(a), Some(b)) = (num(a), num(b)) {
                        p.raise_min(a.ceil());
                        p.lower_max(b.floor());
                    }
                }
                [op, v] if age => {
                    let Some(v) = num(v) else { continue };
                    match *op {
                        ">=" => p.raise_min(v.ceil()),
                        ">" => p.raise_min(v.floor() + 1.0),
                        "<=" => p.lower_max(v.floor()),
                        "<" => p.lower_max(v.ceil() - 1.0),
                        "=" => {
                            p.raise_min(v);
                            p.lower_max(v);
                        }
                        _ => {}
                    }
                }
                [op, v] if *op == "=" => {
                    let v = v.trim_matches('\'').to_ascii_lowercase();
                    if let Some((_, sex)) = SEX_FLAGS.iter().find(|(f, _)| *f == col)
                        && v == "1"
                    {
                        p.sex = Some((*sex).to_string());
                    } else if col == "sex" && (v == "female" || v == "male") {
                        p.sex = Some(v);
                    }
                }
                _ => {}
            }
        }
        p
    }

    fn raise_min(&mut self, v: f64) {
        if v.is_finite() && v >= 0.0 {
            let v = v as u32;
            self.min_age = Some(self.min_age.map_or(v, |m| m.max(v)));
        }
    }

    fn lower_max(&mut self, v: f64) {
        if v.is_finite() && v >= 0.0 {
            let v = v as u32;
            self.max_age = Some(self.max_age.map_or(v, |m| m.min(v)));
        }
    }
}

/// A break in an indicator's series: from the round of `year` on, the figures are not
/// comparable with earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesBreak {
    /// The first year of the new series.
    pub year: i32,
    /// What changed, with its source (e.g. the survey's methodological note).
    pub note: String,
}

impl SeriesBreak {
    /// Whether two rounds of reference years `first < second` straddle the break.
    pub fn between(&self, first: f64, second: f64) -> bool {
        let y = f64::from(self.year);
        first < y && y <= second
    }
}
