//! Normalisations, aggregation and roll-up, with hand-computed expected values.

use approx::assert_relative_eq;
use hri::framework::{
    Aggregation, Attribute, Baseline, Benchmark, Direction, Goalposts, Indicator, IndicatorKind,
    Measure, Normalisation, ScoringSpec, Target, Unit,
};
use hri::score::{
    ANY_GROUP, Component, IndicatorScore, IndicatorValue, ScoreError, ScoreOutcome, aggregate,
    default_goalposts, distance_to_target, goalposts, parity, rollup, score_indicators,
    score_value,
};
use hri::structural::Register;

const HIGHER: Direction = Direction::HigherIsBetter;
const LOWER: Direction = Direction::LowerIsBetter;

fn gp(lower: f64, upper: f64) -> Goalposts {
    Goalposts { lower, upper }
}

fn survey(id: &str, right: &str, attribute: &str, direction: Direction) -> Indicator {
    Indicator {
        id: id.to_string(),
        name: id.to_string(),
        right: right.to_string(),
        attribute: attribute.to_string(),
        kind: IndicatorKind::Outcome,
        measure: Measure::Proportion {
            condition: "x = 1".to_string(),
            universe: None,
        },
        unit: Unit::Percent,
        direction,
        benchmark: None,
        goalposts: None,
        weight: None,
        disaggregations: vec![],
        references: vec![],
        source: String::new(),
        notes: None,
        sdg_series: None,
        comparability: None,
        series_breaks: Vec::new(),
        population: None,
    }
}

fn structural(id: &str, right: &str, attribute: &str, entry: &str) -> Indicator {
    let mut i = survey(id, right, attribute, HIGHER);
    i.kind = IndicatorKind::Structural;
    i.measure = Measure::Structural {
        entry: entry.to_string(),
    };
    i.unit = Unit::Status;
    i
}

fn attribute(id: &str, right: &str) -> Attribute {
    Attribute {
        id: id.to_string(),
        right: right.to_string(),
        name: id.to_string(),
        description: String::new(),
    }
}

fn spec(aggregation: Aggregation, min_available: f64) -> ScoringSpec {
    ScoringSpec {
        normalisation: Normalisation::Goalposts,
        aggregation,
        min_available,
        composite: None,
    }
}

fn s(indicator: &str, group: &str, score: Option<f64>) -> IndicatorScore {
    IndicatorScore {
        indicator: indicator.to_string(),
        group: group.to_string(),
        score,
        reason: None,
    }
}

fn v(indicator: &str, group: &str, estimate: Option<f64>) -> IndicatorValue {
    IndicatorValue {
        indicator: indicator.to_string(),
        group: group.to_string(),
        estimate,
        se: None,
    }
}

// ---------------------------------------------------------------- goalposts

#[test]
fn goalposts_higher_is_better() {
    let got = goalposts(0.62, gp(0.40, 0.95), HIGHER).unwrap();
    assert_relative_eq!(got, (0.62 - 0.40) / (0.95 - 0.40) * 100.0);
    assert_relative_eq!(got, 40.0, epsilon = 1e-9);
}

#[test]
fn goalposts_lower_is_better() {
    // unemployment 16.4 between 0 and 40: (40 − 16.4)/(40 − 0)·100 = 59
    let got = goalposts(16.4, gp(0.0, 40.0), LOWER).unwrap();
    assert_relative_eq!(got, (40.0 - 16.4) / (40.0 - 0.0) * 100.0);
    assert_relative_eq!(got, 59.0, epsilon = 1e-9);
}

#[test]
fn goalposts_beyond_the_goalposts_truncate() {
    // above the upper goalpost: (1.2 − 0)/(1 − 0)·100 = 120 → 100
    assert_eq!(goalposts(1.2, gp(0.0, 1.0), HIGHER).unwrap(), 100.0);
    // below the lower goalpost: (−0.1 − 0)/1·100 = −10 → 0
    assert_eq!(goalposts(-0.1, gp(0.0, 1.0), HIGHER).unwrap(), 0.0);
    // lower is better, above the upper goalpost: (40 − 45)/40·100 = −12.5 → 0
    assert_eq!(goalposts(45.0, gp(0.0, 40.0), LOWER).unwrap(), 0.0);
    // lower is better, below the lower goalpost: (40 − (−2))/40·100 = 105 → 100
    assert_eq!(goalposts(-2.0, gp(0.0, 40.0), LOWER).unwrap(), 100.0);
}

