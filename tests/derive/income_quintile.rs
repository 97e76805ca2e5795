use hri::derive::{DeriveError, IncomeQuintileSpec, income_quintile, weighted_quantile_groups};
use polars::prelude::*;
use proptest::prelude::*;

use super::strs;

#[test]
fn equal_weights_ten_rows() {
    let df = df!(
        "inc" => [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0],
        "w" => [1.0; 10]
    )
    .unwrap();
    let d = income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")).unwrap();
    assert_eq!(
        strs(&d.column),
        ["q5", "q5", "q4", "q4", "q3", "q3", "q2", "q2", "q1", "q1"]
    );
    for k in 1..=5 {
        assert_eq!(d.report.group(&format!("q{k}")), 2);
    }
    assert!(d.report.notes[0].starts_with("q1 upper bound"));
    assert!(d.report.notes[0].ends_with(": 2"));
}

#[test]
fn weights_move_the_boundaries() {
    // Total weight 5: shares below 1, 2, 3 are 0, 0.2, 0.4.
    let v = [Some(1.0), Some(2.0), Some(3.0)];
    assert_eq!(
        weighted_quantile_groups(&v, &[1.0, 1.0, 3.0], 5),
        Some(vec![Some(1), Some(2), Some(3)])
    );
    // A heavy poorest row pushes everyone else up.
    assert_eq!(
        weighted_quantile_groups(&v, &[8.0, 1.0, 1.0], 5),
        Some(vec![Some(1), Some(5), Some(5)])
    );
}

#[test]
fn ties_share_a_quintile_and_missing_is_unknown() {
    let df = df!(
        "inc" => [Some(5.0), Some(5.0), None, Some(5.0), Some(5.0), Some(1.0)],
        "w" => [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    )
    .unwrap();
    let d = income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")).unwrap();
    assert_eq!(strs(&d.column), ["q2", "q2", "unknown", "q2", "q2", "q1"]);
    assert_eq!(d.report.unknown_for("missing inc"), 1);
    assert_eq!(d.report.group("q3"), 0);
}

#[test]
fn unweighted_and_deciles() {
    let inc: Vec<f64> = (1..=20).map(f64::from).collect();
    let df = df!("inc" => inc).unwrap();
    let mut spec = IncomeQuintileSpec::new("inc", "w").with_groups(10);
    spec.weight = None;
    let d = income_quintile(&df, &spec).unwrap();
    assert_eq!(strs(&d.column)[0], "q1");
    assert_eq!(strs(&d.column)[19], "q10");
    assert_eq!(d.report.group("q4"), 2);
}

#[test]
fn bad_weights_are_errors_naming_the_row() {
    let df = df!("inc" => [1.0, 2.0], "w" => [Some(1.0), None]).unwrap();
    let err = income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidValue { ref column, row: 1, .. } if column == "w"));
    let df = df!("inc" => [1.0, 2.0], "w" => [1.0, -2.0]).unwrap();
    assert!(income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")).is_err());
    let df = df!("inc" => [1.0, 2.0], "w" => [0.0, 0.0]).unwrap();
    assert!(matches!(
        income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")),
        Err(DeriveError::InvalidSpec { .. })
    ));
    let df = df!("inc" => [1.0], "w" => [1.0]).unwrap();
    assert!(income_quintile(&df, &IncomeQuintileSpec::new("inc", "w").with_groups(1)).is_err());
}

#[test]
fn all_missing_income_is_all_unknown() {
    let df = df!("inc" => [None::<f64>, None], "w" => [1.0, 1.0]).unwrap();
    let d = income_quintile(&df, &IncomeQuintileSpec::new("inc", "w")).unwrap();
    assert_eq!(d.report.unknown_rows(), 2);
}

proptest! {
    /// Row order and a common scale of the weights do not change the groups; every
    /// value's group holds the shares below it.
    #[test]
    fn groups_are_invariant_and_follow_the_rule(
        rows in proptest::collection::vec((0u32..20, 1u32..10), 1..40),
        scale in 1u32..1000,
        rotate in 0usize..40,
    ) {
        let values: Vec<Option<f64>> = rows.iter().map(|&(v, _)| Some(f64::from(v))).collect();
        let weights: Vec<f64> = rows.iter().map(|&(_, w)| f64::from(w)).collect();
        let g = weighted_quantile_groups(&values, &weights, 5).unwrap();
        let scaled: Vec<f64> = weights.iter().map(|w| w * f64::from(scale)).collect();
        prop_assert_eq!(&weighted_quantile_groups(&values, &scaled, 5).unwrap(), &g);
        let r = rotate % rows.len();
        let mut rv = values.clone();
        let mut rw = weights.clone();
        rv.rotate_left(r);
        rw.rotate_left(r);
        let mut rg = weighted_quantile_groups(&rv, &rw, 5).unwrap();
        rg.rotate_right(r);
        prop_assert_eq!(&rg, &g);
        let total: f64 = weights.iter().sum();
        for (i, v) in values.iter().enumerate() {
            let below: f64 = values.iter().zip(&weights).filter(|(x, _)| *x < v).map(|(_, w)| w).sum();
            let k = f64::from(g[i].unwrap());
            prop_assert!(5.0 * below >= (k - 1.0) * total && 5.0 * below < k * total);
        }
    }
}
