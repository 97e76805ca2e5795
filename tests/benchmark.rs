//! Benchmarks: distance to target, progress between two rounds, status targets.

use approx::assert_relative_eq;
use hri::benchmark::{
    BenchmarkError, Round, TrackStatus, assess, assess_status, distance, progress,
};
use hri::framework::{
    Baseline, Benchmark, Direction, Indicator, IndicatorKind, Measure, Target, Unit,
};
use hri::structural::{RatificationStatus, Status, StructuralStatus};

const HIGHER: Direction = Direction::HigherIsBetter;
const LOWER: Direction = Direction::LowerIsBetter;

fn indicator(id: &str, direction: Direction, benchmark: Option<Benchmark>) -> Indicator {
    Indicator {
        id: id.to_string(),
        name: id.to_string(),
        right: "health".to_string(),
        attribute: "access".to_string(),
        kind: IndicatorKind::Process,
        measure: Measure::Proportion {
            condition: "insured = 1".to_string(),
            universe: None,
        },
        unit: Unit::Percent,
        direction,
        benchmark,
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

fn bench(target: f64, year: i32, baseline: Option<(f64, i32)>) -> Benchmark {
    Benchmark {
        target: Target::Value(target),
        year,
        baseline: baseline.map(|(value, year)| Baseline { value, year }),
        source: "national plan".to_string(),
        rate: Default::default(),
    }
}

#[test]
fn distance_higher_is_better() {
    // d = t − x = 90 − 72
    let d = distance(72.0, 90.0, HIGHER).unwrap();
    assert_relative_eq!(d.distance, 90.0 - 72.0);
    assert!(!d.met);
    // beyond the target: d = 90 − 95 = −5, met
    let d = distance(95.0, 90.0, HIGHER).unwrap();
    assert_relative_eq!(d.distance, -5.0);
    assert!(d.met);
    // exactly on target is met
    assert!(distance(90.0, 90.0, HIGHER).unwrap().met);
}

#[test]
fn distance_lower_is_better() {
    // d = x − t = 16.4 − 10
    let d = distance(16.4, 10.0, LOWER).unwrap();
    assert_relative_eq!(d.distance, 16.4 - 10.0);
    assert!(!d.met);
    // d = 8 − 10 = −2, met
    let d = distance(8.0, 10.0, LOWER).unwrap();
    assert_relative_eq!(d.distance, -2.0);
    assert!(d.met);
}

#[test]
fn distance_target_band() {
    let dir = Direction::Target {
        value: 1.0,
        tolerance: 0.05,
    };
    // d = |1.03 − 1| − 0.05 = −0.02, met
    let d = distance(1.03, 1.0, dir).unwrap();
    assert_relative_eq!(d.distance, (1.03f64 - 1.0).abs() - 0.05);
    assert!(d.met);
    // d = |0.8 − 1| − 0.05 = 0.15
    let d = distance(0.8, 1.0, dir).unwrap();
    assert_relative_eq!(d.distance, 0.15, epsilon = 1e-12);
    assert!(!d.met);
}

#[test]
fn distance_rejects_non_finite() {
    assert!(matches!(
        distance(f64::NAN, 1.0, HIGHER),
        Err(BenchmarkError::NonFinite { field: "value", .. })
    ));
    assert!(matches!(
        distance(
            1.0,
            1.0,
            Direction::Target {
                value: 1.0,
                tolerance: -0.1
            }
        ),
        Err(BenchmarkError::InvalidTolerance { .. })
    ));
}

#[test]
fn on_track_when_progress_matches_requirement() {
    // d1 = 90 − 60 = 30, d2 = 90 − 70 = 20; p = (30 − 20)/(2020 − 2015) = 2
    // r = 20/(2030 − 2020) = 2; p ≥ r → on track
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 70.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_relative_eq!(p.annual_progress, 2.0);
    assert_relative_eq!(p.required_annual_progress.unwrap(), 2.0);
    assert_relative_eq!(p.annual_change, (70.0 - 60.0) / 5.0);
    assert_relative_eq!(p.years_left, 10.0);
    assert_eq!(p.status, TrackStatus::OnTrack);
    assert_eq!(p.change_se, None);
    assert_eq!(p.change_significant, None);
}

#[test]
fn off_track_when_progress_too_slow() {
    // p = (30 − 25)/5 = 1; r = 25/10 = 2.5 → off track
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 65.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_relative_eq!(p.annual_progress, 1.0);
    assert_relative_eq!(p.required_annual_progress.unwrap(), 2.5);
    assert_eq!(p.status, TrackStatus::OffTrack);
}

#[test]
fn stagnation_is_off_track() {
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 60.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.annual_progress, 0.0);
    assert_eq!(p.status, TrackStatus::OffTrack);
}

#[test]
fn moving_away() {
    // p = (30 − 35)/5 = −1 < 0 → moving away
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 55.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_relative_eq!(p.annual_progress, -1.0);
    assert_eq!(p.status, TrackStatus::MovingAway);
}

#[test]
fn met_at_second_round() {
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 92.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.status, TrackStatus::Met);
    assert_eq!(p.required_annual_progress, None);
    assert!(p.distance.met);
}

