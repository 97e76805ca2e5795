use hri::derive::{DeriveError, UrbanRuralSpec, urban_rural};
use polars::prelude::*;

use super::strs;

#[test]
fn from_codes() {
    let df = df!("area" => [Some(1i64), Some(2), None]).unwrap();
    let d = urban_rural(&df, &UrbanRuralSpec::codes("area")).unwrap();
    assert_eq!(strs(&d.column), ["urban", "rural", "unknown"]);
    assert_eq!(d.report.unknown_for("missing area"), 1);
    let df = df!("area" => ["Urban", "RURAL"]).unwrap();
    let d = urban_rural(&df, &UrbanRuralSpec::codes("area")).unwrap();
    assert_eq!(strs(&d.column), ["urban", "rural"]);
    let df = df!("area" => [1i64, 5]).unwrap();
    let err = urban_rural(&df, &UrbanRuralSpec::codes("area")).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidValue { row: 1, .. }));
}

#[test]
fn from_locality_population() {
    let df = df!("loc_pop" => [Some(100.0), Some(2500.0), Some(2499.0), None, Some(1e6)]).unwrap();
    let d = urban_rural(&df, &UrbanRuralSpec::locality_population("loc_pop", 2500.0)).unwrap();
    assert_eq!(
        strs(&d.column),
        ["rural", "urban", "rural", "unknown", "urban"]
    );
    assert_eq!(d.report.group("urban"), 2);
    let df = df!("loc_pop" => [-5.0]).unwrap();
    let err =
        urban_rural(&df, &UrbanRuralSpec::locality_population("loc_pop", 2500.0)).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidValue { row: 0, .. }));
    let err = urban_rural(&df, &UrbanRuralSpec::locality_population("loc_pop", 0.0)).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidSpec { .. }));
}
