use hri::derive::{AgeGroupSpec, DeriveError, InvalidAge, age_group};
use polars::prelude::*;

use super::{bools, strs};

fn ages() -> DataFrame {
    df!("age" => [Some(0.0), Some(14.0), Some(15.0), Some(17.5), Some(24.0), Some(25.0),
                  Some(59.0), Some(60.0), Some(64.0), Some(65.0), None, Some(999.0), Some(130.0)])
    .unwrap()
}

#[test]
fn default_bands_and_flags() {
    let spec = AgeGroupSpec::new("age").with_missing_codes(vec![999]);
    let d = age_group(&ages(), &spec).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            "0-14", "0-14", "15-24", "15-24", "15-24", "25-59", "25-59", "60+", "60+", "60+",
            "unknown", "unknown", "60+"
        ]
    );
    let (t, f, u) = (Some(true), Some(false), None);
    let names: Vec<&str> = d.flags.iter().map(|c| c.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "age_group_child",
            "age_group_youth",
            "age_group_working_age",
            "age_group_older"
        ]
    );
    assert_eq!(bools(&d.flags[0]), [t, t, t, t, f, f, f, f, f, f, u, u, f]);
    assert_eq!(bools(&d.flags[1]), [f, f, t, t, t, f, f, f, f, f, u, u, f]);
    assert_eq!(bools(&d.flags[2]), [f, f, t, t, t, t, t, t, t, f, u, u, f]);
    assert_eq!(bools(&d.flags[3]), [f, f, f, f, f, f, f, t, t, t, u, u, t]);
    let r = &d.report;
    assert_eq!(r.group("0-14"), 2);
    assert_eq!(r.group("60+"), 4);
    assert_eq!(r.unknown_for("missing age"), 1);
    assert_eq!(r.unknown_for("age code 999 declared missing"), 1);
    assert_eq!(r.flag("age_group_youth").unwrap().yes, 3);
}

#[test]
fn older_from_65() {
    let d = age_group(
        &ages(),
        &AgeGroupSpec::new("age")
            .older_65()
            .with_missing_codes(vec![999]),
    )
    .unwrap();
    let bands = strs(&d.column);
    assert_eq!(bands[7], "25-64");
    assert_eq!(bands[9], "65+");
    assert_eq!(bools(&d.flags[3])[7], Some(false));
    assert_eq!(bools(&d.flags[3])[9], Some(true));
}

#[test]
fn custom_breaks_and_labels() {
    let df = df!("age" => [0i64, 4, 5, 17, 18, 90]).unwrap();
    let d = age_group(&df, &AgeGroupSpec::new("age").with_breaks(vec![0, 5, 18])).unwrap();
    assert_eq!(
        strs(&d.column),
        ["0-4", "0-4", "5-17", "5-17", "18+", "18+"]
    );
    // 0 is added in front; one-year bands get a single label.
    let spec = AgeGroupSpec::new("age").with_breaks(vec![1, 5]);
    assert_eq!(spec.labels().unwrap(), ["0", "1-4", "5+"]);
    let spec = AgeGroupSpec::new("age").with_breaks(vec![15, 65]);
    assert_eq!(spec.labels().unwrap(), ["0-14", "15-64", "65+"]);
}

#[test]
fn breaks_must_increase() {
    let df = df!("age" => [1i64]).unwrap();
    let err = age_group(&df, &AgeGroupSpec::new("age").with_breaks(vec![0, 20, 20])).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidSpec { .. }));
}

#[test]
fn out_of_range_ages_error_or_unknown() {
    let df = df!("age" => [30.0, -1.0, 131.0]).unwrap();
    let err = age_group(&df, &AgeGroupSpec::new("age")).unwrap_err();
    match err {
        DeriveError::InvalidValue {
            column, row, value, ..
        } => {
            assert_eq!((column.as_str(), row, value.as_str()), ("age", 1, "-1"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let d = age_group(
        &df,
        &AgeGroupSpec::new("age").with_invalid(InvalidAge::Unknown),
    )
    .unwrap();
    assert_eq!(strs(&d.column), ["25-59", "unknown", "unknown"]);
    assert_eq!(d.report.unknown_for("age out of range"), 2);
}

#[test]
fn text_ages_are_a_type_error() {
    let df = df!("age" => ["12"]).unwrap();
    let err = age_group(&df, &AgeGroupSpec::new("age")).unwrap_err();
    assert!(matches!(err, DeriveError::WrongType { .. }));
}

#[test]
fn flags_can_be_turned_off() {
    let mut spec = AgeGroupSpec::new("age");
    spec.flags = false;
    spec.missing_codes = vec![999];
    let d = age_group(&ages(), &spec).unwrap();
    assert!(d.flags.is_empty());
    assert!(d.report.flags.is_empty());
}