#[test]
fn lower_is_better_progress() {
    // unemployment 20 → 16 (2015 → 2020), target 10 by 2030
    // d1 = 20 − 10 = 10, d2 = 16 − 10 = 6; p = (10 − 6)/5 = 0.8; r = 6/10 = 0.6 → on track
    let p = progress(
        Round::new(2015.0, 20.0, None),
        Round::new(2020.0, 16.0, None),
        10.0,
        2030,
        LOWER,
    )
    .unwrap();
    assert_relative_eq!(p.annual_progress, 0.8);
    assert_relative_eq!(p.annual_change, -0.8);
    assert_relative_eq!(p.required_annual_progress.unwrap(), 0.6);
    assert_eq!(p.status, TrackStatus::OnTrack);
    // unemployment rising 16 → 18: p = (6 − 8)/5 = −0.4 → moving away
    let p = progress(
        Round::new(2015.0, 16.0, None),
        Round::new(2020.0, 18.0, None),
        10.0,
        2030,
        LOWER,
    )
    .unwrap();
    assert_relative_eq!(p.annual_progress, -0.4);
    assert_eq!(p.status, TrackStatus::MovingAway);
}

#[test]
fn target_year_passed_is_off_track() {
    let p = progress(
        Round::new(2015.0, 60.0, None),
        Round::new(2020.0, 70.0, None),
        90.0,
        2019,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.required_annual_progress, None);
    assert_relative_eq!(p.years_left, -1.0);
    assert_eq!(p.status, TrackStatus::OffTrack);
}

