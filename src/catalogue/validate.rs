//! Validation of a catalogue: every cross-reference and every value checked, every problem
//! reported (not only the first), each naming the entry and the field.
//!
//! The rules, by section:
//!
//! - **metadata**: `name` and `version` are not empty; `country` is `"generic"` or an ISO
//!   3166-1 alpha-3 code (three upper-case letters).
//! - **scoring**: `min_available` is a number in [0, 1]; `normalisation` is not `parity`
//!   (the gap score is always computed apart); `composite` weights are finite, not
//!   negative, not all 0, and need an aggregation other than `none`.
//! - **dimensions**: each mapped survey column name is not empty and has no surrounding
//!   white space. When the catalogue maps *any* dimension, every dimension used in an
//!   indicator's disaggregations must be mapped; when it maps none, each dimension is read
//!   from the column of the same name (`sex` from `sex`, see
//!   [`Catalogue::column`](super::Catalogue::column)).
//! - **rights, attributes, indicators**: `id` and `name` are not empty; ids have no white
//!   space and are unique within their list (attribute ids across all rights, since
//!   indicators name their attribute alone).
//! - **attributes**: `right` names a right of the catalogue.
//! - **indicators**:
//!   - `right` names a right; `attribute` names an attribute of that right;
//!   - a `structural` indicator has a `structural` measure (a register entry) and no
//!     disaggregations; a process or outcome indicator has a survey measure;
//!   - survey measures: conditions and universes parse as SQL expressions
//!     (`polars::sql::sql_expr`) of at most [`MAX_SQL_CHARS`] characters; variable names are not empty; a quantile's `p` is in
//!     (0, 1); a rate's `per` is a positive number; a structural measure names its entry;
//!   - the unit fits the measure: a proportion is in `percent` or `proportion`, a rate in
//!     `rate_per` with the same base; survey indicators have a numeric unit; `rate_per`
//!     bases are positive; currency codes are three upper-case letters;
//!   - `direction = { target = ... }`: the value is finite and the tolerance is not negative;
//!   - benchmark: the target's type matches the unit (a status such as `"ratified"` for
//!     unit `status`, a number otherwise); a numeric target is finite and, for `percent`
//!     and `proportion`, within 0–100 or 0–1 (the baseline value likewise); the baseline
//!     year is not after the target year; years lie in 1900–2200;
//!   - goalposts: finite, `lower < upper`;
//!   - weight: a finite number > 0;
//!   - disaggregations: none is empty (the whole-population figure is always computed, so
//!     an empty disaggregation is a mistake, not a request for the total), none repeats a
//!     dimension, and no two are the same set of dimensions;
//!   - breakdowns fit the universe ([`IssueKind`], the population read by
//!     [`Population::of`](crate::framework::Population::of)): no `sex` breakdown of a
//!     universe of one sex (skilled birth attendance and family planning are universes of
//!     women); no `disability` breakdown (the Washington Group Short Set, designed for
//!     adults aged 18+: Washington Group, *The Washington Group Short Set on Functioning*,
//!     and its note on use with children) of a universe whose oldest age is under 18,
//!     where the UNICEF/Washington Group Child Functioning Module (`child_functioning`,
//!     ages 2–4 and 5–17) is the instrument; no `child_functioning` breakdown of a
//!     universe outside ages 2–17.

use std::collections::{BTreeSet, HashMap};

use super::Catalogue;
use super::error::{Issue, IssueKind, Location, ValidationReport};
use crate::framework::{
    Benchmark, Dimension, Direction, Indicator, IndicatorKind, Measure, Population, Target, Unit,
};

/// The longest SQL condition or universe accepted, in characters (the survey engine's
/// cap, [`crate::sql::MAX_SQL_CHARS`]: polars' SQL front end recurses once per operator).
pub use crate::sql::MAX_SQL_CHARS;

/// Runs every rule over the catalogue, on the large SQL stack
/// ([`crate::sql::on_sql_stack`]; on the calling thread if no thread can be started).
pub(super) fn validate(catalogue: &Catalogue) -> Result<(), ValidationReport> {
    let issues = crate::sql::on_sql_stack("catalogue-validate", || run(catalogue));
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ValidationReport { issues })
    }
}