#[test]
fn goalposts_target_band() {
    let dir = Direction::Target {
        value: 1.0,
        tolerance: 0.05,
    };
    let g = gp(0.5, 1.5);
    // within 1 ± 0.05 → 100
    assert_eq!(goalposts(1.03, g, dir).unwrap(), 100.0);
    assert_eq!(goalposts(0.95, g, dir).unwrap(), 100.0);
    // below the band: (0.8 − 0.5)/(0.95 − 0.5)·100 = 66.67
    assert_relative_eq!(
        goalposts(0.8, g, dir).unwrap(),
        (0.8 - 0.5) / (0.95 - 0.5) * 100.0,
        epsilon = 1e-9
    );
    // above the band: (1.5 − 1.3)/(1.5 − 1.05)·100 = 44.44
    assert_relative_eq!(
        goalposts(1.3, g, dir).unwrap(),
        (1.5 - 1.3) / (1.5 - 1.05) * 100.0,
        epsilon = 1e-9
    );
    // beyond the goalposts → 0
    assert_eq!(goalposts(2.0, g, dir).unwrap(), 0.0);
    assert_eq!(goalposts(0.2, g, dir).unwrap(), 0.0);
}

#[test]
fn goalposts_errors() {
    assert!(matches!(
        goalposts(0.5, gp(1.0, 0.0), HIGHER),
        Err(ScoreError::InvalidGoalposts { .. })
    ));
    assert!(matches!(
        goalposts(0.5, gp(1.0, 1.0), HIGHER),
        Err(ScoreError::InvalidGoalposts { .. })
    ));
    assert!(matches!(
        goalposts(f64::NAN, gp(0.0, 1.0), HIGHER),
        Err(ScoreError::NonFinite { .. })
    ));
}

#[test]
fn default_goalposts_by_unit() {
    assert_eq!(default_goalposts(&Unit::Percent), Some(gp(0.0, 100.0)));
    assert_eq!(default_goalposts(&Unit::Proportion), Some(gp(0.0, 1.0)));
    assert_eq!(default_goalposts(&Unit::Hours), None);
}

// ---------------------------------------------------------------- distance to target

#[test]
fn distance_to_target_higher_is_better() {
    // baseline 60, target 90, value 72: (72 − 60)/(90 − 60)·100 = 40
    let got = distance_to_target(72.0, 60.0, 90.0, HIGHER).unwrap();
    assert_relative_eq!(got, (72.0 - 60.0) / (90.0 - 60.0) * 100.0, epsilon = 1e-9);
    assert_relative_eq!(got, 40.0, epsilon = 1e-9);
    // beyond the target → 100; below the baseline → 0
    assert_eq!(distance_to_target(95.0, 60.0, 90.0, HIGHER).unwrap(), 100.0);
    assert_eq!(distance_to_target(55.0, 60.0, 90.0, HIGHER).unwrap(), 0.0);
}

#[test]
fn distance_to_target_lower_is_better() {
    // baseline 20, target 10, value 16: (1 − (16 − 10)/(20 − 10))·100 = 40
    let got = distance_to_target(16.0, 20.0, 10.0, LOWER).unwrap();
    assert_relative_eq!(
        got,
        (1.0 - (16.0 - 10.0) / (20.0 - 10.0)) * 100.0,
        epsilon = 1e-9
    );
    assert_relative_eq!(got, 40.0, epsilon = 1e-9);
    // worse than the baseline → 0
    assert_eq!(distance_to_target(25.0, 20.0, 10.0, LOWER).unwrap(), 0.0);
}

#[test]
fn distance_to_target_baseline_already_met() {
    // baseline 95 already beyond target 90: 100 if the value meets the target, else 0
    assert_eq!(distance_to_target(92.0, 95.0, 90.0, HIGHER).unwrap(), 100.0);
    assert_eq!(distance_to_target(85.0, 95.0, 90.0, HIGHER).unwrap(), 0.0);
}