#[test]
fn se_of_the_change() {
    // se(Δ) = √(1.2² + 1.6²) = 2; Δ = 70 − 60 = 10; z = 10/2 = 5 → significant
    // annual se = 2/(2020 − 2015) = 0.4
    let p = progress(
        Round::new(2015.0, 60.0, Some(1.2)),
        Round::new(2020.0, 70.0, Some(1.6)),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_relative_eq!(p.change, 10.0);
    assert_relative_eq!(p.change_se.unwrap(), (1.2f64 * 1.2 + 1.6 * 1.6).sqrt());
    assert_relative_eq!(p.change_se.unwrap(), 2.0, epsilon = 1e-12);
    assert_relative_eq!(p.annual_change_se.unwrap(), 0.4, epsilon = 1e-12);
    assert_relative_eq!(p.change_z.unwrap(), 5.0, epsilon = 1e-12);
    assert_eq!(p.change_significant, Some(true));

    // Δ = 61 − 60 = 1, se 2 → z = 0.5, not significant
    let p = progress(
        Round::new(2015.0, 60.0, Some(1.2)),
        Round::new(2020.0, 61.0, Some(1.6)),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.change_significant, Some(false));

    // one se missing → no se of the change
    let p = progress(
        Round::new(2015.0, 60.0, Some(1.2)),
        Round::new(2020.0, 70.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.change_se, None);
    assert_eq!(p.annual_change_se, None);
}

#[test]
fn progress_input_errors() {
    assert!(matches!(
        progress(
            Round::new(2020.0, 60.0, None),
            Round::new(2015.0, 70.0, None),
            90.0,
            2030,
            HIGHER
        ),
        Err(BenchmarkError::RoundsOutOfOrder { .. })
    ));
    assert!(matches!(
        progress(
            Round::new(2015.0, 60.0, Some(-1.0)),
            Round::new(2020.0, 70.0, None),
            90.0,
            2030,
            HIGHER
        ),
        Err(BenchmarkError::InvalidSe { .. })
    ));
}

#[test]
fn assess_indicator_with_baseline() {
    // coverage target 90 by 2030 from baseline 60 in 2015; latest 72 in 2020
    let ind = indicator(
        "insured",
        HIGHER,
        Some(bench(90.0, 2030, Some((60.0, 2015)))),
    );
    let baseline = ind.benchmark.as_ref().unwrap().baseline.clone().unwrap();
    let a = assess(
        &ind,
        Round::new(2020.0, 72.0, None),
        Some(Round::from(baseline)),
    )
    .unwrap()
    .unwrap();
    assert_eq!(a.indicator, "insured");
    assert_relative_eq!(a.distance.distance, 90.0 - 72.0);
    let p = a.progress.unwrap();
    // p = (30 − 18)/5 = 2.4; r = 18/10 = 1.8 → on track
    assert_relative_eq!(p.annual_progress, 2.4, epsilon = 1e-12);
    assert_relative_eq!(p.required_annual_progress.unwrap(), 1.8, epsilon = 1e-12);
    assert_eq!(p.status, TrackStatus::OnTrack);
}

#[test]
fn assess_without_benchmark_is_none() {
    let ind = indicator("insured", HIGHER, None);
    assert_eq!(
        assess(&ind, Round::new(2020.0, 72.0, None), None).unwrap(),
        None
    );
}

#[test]
fn assess_status_target_on_numeric_is_an_error() {
    let mut b = bench(90.0, 2030, None);
    b.target = Target::Status("ratified".to_string());
    let ind = indicator("insured", HIGHER, Some(b));
    let err = assess(&ind, Round::new(2020.0, 72.0, None), None).unwrap_err();
    assert!(
        matches!(&err, BenchmarkError::Indicator { indicator, source }
            if indicator == "insured" && **source == BenchmarkError::NotNumeric),
        "{err}"
    );
}

#[test]
fn status_benchmarks() {
    let mut ind = indicator("icrmw_ratified", HIGHER, None);
    ind.kind = IndicatorKind::Structural;
    ind.unit = Unit::Status;
    ind.measure = Measure::Structural {
        entry: "icrmw".to_string(),
    };
    ind.benchmark = Some(Benchmark {
        target: Target::Status("ratified".to_string()),
        year: 2030,
        baseline: None,
        source: "OHCHR".to_string(),
        rate: Default::default(),
    });
    let signed = StructuralStatus::Known(Status::Ratification(RatificationStatus::Signed));
    let ratified = StructuralStatus::Known(Status::Ratification(RatificationStatus::Ratified));
    assert_eq!(
        assess_status(&ind, signed).unwrap().unwrap().met,
        Some(false)
    );
    assert_eq!(
        assess_status(&ind, ratified).unwrap().unwrap().met,
        Some(true)
    );
    // a missing entry is not "not met"
    let missing = assess_status(&ind, StructuralStatus::Missing)
        .unwrap()
        .unwrap();
    assert_eq!(missing.met, None);
    // a policy status against a treaty target
    let complete = StructuralStatus::Known("complete".parse().unwrap());
    assert!(matches!(
        assess_status(&ind, complete),
        Err(BenchmarkError::Indicator { .. })
    ));
}

/// A change inside its interval is `no_significant_change`, never `moving_away`; the
/// quantile is Student's t with the given df.
#[test]
fn progress_judges_the_change_with_its_uncertainty() {
    use hri::benchmark::{ProgressOptions, progress_with};
    // 72 → 71 (se 1.5 each): a fall of 1 point, z = −0.47; before, "moving away".
    let first = Round::new(2015.0, 72.0, Some(1.5));
    let second = Round::new(2020.0, 71.0, Some(1.5));
    let p = progress(first, second, 90.0, 2030, HIGHER).unwrap();
    assert_eq!(p.status, TrackStatus::NoSignificantChange);
    assert_eq!(p.change_significant, Some(false));
    assert!(p.independence_assumed);
    assert_eq!(
        TrackStatus::NoSignificantChange.as_str(),
        "no_significant_change"
    );
    // Without se: the point estimates decide, as before.
    let p = progress(
        Round::new(2015.0, 72.0, None),
        Round::new(2020.0, 71.0, None),
        90.0,
        2030,
        HIGHER,
    )
    .unwrap();
    assert_eq!(p.status, TrackStatus::MovingAway);
    // z = 2.0: significant under the normal (1.96), not under t with 10 df (2.228).
    let se = 1.0 / std::f64::consts::SQRT_2;
    let (a, b) = (
        Round::new(2015.0, 70.0, Some(se)),
        Round::new(2020.0, 72.0, Some(se)),
    );
    let normal = progress(a, b, 90.0, 2030, HIGHER).unwrap();
    assert_relative_eq!(normal.change_z.unwrap(), 2.0, max_relative = 1e-12);
    assert_eq!(normal.change_significant, Some(true));
    let t10 = ProgressOptions {
        df: Some(10.0),
        ..ProgressOptions::default()
    };
    let t = progress_with(a, b, 90.0, 2030, HIGHER, &t10).unwrap();
    assert_eq!(t.status, TrackStatus::NoSignificantChange);
    assert_relative_eq!(
        t.critical_value,
        2.228_138_851_986_273,
        max_relative = 1e-12
    );
    assert!(t.change_p_value.unwrap() > 0.05 && normal.change_p_value.unwrap() < 0.05);
    // A positive covariance of overlapping samples shrinks se(Δ): √(0.5 + 0.5 − 2·0.3).
    let cov = ProgressOptions {
        covariance: Some(0.3),
        ..t10
    };
    let c = progress_with(a, b, 90.0, 2030, HIGHER, &cov).unwrap();
    assert_relative_eq!(c.change_se.unwrap(), 0.4f64.sqrt(), max_relative = 1e-12);
    assert!(!c.independence_assumed);
    assert_eq!(c.change_significant, Some(true));
}

/// Linear and compound required rates can disagree; compound is refused where undefined.
#[test]
fn linear_and_compound_required_rates() {
    use hri::benchmark::{ProgressOptions, progress_with};
    use hri::framework::RequiredRate;
    // 10 % → 8 % in 5 years, 5 % by 2030 (lower is better).
    let (a, b) = (
        Round::new(2015.0, 10.0, None),
        Round::new(2020.0, 8.0, None),
    );
    let linear = progress(a, b, 5.0, 2030, LOWER).unwrap();
    // 0.4 points a year observed, 3 / 10 = 0.3 needed: on track.
    assert_relative_eq!(linear.annual_progress, 0.4, max_relative = 1e-12);
    assert_relative_eq!(
        linear.required_annual_progress.unwrap(),
        0.3,
        max_relative = 1e-12
    );
    assert_eq!(linear.status, TrackStatus::OnTrack);
    let compound = ProgressOptions {
        rate: RequiredRate::Compound,
        ..ProgressOptions::default()
    };
    let c = progress_with(a, b, 5.0, 2030, LOWER, &compound).unwrap();
    // −4.36 % a year observed, −4.59 % needed: off track.
    assert_relative_eq!(
        c.annual_progress,
        1.0 - 0.8f64.powf(0.2),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        c.required_annual_progress.unwrap(),
        1.0 - 0.625f64.powf(0.1),
        max_relative = 1e-12
    );
    assert_eq!(c.status, TrackStatus::OffTrack);
    assert_eq!(c.rate, RequiredRate::Compound);
    let target = Direction::Target {
        value: 5.0,
        tolerance: 0.5,
    };
    assert!(matches!(
        progress_with(a, b, 5.0, 2030, target, &compound),
        Err(BenchmarkError::CompoundRate(_))
    ));
    assert!(matches!(
        progress_with(
            Round::new(2015.0, 0.0, None),
            b,
            5.0,
            2030,
            LOWER,
            &compound
        ),
        Err(BenchmarkError::CompoundRate(_))
    ));
    // The catalogue selects it: `rate = "compound"` in the benchmark.
    let b: Benchmark = toml::from_str("target = 5.0\nyear = 2030\nrate = \"compound\"\n").unwrap();
    assert_eq!(b.rate, RequiredRate::Compound);
}

/// The distance to target is `no_significant_difference` when the target is inside the
/// interval.
#[test]
fn target_status_with_uncertainty() {
    use hri::benchmark::{TargetStatus, target_status};
    let d = distance(88.0, 90.0, HIGHER).unwrap();
    assert_eq!(
        target_status(&d, Some(1.5), 0.95, Some(30.0)),
        TargetStatus::NoSignificantDifference
    );
    assert_eq!(
        target_status(&d, Some(0.5), 0.95, Some(30.0)),
        TargetStatus::NotMet
    );
    assert_eq!(target_status(&d, None, 0.95, None), TargetStatus::NotMet);
    let d = distance(91.0, 90.0, HIGHER).unwrap();
    assert_eq!(
        target_status(&d, Some(1.0), 0.95, None),
        TargetStatus::NoSignificantDifference
    );
    assert_eq!(target_status(&d, Some(0.3), 0.95, None), TargetStatus::Met);
    assert_eq!(
        TargetStatus::NoSignificantDifference.as_str(),
        "no_significant_difference"
    );
}