/// Runs every rule over the catalogue on the current thread.
fn run(catalogue: &Catalogue) -> Vec<Issue> {
    let mut v = Validator::default();
    v.metadata(catalogue);
    v.scoring(catalogue);
    v.dimensions(catalogue);
    v.rights(catalogue);
    v.attributes(catalogue);
    v.indicators(catalogue);
    v.issues
}

#[derive(Default)]
struct Validator {
    issues: Vec<Issue>,
}

impl Validator {
    fn push(&mut self, location: &Location, field: impl Into<String>, message: impl Into<String>) {
        self.issues
            .push(Issue::new(location.clone(), field, message));
    }

    fn metadata(&mut self, c: &Catalogue) {
        let at = Location::Metadata;
        if c.metadata.name.trim().is_empty() {
            self.push(&at, "name", "must not be empty");
        }
        if c.metadata.version.trim().is_empty() {
            self.push(&at, "version", "must not be empty");
        }
        let country = c.metadata.country.as_str();
        let iso3 = country.len() == 3 && country.bytes().all(|b| b.is_ascii_uppercase());
        if country != "generic" && !iso3 {
            self.push(
                &at,
                "country",
                format!(
                    "{country:?} is neither \"generic\" nor an ISO 3166-1 alpha-3 code (e.g. \"MEX\")"
                ),
            );
        }
    }

    fn scoring(&mut self, c: &Catalogue) {
        if c.scoring.normalisation == crate::framework::Normalisation::Parity {
            self.push(
                &Location::Scoring,
                "normalisation",
                "\"parity\" no longer normalises level scores: every row now has its \
                 non-discrimination score apart (gap_score, parity on the gap ratio), rolled \
                 up apart; choose \"goalposts\" or \"distance_to_target\" for the level score",
            );
        }
        if let Some(w) = &c.scoring.composite {
            let all = [w.structural, w.process, w.outcome];
            if all.iter().any(|v| !v.is_finite() || *v < 0.0) || all.iter().all(|v| *v == 0.0) {
                self.push(
                    &Location::Scoring,
                    "composite",
                    format!(
                        "weights must be finite, not negative and not all 0, got {}",
                        w.describe()
                    ),
                );
            }
            if c.scoring.aggregation == crate::framework::Aggregation::None {
                self.push(
                    &Location::Scoring,
                    "composite",
                    "a composite needs an aggregation (arithmetic or geometric), not \"none\"",
                );
            }
        }
        let m = c.scoring.min_available;
        if !(0.0..=1.0).contains(&m) {
            self.push(
                &Location::Scoring,
                "min_available",
                format!("{m} is outside [0, 1] (it is a share of available indicators)"),
            );
        }
    }

    fn dimensions(&mut self, c: &Catalogue) {
        // A dimension of the catalogue's own needs its label.
        let mut used: Vec<Dimension> = c.dimensions.keys().copied().collect();
        for i in &c.indicators {
            for d in i.disaggregations.iter().flatten() {
                if !used.contains(d) {
                    used.push(*d);
                }
            }
        }
        for d in used {
            if !d.is_builtin() && !c.dimension_labels.contains_key(d.as_str()) {
                self.push(
                    &Location::Dimensions,
                    d.as_str(),
                    format!(
                        "`{}` is not a built-in dimension: declare it with a label in [dimension_labels]",
                        d.as_str()
                    ),
                );
            }
        }
        for (dimension, column) in &c.dimensions {
            let field = dimension.as_str();
            if column.trim().is_empty() {
                self.push(&Location::Dimensions, field, "survey column name is empty");
            } else if column.trim() != column {
                self.push(
                    &Location::Dimensions,
                    field,
                    format!("survey column name {column:?} has leading or trailing white space"),
                );
            }
        }
    }