#[test]
fn score_value_distance_to_target_uses_baseline_or_worst_goalpost() {
    let mut ind = survey("insured", "health", "access", HIGHER);
    ind.benchmark = Some(Benchmark {
        target: Target::Value(90.0),
        year: 2030,
        baseline: Some(Baseline {
            value: 60.0,
            year: 2015,
        }),
        source: String::new(),
        rate: Default::default(),
    });
    // (72 − 60)/(90 − 60)·100 = 40
    let got = score_value(&ind, Normalisation::DistanceToTarget, 72.0, None)
        .unwrap()
        .score()
        .unwrap();
    assert_relative_eq!(got, 40.0, epsilon = 1e-9);
    // no baseline: start from the lower goalpost of a percent, 0: (72 − 0)/(90 − 0)·100 = 80
    ind.benchmark.as_mut().unwrap().baseline = None;
    let got = score_value(&ind, Normalisation::DistanceToTarget, 72.0, None)
        .unwrap()
        .score()
        .unwrap();
    assert_relative_eq!(got, (72.0 - 0.0) / (90.0 - 0.0) * 100.0, epsilon = 1e-9);
    // no benchmark: not scored, with a reason
    ind.benchmark = None;
    assert_eq!(
        score_value(&ind, Normalisation::DistanceToTarget, 72.0, None).unwrap(),
        ScoreOutcome::NotScored("no benchmark".to_string())
    );
}

// ---------------------------------------------------------------- parity

#[test]
fn parity_higher_is_better() {
    // migrants 0.60 insured, non-migrants 0.75: 0.60/0.75·100 = 80
    assert_relative_eq!(parity(0.60, 0.75, HIGHER).unwrap(), 0.60 / 0.75 * 100.0);
    assert_relative_eq!(parity(0.60, 0.75, HIGHER).unwrap(), 80.0, epsilon = 1e-9);
    // group better than reference: 0.80/0.75 > 1 → 100
    assert_eq!(parity(0.80, 0.75, HIGHER).unwrap(), 100.0);
    // zero reference → 100
    assert_eq!(parity(0.3, 0.0, HIGHER).unwrap(), 100.0);
}

#[test]
fn parity_lower_is_better() {
    // migrant unemployment 20, reference 15: inverted ratio 15/20·100 = 75
    assert_relative_eq!(parity(20.0, 15.0, LOWER).unwrap(), 15.0 / 20.0 * 100.0);
    // group lower than reference → 100
    assert_eq!(parity(10.0, 15.0, LOWER).unwrap(), 100.0);
    assert_eq!(parity(0.0, 15.0, LOWER).unwrap(), 100.0);
    // reference 0, group 5 → 0/5 = 0
    assert_eq!(parity(5.0, 0.0, LOWER).unwrap(), 0.0);
}

#[test]
fn parity_target_and_errors() {
    let dir = Direction::Target {
        value: 1.0,
        tolerance: 0.0,
    };
    // min(1.25/1, 1/1.25)·100 = 80
    assert_relative_eq!(parity(1.25, 1.0, dir).unwrap(), 80.0, epsilon = 1e-9);
    assert!(matches!(
        parity(-1.0, 1.0, HIGHER),
        Err(ScoreError::NegativeForParity { field: "value", .. })
    ));
}

// ---------------------------------------------------------------- score_value / score_indicators

#[test]
fn score_value_default_goalposts_and_missing_goalposts() {
    let ind = survey("insured", "health", "access", HIGHER);
    // percent, default goalposts 0–100: (62 − 0)/(100 − 0)·100 = 62
    assert_relative_eq!(
        score_value(&ind, Normalisation::Goalposts, 62.0, None)
            .unwrap()
            .score()
            .unwrap(),
        62.0
    );
    let mut hours = survey("hours", "work", "conditions", LOWER);
    hours.unit = Unit::Hours;
    assert!(matches!(
        score_value(&hours, Normalisation::Goalposts, 45.0, None).unwrap(),
        ScoreOutcome::NotScored(_)
    ));
    let st = structural("icrmw", "work", "access", "icrmw");
    assert!(matches!(
        score_value(&st, Normalisation::Goalposts, 1.0, None),
        Err(ScoreError::Indicator { indicator, .. }) if indicator == "icrmw"
    ));
}

const REGISTER: &str = r#"
country = "XYZ"
[[instrument]]
id = "icrmw"
name = "ICRMW"
kind = "un_treaty"
status = "signed"
source = "test"
"#;

