use hri::derive::{CfmItems, ChildFunctioningSpec, DeriveError, child_functioning};
use polars::prelude::*;

use super::strs;

/// Ages 2–4: seeing, walking and the behaviour question ("a lot more" = 4); ages 5–17:
/// seeing, walking, anxiety (1 daily … 5 never).
fn spec() -> ChildFunctioningSpec {
    ChildFunctioningSpec::new(
        "age",
        CfmItems {
            difficulty: vec!["see".into(), "walk".into()],
            a_lot_more: vec!["behave".into()],
            daily: Vec::new(),
        },
        CfmItems {
            difficulty: vec!["see".into(), "walk".into()],
            a_lot_more: Vec::new(),
            daily: vec!["anxious".into()],
        },
    )
}

#[test]
fn cfm_cut_offs_by_age_version() {
    let df = df!(
        "age" =>     [Some(3i64), Some(3), Some(4), Some(9), Some(9), Some(12), Some(16), Some(30), None, Some(1)],
        "see" =>     [Some(1i64), Some(3),  Some(1), Some(2), Some(1), Some(1),  None,     Some(1),  Some(1), Some(1)],
        "walk" =>    [Some(1i64), Some(1),  Some(2), Some(2), Some(1), Some(4),  Some(1),  Some(1),  Some(1), Some(1)],
        "behave" =>  [Some(3i64), Some(1),  Some(4), None,    None,    None,     None,     None,     None,    None],
        "anxious" => [None::<i64>, None,    None,    Some(2), Some(1), Some(5),  Some(5),  None,     None,    None]
    )
    .unwrap();
    let d = child_functioning(&df, &spec()).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            // 2-4: behaviour "more" (3) is not a difficulty; seeing 3 is; behaviour 4 is.
            "without_functional_difficulty",
            "with_functional_difficulty",
            "with_functional_difficulty",
            // 5-17: "some difficulty" and weekly anxiety are not; daily anxiety is; a
            // walking answer "cannot do at all" is, and the 2-4 behaviour question is not
            // asked at these ages.
            "without_functional_difficulty",
            "with_functional_difficulty",
            "with_functional_difficulty",
            // Seeing missing and nothing else: unknown.
            "unknown",
            // Adults, missing age and under-2s are outside the module.
            "unknown",
            "unknown",
            "unknown",
        ]
    );
    let r = &d.report;
    assert_eq!(r.group("with_functional_difficulty"), 4);
    assert_eq!(r.group("without_functional_difficulty"), 2);
    assert_eq!(
        r.unknown_for("age outside 2-17 (not in the CFM population)"),
        2
    );
    assert_eq!(r.unknown_for("missing age"), 1);
    assert_eq!(
        r.unknown_for("1 of 3 CFM questions missing, no difficulty among the others"),
        1
    );
    assert!(r.standard.contains("Child Functioning Module"));
    assert!(r.standard.contains("daily"));
}

#[test]
fn cfm_codes_outside_the_scale_are_errors_unless_declared_missing() {
    let df = df!(
        "age" => [8i64],
        "see" => [1i64],
        "walk" => [1i64],
        "behave" => [None::<i64>],
        "anxious" => [9i64]
    )
    .unwrap();
    let err = child_functioning(&df, &spec()).unwrap_err();
    assert!(
        matches!(err, DeriveError::InvalidValue { ref column, row: 0, .. } if column == "anxious"),
        "{err}"
    );
    let mut s = spec();
    s.missing_codes = vec![9];
    let d = child_functioning(&df, &s).unwrap();
    assert_eq!(strs(&d.column), ["unknown"]);
    // A version without questions is a spec error.
    let mut s = spec();
    s.ages_2_4 = CfmItems::default();
    assert!(matches!(
        child_functioning(&df, &s).unwrap_err(),
        DeriveError::InvalidSpec { .. }
    ));
}
