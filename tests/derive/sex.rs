use hri::derive::{CodeMap, DeriveError, Sex, SexSpec, Unmapped, sex};
use polars::prelude::*;

use super::strs;

#[test]
fn iso_5218_codes() {
    let df = df!("sex" => [Some(1i64), Some(2), Some(0), Some(9), None]).unwrap();
    let d = sex(&df, &SexSpec::new("sex")).unwrap();
    assert_eq!(
        strs(&d.column),
        ["male", "female", "unknown", "unknown", "unknown"]
    );
    let r = &d.report;
    assert_eq!(
        (r.group("male"), r.group("female"), r.unknown_rows()),
        (1, 1, 3)
    );
    assert_eq!(r.unknown_for("sex code 0 declared missing"), 1);
    assert_eq!(r.unknown_for("sex code 9 declared missing"), 1);
    assert_eq!(r.unknown_for("missing sex"), 1);
}

#[test]
fn float_codes_read_as_integers() {
    let df = df!("sex" => [Some(1.0), Some(2.0), None]).unwrap();
    let d = sex(&df, &SexSpec::new("sex")).unwrap();
    assert_eq!(strs(&d.column), ["male", "female", "unknown"]);
}

#[test]
fn out_of_range_code_is_an_error() {
    let df = df!("sexo" => [1i64, 2, 3]).unwrap();
    let err = sex(&df, &SexSpec::new("sexo")).unwrap_err();
    match &err {
        DeriveError::InvalidValue {
            column, row, value, ..
        } => {
            assert_eq!((column.as_str(), *row, value.as_str()), ("sexo", 2, "3"));
        }
        other => panic!("unexpected {other:?}"),
    }
    let mut spec = SexSpec::new("sexo");
    spec.codes.unmapped = Unmapped::Unknown;
    let d = sex(&df, &spec).unwrap();
    assert_eq!(d.report.unknown_for("sexo unmapped code 3"), 1);
}

#[test]
fn letters_and_custom_maps() {
    let df = df!("s" => [Some("M"), Some("f"), Some(" Female "), Some(""), None]).unwrap();
    let d = sex(&df, &SexSpec::new("s").with_codes(CodeMap::english())).unwrap();
    assert_eq!(
        strs(&d.column),
        ["male", "female", "female", "unknown", "unknown"]
    );
    assert_eq!(d.report.unknown_for("missing s"), 2);
    let df = df!("s" => ["H", "M"]).unwrap();
    let d = sex(&df, &SexSpec::new("s").with_codes(CodeMap::spanish())).unwrap();
    assert_eq!(strs(&d.column), ["male", "female"]);
    let custom = CodeMap::new([("10", Sex::Male), ("20", Sex::Female)]);
    let df = df!("s" => [20i64, 10]).unwrap();
    let d = sex(&df, &SexSpec::new("s").with_codes(custom)).unwrap();
    assert_eq!(strs(&d.column), ["female", "male"]);
}

#[test]
fn inconsistent_code_map_is_a_spec_error() {
    let df = df!("s" => [1i64]).unwrap();
    let codes = CodeMap::iso_5218().with_missing(["1"]);
    let err = sex(&df, &SexSpec::new("s").with_codes(codes)).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidSpec { .. }));
    let codes = CodeMap::new([("m", Sex::Male), ("M", Sex::Female)]);
    let err = sex(&df, &SexSpec::new("s").with_codes(codes)).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidSpec { .. }));
}

#[test]
fn output_replaces_raw_column_of_same_name() {
    let mut df = df!("sex" => [1i64, 2]).unwrap();
    let d = sex(&df, &SexSpec::new("sex")).unwrap();
    d.add_to(&mut df).unwrap();
    assert_eq!(df.width(), 1);
    assert_eq!(strs(df.column("sex").unwrap()), ["male", "female"]);
}