#[test]
fn score_indicators_parity_structural_and_missing() {
    let indicators = vec![
        survey("insured", "health", "access", HIGHER),
        structural("icrmw_status", "work", "work_access", "icrmw"),
        structural("c189_status", "work", "work_access", "ilo_c189"),
    ];
    let values = vec![
        v("insured", "non_migrant", Some(75.0)),
        v("insured", "migrant", Some(60.0)),
        v("insured", "migrant/female", Some(45.0)),
        v("insured", "migrant/male", None),
    ];
    let register = Register::from_toml_str(REGISTER).unwrap();
    let mut sp = spec(Aggregation::Arithmetic, 0.5);
    sp.normalisation = Normalisation::Parity;
    let reference_of = |g: &str| -> Option<String> {
        match g {
            "migrant" | "non_migrant" => Some("non_migrant".to_string()),
            "migrant/female" => Some("non_migrant/female".to_string()),
            _ => None,
        }
    };
    let scores =
        score_indicators(&indicators, &values, Some(&register), &sp, reference_of).unwrap();
    let get = |i: &str, g: &str| {
        scores
            .iter()
            .find(|s| s.indicator == i && s.group == g)
            .unwrap()
    };
    // reference scores 100 against itself
    assert_eq!(get("insured", "non_migrant").score, Some(100.0));
    // 60/75·100 = 80
    assert_relative_eq!(
        get("insured", "migrant").score.unwrap(),
        80.0,
        epsilon = 1e-9
    );
    // no estimate for the reference group non_migrant/female
    let f = get("insured", "migrant/female");
    assert_eq!(f.score, None);
    assert!(f.reason.as_deref().unwrap().contains("non_migrant/female"));
    // no estimate
    assert_eq!(
        get("insured", "migrant/male").reason.as_deref(),
        Some("no estimate")
    );
    // structural: signed → 50, for every group
    assert_eq!(get("icrmw_status", ANY_GROUP).score, Some(50.0));
    // missing entry → missing, not 0
    let c189 = get("c189_status", ANY_GROUP);
    assert_eq!(c189.score, None);
    assert!(c189.reason.as_deref().unwrap().contains("ilo_c189"));

    // no register at all → structural scores missing with a reason
    let scores = score_indicators(&indicators, &values, None, &sp, reference_of).unwrap();
    let st = scores
        .iter()
        .find(|s| s.indicator == "icrmw_status")
        .unwrap();
    assert_eq!(st.score, None);
    assert!(st.reason.is_some());
}

#[test]
fn score_indicators_input_errors() {
    let indicators = vec![
        survey("insured", "health", "access", HIGHER),
        structural("icrmw_status", "work", "work_access", "icrmw"),
    ];
    let sp = spec(Aggregation::Arithmetic, 0.5);
    let none = |_: &str| None;
    assert!(matches!(
        score_indicators(
            &indicators,
            &[v("nope", "total", Some(1.0))],
            None,
            &sp,
            none
        ),
        Err(ScoreError::UnknownIndicator { .. })
    ));
    assert!(matches!(
        score_indicators(
            &indicators,
            &[
                v("insured", "total", Some(1.0)),
                v("insured", "total", Some(2.0))
            ],
            None,
            &sp,
            none
        ),
        Err(ScoreError::Duplicate { .. })
    ));
    assert!(matches!(
        score_indicators(
            &indicators,
            &[v("icrmw_status", "total", Some(1.0))],
            None,
            &sp,
            none
        ),
        Err(ScoreError::StructuralValueGiven { .. })
    ));
}

#[test]
fn value_to_round() {
    let mut x = v("insured", "migrant", Some(61.5));
    x.se = Some(1.5);
    let r = x.to_round(2020.0).unwrap();
    assert_eq!((r.year, r.value, r.se), (2020.0, 61.5, Some(1.5)));
    assert_eq!(v("insured", "migrant", None).to_round(2020.0), None);
}

// ---------------------------------------------------------------- aggregation

#[test]
fn arithmetic_weighted_mean() {
    // (40·1 + 80·3)/(1 + 3) = 70
    let a = aggregate(
        &[
            Component::new("a", Some(40.0), 1.0),
            Component::new("b", Some(80.0), 3.0),
        ],
        Aggregation::Arithmetic,
        0.5,
    )
    .unwrap();
    assert_relative_eq!(a.score.unwrap(), (40.0 * 1.0 + 80.0 * 3.0) / 4.0);
    assert_eq!((a.available, a.expected), (2, 2));
    assert_eq!(a.reason, None);
}