    /// Checks an entry's id (not empty, no white space) and name (not empty).
    fn id_and_name(&mut self, at: &Location, id: &str, name: &str) {
        if id.trim().is_empty() {
            self.push(at, "id", "must not be empty");
        } else if id.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
            self.push(at, "id", format!("{id:?} must not contain white space"));
        }
        if name.trim().is_empty() {
            self.push(at, "name", "must not be empty");
        }
    }

    /// Flags ids already seen in the same list.
    fn duplicates<'a>(&mut self, list: &str, ids: impl Iterator<Item = (Location, &'a str)>) {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (position, (at, id)) in ids.enumerate() {
            if id.is_empty() {
                continue;
            }
            match first.get(id) {
                Some(earlier) => self.push(
                    &at,
                    "id",
                    format!("duplicate id {id:?}: already used by {list}[{earlier}]"),
                ),
                None => {
                    first.insert(id, position);
                }
            }
        }
    }

    fn rights(&mut self, c: &Catalogue) {
        for (index, right) in c.rights.iter().enumerate() {
            let at = right_at(index, &right.id);
            self.id_and_name(&at, &right.id, &right.name);
        }
        self.duplicates(
            "rights",
            c.rights
                .iter()
                .enumerate()
                .map(|(i, r)| (right_at(i, &r.id), r.id.as_str())),
        );
    }

    fn attributes(&mut self, c: &Catalogue) {
        for (index, attribute) in c.attributes.iter().enumerate() {
            let at = attribute_at(index, &attribute.id);
            self.id_and_name(&at, &attribute.id, &attribute.name);
            if c.right(&attribute.right).is_none() {
                self.push(
                    &at,
                    "right",
                    format!("unknown right {:?}; {}", attribute.right, known_rights(c)),
                );
            }
        }
        self.duplicates(
            "attributes",
            c.attributes
                .iter()
                .enumerate()
                .map(|(i, a)| (attribute_at(i, &a.id), a.id.as_str())),
        );
    }

    fn indicators(&mut self, c: &Catalogue) {
        for (index, indicator) in c.indicators.iter().enumerate() {
            let at = indicator_at(index, &indicator.id);
            self.indicator(c, &at, indicator);
        }
        self.duplicates(
            "indicators",
            c.indicators
                .iter()
                .enumerate()
                .map(|(i, ind)| (indicator_at(i, &ind.id), ind.id.as_str())),
        );
    }

    fn indicator(&mut self, c: &Catalogue, at: &Location, ind: &Indicator) {
        self.id_and_name(at, &ind.id, &ind.name);
        self.references(c, at, ind);
        self.kind_and_measure(at, ind);
        self.unit(at, ind);
        self.direction(at, &ind.direction);
        if let Some(benchmark) = &ind.benchmark {
            self.benchmark(at, &ind.unit, benchmark);
        }
        if let Some(g) = &ind.goalposts {
            if !g.lower.is_finite() || !g.upper.is_finite() {
                self.push(at, "goalposts", "lower and upper must be finite numbers");
            } else if g.lower >= g.upper {
                self.push(
                    at,
                    "goalposts",
                    format!(
                        "lower ({}) must be below upper ({}); direction says which end is best",
                        g.lower, g.upper
                    ),
                );
            }
        }
        if let Some(w) = ind.weight
            && !(w.is_finite() && w > 0.0)
        {
            self.push(at, "weight", format!("{w} is not a positive finite number"));
        }
        self.disaggregations(c, at, ind);
        self.sdg_series(at, ind);
    }

    /// `sdg_series` must be a code of the SDG DSD's series code list kept in `data/sdg/`,
    /// on a survey indicator (the SDG file holds survey observations only).
    fn sdg_series(&mut self, at: &Location, ind: &Indicator) {
        let Some(series) = &ind.sdg_series else {
            return;
        };
        if !crate::framework::sdg::has_code("CL_SERIES", series) {
            self.push(
                at,
                "sdg_series",
                format!(
                    "{series:?} is not in the SDG series code list kept in data/sdg/ (known: {}); \
                     check the code in the SDG DSD's CL_SERIES and refresh the list",
                    crate::framework::sdg::codes_of("CL_SERIES").join(", ")
                ),
            );
        }
        if !ind.measure.is_survey() {
            self.push(
                at,
                "sdg_series",
                "only a survey indicator can report an SDG series (a structural indicator has no observation)",
            );
        }
    }

    fn references(&mut self, c: &Catalogue, at: &Location, ind: &Indicator) {
        if c.right(&ind.right).is_none() {
            self.push(
                at,
                "right",
                format!("unknown right {:?}; {}", ind.right, known_rights(c)),
            );
        }
        match c.attribute(&ind.attribute) {
            None => self.push(
                at,
                "attribute",
                format!(
                    "unknown attribute {:?}; attributes of right {:?}: {}",
                    ind.attribute,
                    ind.right,
                    list(c.attributes_of(&ind.right).map(|a| a.id.as_str()))
                ),
            ),
            Some(attribute) if attribute.right != ind.right => self.push(
                at,
                "attribute",
                format!(
                    "attribute {:?} belongs to right {:?}, not to {:?}",
                    ind.attribute, attribute.right, ind.right
                ),
            ),
            Some(_) => {}
        }
    }

    fn kind_and_measure(&mut self, at: &Location, ind: &Indicator) {
        let structural_kind = ind.kind == IndicatorKind::Structural;
        let structural_measure = !ind.measure.is_survey();
        if structural_kind && !structural_measure {
            self.push(
                at,
                "measure",
                "a structural indicator takes its value from the country register: use \
                 measure type \"structural\" with an entry",
            );
        } else if !structural_kind && structural_measure {
            self.push(
                at,
                "measure",
                format!(
                    "a {} indicator is computed from survey data; measure type \
                     \"structural\" is only for structural indicators",
                    ind.kind.as_str()
                ),
            );
        }
        match &ind.measure {
            Measure::Proportion {
                condition,
                universe,
            } => {
                self.sql(at, "measure.condition", condition);
                self.universe(at, universe);
            }
            Measure::Mean { variable, universe } | Measure::Total { variable, universe } => {
                self.variable(at, "measure.variable", variable);
                self.universe(at, universe);
            }
            Measure::Ratio {
                numerator,
                denominator,
                universe,
            } => {
                self.variable(at, "measure.numerator", numerator);
                self.variable(at, "measure.denominator", denominator);
                self.universe(at, universe);
            }
            Measure::Quantile {
                variable,
                p,
                universe,
            } => {
                self.variable(at, "measure.variable", variable);
                if !(*p > 0.0 && *p < 1.0) {
                    self.push(at, "measure.p", format!("{p} is outside (0, 1)"));
                }
                self.universe(at, universe);
            }
            Measure::Rate {
                condition,
                per,
                universe,
            } => {
                self.sql(at, "measure.condition", condition);
                if !(per.is_finite() && *per > 0.0) {
                    self.push(at, "measure.per", format!("{per} is not a positive number"));
                }
                self.universe(at, universe);
            }
            Measure::Structural { entry } => {
                if entry.trim().is_empty() {
                    self.push(at, "measure.entry", "register entry id is empty");
                }
            }
        }
    }

    fn universe(&mut self, at: &Location, universe: &Option<String>) {
        if let Some(universe) = universe {
            self.sql(at, "measure.universe", universe);
        }
    }

    fn sql(&mut self, at: &Location, field: &str, sql: &str) {
        if sql.trim().is_empty() {
            self.push(
                at,
                field,
                "empty SQL expression (leave the universe out for the whole population)",
            );
            return;
        }
        let chars = sql.chars().count();
        if chars > MAX_SQL_CHARS {
            self.push(
                at,
                field,
                format!(
                    "SQL expression of {chars} characters is longer than the {MAX_SQL_CHARS} \
                     allowed (write long lists of codes as `column IN (...)`)"
                ),
            );
            return;
        }
        if let Err(e) = polars::sql::sql_expr(sql) {
            let message = e.to_string();
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            self.push(
                at,
                field,
                format!("{sql:?} does not parse as an SQL expression: {message}"),
            );
        }
    }

    fn variable(&mut self, at: &Location, field: &str, name: &str) {
        if name.trim().is_empty() {
            self.push(at, field, "survey column name is empty");
        } else if name.trim() != name {
            self.push(
                at,
                field,
                format!("survey column name {name:?} has leading or trailing white space"),
            );
        }
    }

    fn unit(&mut self, at: &Location, ind: &Indicator) {
        match &ind.unit {
            Unit::RatePer { per } if !(per.is_finite() && *per > 0.0) => {
                self.push(
                    at,
                    "unit",
                    format!("rate base {per} is not a positive number"),
                );
            }
            Unit::Currency { code }
                if !(code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())) =>
            {
                self.push(
                    at,
                    "unit",
                    format!("currency {code:?} is not an ISO 4217 code (three upper-case letters)"),
                );
            }
            _ => {}
        }
        let fits = match (&ind.measure, &ind.unit) {
            (Measure::Structural { .. }, _) => true,
            (_, Unit::Status) => {
                self.push(
                    at,
                    "unit",
                    "a survey measure gives a number; unit \"status\" is for structural indicators",
                );
                return;
            }
            (Measure::Proportion { .. }, unit) => {
                matches!(unit, Unit::Percent | Unit::Proportion)
            }
            (Measure::Rate { per, .. }, Unit::RatePer { per: unit_per }) => {
                if per != unit_per {
                    self.push(
                        at,
                        "unit",
                        format!("the measure is a rate per {per} but the unit is per {unit_per}"),
                    );
                }
                true
            }
            (Measure::Rate { .. }, _) => false,
            _ => true,
        };
        if !fits {
            let expected = match ind.measure {
                Measure::Rate { .. } => "rate_per",
                _ => "percent or proportion",
            };
            self.push(
                at,
                "unit",
                format!(
                    "unit {} does not fit a {} measure; expected {expected}",
                    ind.unit.code(),
                    measure_name(&ind.measure)
                ),
            );
        }
    }

    fn direction(&mut self, at: &Location, direction: &Direction) {
        if let Direction::Target { value, tolerance } = direction {
            if !value.is_finite() {
                self.push(
                    at,
                    "direction.target.value",
                    format!("{value} is not finite"),
                );
            }
            if !(tolerance.is_finite() && *tolerance >= 0.0) {
                self.push(
                    at,
                    "direction.target.tolerance",
                    format!("{tolerance} is not a non-negative finite number"),
                );
            }
        }
    }

    fn benchmark(&mut self, at: &Location, unit: &Unit, b: &Benchmark) {
        match (&b.target, unit) {
            (Target::Value(v), Unit::Status) => self.push(
                at,
                "benchmark.target",
                format!(
                    "numeric target {v} on an indicator whose unit is \"status\"; use a status \
                     such as \"ratified\" or \"complete\""
                ),
            ),
            (Target::Status(s), unit) if unit.is_numeric() => self.push(
                at,
                "benchmark.target",
                format!(
                    "status target {s:?} on a numeric indicator (unit {}); use a number",
                    unit.code()
                ),
            ),
            (Target::Status(s), _) if s.trim().is_empty() => {
                self.push(at, "benchmark.target", "status target is empty");
            }
            (Target::Value(v), unit) => self.value_in_unit(at, "benchmark.target", *v, unit),
            (Target::Status(_), _) => {}
        }
        self.year(at, "benchmark.year", b.year);
        if let Some(baseline) = &b.baseline {
            self.value_in_unit(at, "benchmark.baseline.value", baseline.value, unit);
            self.year(at, "benchmark.baseline.year", baseline.year);
            if baseline.year > b.year {
                self.push(
                    at,
                    "benchmark.baseline.year",
                    format!(
                        "baseline year {} is after the target year {}",
                        baseline.year, b.year
                    ),
                );
            }
        }
    }

    fn value_in_unit(&mut self, at: &Location, field: &str, v: f64, unit: &Unit) {
        if !v.is_finite() {
            self.push(at, field, format!("{v} is not a finite number"));
            return;
        }
        let range = match unit {
            Unit::Percent => Some((100.0, "percent")),
            Unit::Proportion => Some((1.0, "proportion")),
            _ => None,
        };
        if let Some((max, name)) = range
            && !(0.0..=max).contains(&v)
        {
            self.push(at, field, format!("{v} is outside 0–{max} for unit {name}"));
        }
    }

    fn year(&mut self, at: &Location, field: &str, year: i32) {
        if !(1900..=2200).contains(&year) {
            self.push(at, field, format!("year {year} is outside 1900–2200"));
        }
    }

    /// A breakdown that the universe cannot take: sex on one sex, an instrument of
    /// disability outside its ages.
    fn fits_universe(
        &mut self,
        at: &Location,
        field: &str,
        ind: &Indicator,
        population: &Population,
        d: &[Dimension],
    ) {
        if d.contains(&Dimension::Sex)
            && let Some(sex) = &population.sex
        {
            self.issues.push(
                Issue::new(
                    at.clone(),
                    field,
                    format!(
                        "indicator {}: breakdown by sex of a universe of one sex ({sex} only); \
                         remove the sex breakdown",
                        ind.id
                    ),
                )
                .with_kind(IssueKind::SexBreakdownOnSingleSexUniverse {
                    indicator: ind.id.clone(),
                    sex: sex.clone(),
                }),
            );
        }
        let (lo, hi) = (population.min_age, population.max_age);
        let ages = match (lo, hi) {
            (Some(a), Some(b)) => format!("ages {a}-{b}"),
            (Some(a), None) => format!("ages {a}+"),
            (None, Some(b)) => format!("ages up to {b}"),
            (None, None) => "all ages".to_string(),
        };
        let kind = |dimension: Dimension| IssueKind::DisabilityInstrumentOutsideItsAges {
            indicator: ind.id.clone(),
            dimension: dimension.as_str().to_string(),
            min_age: lo,
            max_age: hi,
        };
        if d.contains(&Dimension::Disability) && hi.is_some_and(|h| h < 18) {
            self.issues.push(
                Issue::new(
                    at.clone(),
                    field,
                    format!(
                        "indicator {}: disability breakdown (Washington Group Short Set, \
                         designed for adults aged 18+) of a universe of children ({ages}); \
                         use the UNICEF/Washington Group Child Functioning Module \
                         (dimension child_functioning, ages 2-4 and 5-17) where the survey \
                         has it, or no disability breakdown",
                        ind.id
                    ),
                )
                .with_kind(kind(Dimension::Disability)),
            );
        }
        if d.contains(&Dimension::ChildFunctioning)
            && (lo.is_none_or(|l| l < 2) || hi.is_none_or(|h| h > 17))
        {
            self.issues.push(
                Issue::new(
                    at.clone(),
                    field,
                    format!(
                        "indicator {}: child_functioning breakdown (UNICEF/Washington Group \
                         Child Functioning Module, ages 2-17) of a universe of {ages}; \
                         restrict the universe to ages 2-17",
                        ind.id
                    ),
                )
                .with_kind(kind(Dimension::ChildFunctioning)),
            );
        }
    }

    fn disaggregations(&mut self, c: &Catalogue, at: &Location, ind: &Indicator) {
        if ind.kind == IndicatorKind::Structural && !ind.disaggregations.is_empty() {
            self.push(
                at,
                "disaggregations",
                "a structural indicator comes from the country register and cannot be \
                 disaggregated; remove the disaggregations",
            );
        }
        let population = Population::of(ind);
        let mut seen: Vec<(BTreeSet<_>, usize)> = Vec::new();
        for (i, d) in ind.disaggregations.iter().enumerate() {
            let field = format!("disaggregations[{i}]");
            self.fits_universe(at, &field, ind, &population, d);
            if d.is_empty() {
                self.push(
                    at,
                    &field,
                    "empty disaggregation; the whole-population figure is always computed",
                );
                continue;
            }
            let set: BTreeSet<_> = d.iter().copied().collect();
            if set.len() < d.len() {
                let repeated: Vec<_> = d
                    .iter()
                    .filter(|x| d.iter().filter(|y| y == x).count() > 1)
                    .map(|x| x.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                self.push(
                    at,
                    &field,
                    format!("repeats dimension {}", repeated.join(", ")),
                );
            }
            if let Some((_, earlier)) = seen.iter().find(|(s, _)| *s == set) {
                self.push(
                    at,
                    &field,
                    format!("same dimensions as disaggregations[{earlier}]"),
                );
            } else {
                seen.push((set, i));
            }
            if !c.dimensions.is_empty() {
                for dimension in d.iter().collect::<BTreeSet<_>>() {
                    if !c.dimensions.contains_key(dimension) {
                        self.push(
                            at,
                            &field,
                            format!(
                                "dimension {} is not mapped to a survey column in [dimensions]",
                                dimension.as_str()
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn right_at(index: usize, id: &str) -> Location {
    Location::Right {
        index,
        id: Some(id.to_string()),
    }
}

fn attribute_at(index: usize, id: &str) -> Location {
    Location::Attribute {
        index,
        id: Some(id.to_string()),
    }
}

fn indicator_at(index: usize, id: &str) -> Location {
    Location::Indicator {
        index,
        id: Some(id.to_string()),
    }
}

fn known_rights(c: &Catalogue) -> String {
    format!("rights: {}", list(c.rights.iter().map(|r| r.id.as_str())))
}

fn list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<String> = ids.map(|id| format!("{id:?}")).collect();
    if ids.is_empty() {
        "none".to_string()
    } else {
        ids.join(", ")
    }
}

fn measure_name(m: &Measure) -> &'static str {
    match m {
        Measure::Proportion { .. } => "proportion",
        Measure::Mean { .. } => "mean",
        Measure::Ratio { .. } => "ratio",
        Measure::Total { .. } => "total",
        Measure::Quantile { .. } => "quantile",
        Measure::Rate { .. } => "rate",
        Measure::Structural { .. } => "structural",
    }
}