#[test]
fn geometric_weighted_mean() {
    // √(25·100) = 50
    let a = aggregate(
        &[
            Component::new("a", Some(25.0), 1.0),
            Component::new("b", Some(100.0), 1.0),
        ],
        Aggregation::Geometric,
        0.5,
    )
    .unwrap();
    assert_relative_eq!(a.score.unwrap(), 50.0, epsilon = 1e-9);
    // exp((1·ln 25 + 3·ln 100)/4) = 25^0.25 · 100^0.75 = 70.71
    let a = aggregate(
        &[
            Component::new("a", Some(25.0), 1.0),
            Component::new("b", Some(100.0), 3.0),
        ],
        Aggregation::Geometric,
        0.5,
    )
    .unwrap();
    assert_relative_eq!(
        a.score.unwrap(),
        25f64.powf(0.25) * 100f64.powf(0.75),
        epsilon = 1e-9
    );
}

#[test]
fn geometric_mean_with_a_zero_is_zero() {
    // 0 · anything: exp(ln 0 …) → 0, no floor
    let a = aggregate(
        &[
            Component::new("a", Some(0.0), 1.0),
            Component::new("b", Some(100.0), 1.0),
            Component::new("c", Some(80.0), 1.0),
        ],
        Aggregation::Geometric,
        0.5,
    )
    .unwrap();
    assert_eq!(a.score, Some(0.0));
    // the arithmetic mean is not affected the same way: (0 + 100 + 80)/3 = 60
    let a = aggregate(
        &[
            Component::new("a", Some(0.0), 1.0),
            Component::new("b", Some(100.0), 1.0),
            Component::new("c", Some(80.0), 1.0),
        ],
        Aggregation::Arithmetic,
        0.5,
    )
    .unwrap();
    assert_relative_eq!(a.score.unwrap(), 60.0);
}

#[test]
fn availability_threshold() {
    let comps = |b: Option<f64>, c: Option<f64>| {
        vec![
            Component::new("a", Some(40.0), 1.0),
            Component::new("b", b, 1.0),
            Component::new("c", c, 1.0),
        ]
    };
    // 1 of 3 available: share 0.333 < 0.5 → not computed
    let a = aggregate(&comps(None, None), Aggregation::Arithmetic, 0.5).unwrap();
    assert_eq!(a.score, None);
    assert_eq!((a.available, a.expected), (1, 3));
    let reason = a.reason.unwrap();
    assert!(reason.contains("only 1 of 3"), "{reason}");
    assert!(reason.contains("b, c"), "{reason}");
    // 2 of 3 available: share 0.667 ≥ 0.5 → mean of the available, (40 + 80)/2 = 60
    let a = aggregate(&comps(Some(80.0), None), Aggregation::Arithmetic, 0.5).unwrap();
    assert_relative_eq!(a.score.unwrap(), (40.0 + 80.0) / 2.0);
    assert_eq!((a.available, a.expected), (2, 3));
    assert!(a.reason.unwrap().contains("missing: c"));
    // exactly at the threshold: 1 of 2 = 0.5 ≥ 0.5 → computed
    let a = aggregate(
        &[
            Component::new("a", Some(40.0), 1.0),
            Component::new("b", None, 1.0),
        ],
        Aggregation::Arithmetic,
        0.5,
    )
    .unwrap();
    assert_eq!(a.score, Some(40.0));
    // nothing available, even with min_available 0 → not computed
    let a = aggregate(
        &[Component::new("a", None, 1.0)],
        Aggregation::Arithmetic,
        0.0,
    )
    .unwrap();
    assert_eq!(a.score, None);
    // nothing expected
    let a = aggregate(&[], Aggregation::Arithmetic, 0.5).unwrap();
    assert_eq!((a.score, a.expected), (None, 0));
}

#[test]
fn zero_weight_is_left_out() {
    // b has weight 0: neither expected nor used; (40·1)/1 = 40
    let a = aggregate(
        &[
            Component::new("a", Some(40.0), 1.0),
            Component::new("b", None, 0.0),
        ],
        Aggregation::Arithmetic,
        1.0,
    )
    .unwrap();
    assert_eq!(a.score, Some(40.0));
    assert_eq!((a.available, a.expected), (1, 1));
}

#[test]
fn aggregation_errors() {
    assert!(matches!(
        aggregate(
            &[Component::new("a", Some(1.0), 1.0)],
            Aggregation::Arithmetic,
            1.5
        ),
        Err(ScoreError::InvalidMinAvailable { .. })
    ));
    assert!(matches!(
        aggregate(
            &[Component::new("a", Some(1.0), -1.0)],
            Aggregation::Arithmetic,
            0.5
        ),
        Err(ScoreError::Indicator { .. })
    ));
    assert!(matches!(
        aggregate(
            &[Component::new("a", Some(101.0), 1.0)],
            Aggregation::Arithmetic,
            0.5
        ),
        Err(ScoreError::InvalidScore { .. })
    ));
}

// ---------------------------------------------------------------- roll-up

fn catalogue() -> (Vec<Indicator>, Vec<Attribute>) {
    let mut h2 = survey("h2", "health", "ha", HIGHER);
    h2.weight = Some(2.0);
    let indicators = vec![
        survey("h1", "health", "ha", HIGHER),
        h2,
        structural("h3", "health", "hb", "cescr"),
        survey("e1", "education", "ea", HIGHER),
    ];
    let attributes = vec![
        attribute("ha", "health"),
        attribute("hb", "health"),
        attribute("ea", "education"),
        attribute("ec", "education"), // no indicators
    ];
    (indicators, attributes)
}

fn catalogue_scores() -> Vec<IndicatorScore> {
    vec![
        s("h1", "total", Some(40.0)),
        s("h2", "total", Some(70.0)),
        s("e1", "total", Some(90.0)),
        s("h1", "migrant", Some(20.0)),
        s("h2", "migrant", None),
        s("e1", "migrant", Some(50.0)),
        s("h3", ANY_GROUP, Some(100.0)),
    ]
}

#[test]
fn rollup_arithmetic_every_group() {
    let (indicators, attributes) = catalogue();
    let r = rollup(
        &indicators,
        &attributes,
        &catalogue_scores(),
        &spec(Aggregation::Arithmetic, 0.5),
    )
    .unwrap();
    // total: ha = (40·1 + 70·2)/3 = 60; hb = 100 (structural, any group)
    assert_relative_eq!(
        r.attribute("ha", "total").unwrap().score.unwrap(),
        (40.0 + 140.0) / 3.0
    );
    assert_eq!(r.attribute("hb", "total").unwrap().score, Some(100.0));
    // health = (60 + 100)/2 = 80
    assert_relative_eq!(r.right("health", "total").unwrap().score.unwrap(), 80.0);
    // education: ea = 90; ec has no indicators and is not expected → 90
    let ec = r.attribute("ec", "total").unwrap();
    assert_eq!((ec.score, ec.expected), (None, 0));
    assert!(ec.reason.is_some());
    let edu = r.right("education", "total").unwrap();
    assert_eq!((edu.score, edu.available, edu.expected), (Some(90.0), 1, 1));
    // overall = (80 + 90)/2 = 85
    assert_relative_eq!(r.overall("total").unwrap().score.unwrap(), 85.0);

    // migrant: ha from h1 only (1 of 2 = 0.5 ≥ 0.5) = 20; health = (20 + 100)/2 = 60
    let ha = r.attribute("ha", "migrant").unwrap();
    assert_eq!((ha.score, ha.available, ha.expected), (Some(20.0), 1, 2));
    assert!(ha.reason.as_deref().unwrap().contains("h2"));
    assert_relative_eq!(r.right("health", "migrant").unwrap().score.unwrap(), 60.0);
    // overall migrant = (60 + 50)/2 = 55
    assert_relative_eq!(r.overall("migrant").unwrap().score.unwrap(), 55.0);
    // groups in order of first appearance; the structural score did not create a group
    let groups: Vec<&str> = r.overall.iter().map(|o| o.group.as_str()).collect();
    assert_eq!(groups, ["total", "migrant"]);
}

#[test]
fn rollup_below_threshold_propagates_missing() {
    let (indicators, attributes) = catalogue();
    let r = rollup(
        &indicators,
        &attributes,
        &catalogue_scores(),
        &spec(Aggregation::Arithmetic, 0.75),
    )
    .unwrap();
    // migrant ha: 1 of 2 = 0.5 < 0.75 → None
    assert_eq!(r.attribute("ha", "migrant").unwrap().score, None);
    // health migrant: ha missing, hb 100 → 1 of 2 < 0.75 → None
    let h = r.right("health", "migrant").unwrap();
    assert_eq!((h.score, h.available, h.expected), (None, 1, 2));
    // overall migrant: health missing, education 50 → 1 of 2 < 0.75 → None
    assert_eq!(r.overall("migrant").unwrap().score, None);
    // total is complete and unaffected: 85
    assert_relative_eq!(r.overall("total").unwrap().score.unwrap(), 85.0);
}

#[test]
fn rollup_geometric_with_a_zero() {
    let (indicators, attributes) = catalogue();
    let mut scores = catalogue_scores();
    scores[0] = s("h1", "total", Some(0.0));
    let r = rollup(
        &indicators,
        &attributes,
        &scores,
        &spec(Aggregation::Geometric, 0.5),
    )
    .unwrap();
    // ha total = 0 (a zero), health = √(0·100) = 0, overall = √(0·90) = 0
    assert_eq!(r.attribute("ha", "total").unwrap().score, Some(0.0));
    assert_eq!(r.right("health", "total").unwrap().score, Some(0.0));
    assert_eq!(r.overall("total").unwrap().score, Some(0.0));
    // migrant: ha = 20 (h1 only), hb = 100: health = √(20·100) = 44.72
    assert_relative_eq!(
        r.right("health", "migrant").unwrap().score.unwrap(),
        (20.0f64 * 100.0).sqrt(),
        epsilon = 1e-9
    );
}

#[test]
fn rollup_missing_structural_entry_counts_as_missing() {
    let (indicators, attributes) = catalogue();
    let mut scores = catalogue_scores();
    scores[6] = s("h3", ANY_GROUP, None);
    let r = rollup(
        &indicators,
        &attributes,
        &scores,
        &spec(Aggregation::Arithmetic, 0.5),
    )
    .unwrap();
    let hb = r.attribute("hb", "total").unwrap();
    assert_eq!((hb.score, hb.available, hb.expected), (None, 0, 1));
    // health total from ha alone: 1 of 2 = 0.5 → 60 (not pulled down by a 0)
    assert_relative_eq!(r.right("health", "total").unwrap().score.unwrap(), 60.0);
}

#[test]
fn rollup_input_errors() {
    let (mut indicators, attributes) = catalogue();
    let sp = spec(Aggregation::Arithmetic, 0.5);
    assert!(matches!(
        rollup(
            &indicators,
            &attributes,
            &[s("zz", "total", Some(1.0))],
            &sp
        ),
        Err(ScoreError::UnknownIndicator { .. })
    ));
    assert!(matches!(
        rollup(
            &indicators,
            &attributes,
            &[s("h1", "total", Some(1.0)), s("h1", "total", Some(2.0))],
            &sp
        ),
        Err(ScoreError::Duplicate { .. })
    ));
    assert!(matches!(
        rollup(
            &indicators,
            &attributes,
            &[s("h1", "total", Some(150.0))],
            &sp
        ),
        Err(ScoreError::OutOfRange { .. })
    ));
    indicators[0].attribute = "nope".to_string();
    assert!(matches!(
        rollup(&indicators, &attributes, &[], &sp),
        Err(ScoreError::UnknownAttribute { .. })
    ));
    let (mut indicators, _) = catalogue();
    indicators[0].right = "education".to_string();
    assert!(matches!(
        rollup(&indicators, &attributes, &[], &sp),
        Err(ScoreError::RightMismatch { .. })
    ));
}

#[test]
fn rollup_of_the_builtin_catalogue() {
    use hri::catalogue::Catalogue;
    let catalogue = Catalogue::migrants_rights();
    let register = Register::from_path(format!(
        "{}/examples/registers/mexico.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // every survey indicator scored 50 for "total"; structural ones from the register
    let mut scores: Vec<IndicatorScore> = catalogue
        .indicators
        .iter()
        .filter(|i| i.measure.is_survey())
        .map(|i| s(&i.id, "total", Some(50.0)))
        .collect();
    scores.extend(
        score_indicators(
            &catalogue.indicators,
            &[],
            Some(&register),
            &catalogue.scoring,
            |_| None,
        )
        .unwrap(),
    );
    let r = rollup(
        &catalogue.indicators,
        &catalogue.attributes,
        &scores,
        &catalogue.scoring,
    )
    .unwrap();
    assert_eq!(r.overall.len(), 1);
    let overall = r.overall("total").unwrap();
    assert!(overall.score.is_some(), "{overall:?}");
    assert_eq!(overall.available, overall.expected);
    for right in &catalogue.rights {
        let rs = r.right(&right.id, "total").unwrap();
        assert!(rs.score.is_some(), "{rs:?}");
    }
}
