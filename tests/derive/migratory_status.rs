use hri::derive::{
    CodeMap, DeriveError, LegalStatusSpec, MigratoryStatusSpec, Unmapped, legal_status,
    migratory_status,
};
use polars::prelude::*;

use super::{bools, strs};

fn sample() -> DataFrame {
    df!(
        "cob" => [Some("MEX"), Some("MEX"), Some("USA"), Some("GTM"), Some("MEX"), None,
                  Some("MEX"), Some("MEX"), Some("HND"), Some("MEX"), Some(" mex ")],
        "cit" => [Some(1i64), Some(1), Some(2), Some(1), Some(3), Some(2),
                  None, Some(1), Some(2), Some(1), Some(1)],
        "arrived" => [None, Some(2.0), Some(1.0), Some(10.0), None, Some(3.0),
                      None, None, None, Some(0.5), None],
        "abroad" => [Some(0.0), Some(3.0), None, None, None, None,
                     Some(0.0), None, None, Some(0.5), Some(0.0)]
    )
    .unwrap()
}

fn spec() -> MigratoryStatusSpec {
    MigratoryStatusSpec::new("cob", "MEX", "cit")
        .with_years_since_arrival("arrived")
        .with_years_abroad("abroad")
}

#[test]
fn primary_status_and_flags() {
    let d = migratory_status(&sample(), &spec()).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            "native_born_citizen",
            "return_migrant",
            "foreign_born_non_citizen",
            "foreign_born_citizen",
            "native_born_non_citizen",
            "unknown",
            "unknown",
            "unknown",
            "foreign_born_non_citizen",
            "native_born_citizen",
            "native_born_citizen",
        ]
    );
    assert_eq!(d.column.name().as_str(), "migratory_status");
    let names: Vec<&str> = d.flags.iter().map(|c| c.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "migratory_status_place_of_birth",
            "migratory_status_citizenship",
            "migratory_status_foreign_born",
            "migratory_status_non_citizen",
            "migratory_status_recent_migrant"
        ]
    );
    // The roll-ups are label columns (domains for the dimensions place_of_birth and
    // citizenship); each reads its own input, so row 6 (citizenship missing) is still
    // native-born and row 5 (country of birth missing) still a non-citizen.
    assert_eq!(
        strs(&d.flags[0]),
        [
            "native_born",
            "native_born",
            "foreign_born",
            "foreign_born",
            "native_born",
            "unknown",
            "native_born",
            "native_born",
            "foreign_born",
            "native_born",
            "native_born",
        ]
    );
    assert_eq!(
        strs(&d.flags[1]),
        [
            "citizen",
            "citizen",
            "non_citizen",
            "citizen",
            "non_citizen",
            "non_citizen",
            "unknown",
            "citizen",
            "non_citizen",
            "citizen",
            "citizen",
        ]
    );
    let (t, f, u) = (Some(true), Some(false), None);
    assert_eq!(bools(&d.flags[2]), [f, f, t, t, f, u, f, f, t, f, f]);
    // Stateless (row 4) counted with non-citizens; naturalised foreign-born (row 3) is not.
    assert_eq!(bools(&d.flags[3]), [f, f, t, f, t, t, u, f, t, f, f]);
    // Recent: foreign-born or return migrant with < 5 years; missing years → null.
    assert_eq!(bools(&d.flags[4]), [f, t, t, f, f, u, u, u, u, f, f]);
}

#[test]
fn every_class_is_in_exactly_one_roll_up_cell() {
    // The four step-1 classes and return migrants partition the determined rows; the
    // roll-ups are unions of classes: foreign_born = the two foreign-born classes,
    // non_citizen = the two non-citizen classes.
    let d = migratory_status(&sample(), &spec()).unwrap();
    let class = strs(&d.column);
    let birth = strs(&d.flags[0]);
    let cit = strs(&d.flags[1]);
    for i in 0..class.len() {
        match class[i].as_str() {
            "foreign_born_citizen" => {
                assert_eq!((&*birth[i], &*cit[i]), ("foreign_born", "citizen"))
            }
            "foreign_born_non_citizen" => {
                assert_eq!((&*birth[i], &*cit[i]), ("foreign_born", "non_citizen"))
            }
            "native_born_non_citizen" => {
                assert_eq!((&*birth[i], &*cit[i]), ("native_born", "non_citizen"))
            }
            "native_born_citizen" | "return_migrant" => {
                assert_eq!((&*birth[i], &*cit[i]), ("native_born", "citizen"))
            }
            _ => assert!(birth[i] == "unknown" || cit[i] == "unknown" || class[i] == "unknown"),
        }
    }
}

#[test]
fn report_counts_groups_and_reasons() {
    let r = migratory_status(&sample(), &spec()).unwrap().report;
    assert_eq!(r.rows, 11);
    assert_eq!(r.group("native_born_citizen"), 3);
    assert_eq!(r.group("return_migrant"), 1);
    assert_eq!(r.group("foreign_born_citizen"), 1);
    assert_eq!(r.group("foreign_born_non_citizen"), 2);
    assert_eq!(r.group("native_born_non_citizen"), 1);
    assert_eq!(r.unknown_rows(), 3);
    assert_eq!(r.unknown_for("missing cob"), 1);
    assert_eq!(r.unknown_for("missing cit"), 1);
    assert_eq!(r.unknown_for("native-born citizen, missing abroad"), 1);
    let total: u64 = r.groups.iter().map(|c| c.rows).sum();
    assert_eq!(total, 11);
    let reasons: u64 = r.unknown.iter().map(|c| c.rows).sum();
    assert_eq!(reasons, r.unknown_rows());
    assert!(r.notes.iter().any(|n| n.starts_with("1 stateless")));
    assert!(r.standard.contains("1998"));
    assert!(
        r.standard
            .contains("Expert Group on Migration Statistics (2017)")
    );
    let recent = r.flag("migratory_status_recent_migrant").unwrap();
    assert_eq!((recent.yes, recent.no, recent.unknown), (2, 5, 4));
}

#[test]
fn prior_residence_question_identifies_return_migrants() {
    // A national definition without a duration (INEGI: residence five years ago abroad,
    // res_5a = 3): native-born citizens answering 3 are return migrants; a foreign-born
    // citizen answering 3 stays foreign-born (a return migrant is native-born).
    let df = df!(
        "cob" => ["MEX", "MEX", "USA", "MEX"],
        "cit" => [1i64, 1, 1, 1],
        "res_5a" => [Some(3i64), Some(1), Some(3), None]
    )
    .unwrap();
    let s = MigratoryStatusSpec::new("cob", "MEX", "cit").with_resided_abroad("res_5a", ["3"]);
    let d = migratory_status(&df, &s).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            "return_migrant",
            "native_born_citizen",
            "foreign_born_citizen",
            "unknown"
        ]
    );
    assert!(
        d.report
            .notes
            .iter()
            .any(|n| n.contains("1-year threshold is not applied"))
    );
    let mut s = s;
    s.years_abroad_null_means_never = true;
    let d = migratory_status(&df, &s).unwrap();
    assert_eq!(strs(&d.column)[3], "native_born_citizen");
    // Both a duration and a prior-residence question: a spec error.
    let df = df
        .lazy()
        .with_column(lit(1.0).alias("abroad"))
        .collect()
        .unwrap();
    let both = s.with_years_abroad("abroad");
    assert!(matches!(
        migratory_status(&df, &both).unwrap_err(),
        DeriveError::InvalidSpec { .. }
    ));
}

#[test]
fn null_years_abroad_can_mean_never_and_is_counted() {
    let mut s = spec();
    s.years_abroad_null_means_never = true;
    let d = migratory_status(&sample(), &s).unwrap();
    assert_eq!(strs(&d.column)[7], "native_born_citizen");
    assert_eq!(d.report.unknown_rows(), 2);
    assert!(
        d.report
            .notes
            .iter()
            .any(|n| n.starts_with("1 native-born citizens with null abroad"))
    );
}

#[test]
fn without_year_columns_no_return_migrants_and_no_recent_flag() {
    let s = MigratoryStatusSpec::new("cob", "MEX", "cit");
    let d = migratory_status(&sample(), &s).unwrap();
    assert_eq!(d.report.group("return_migrant"), 0);
    assert_eq!(strs(&d.column)[1], "native_born_citizen");
    assert_eq!(d.flags.len(), 4);
    assert!(d.report.notes.iter().any(|n| n.contains("not identified")));
}

#[test]
fn custom_thresholds() {
    let mut s = spec();
    s.min_years_abroad = 0.25; // Tunisia-HIMS: 3 months abroad
    s.recent_years = 2.0;
    let d = migratory_status(&sample(), &s).unwrap();
    assert_eq!(strs(&d.column)[9], "return_migrant");
    let recent = bools(&d.flags[4]);
    assert_eq!(recent[1], Some(false)); // 2 years is not < 2
    assert_eq!(recent[2], Some(true));
    assert_eq!(recent[9], Some(true)); // return migrant back 0.5 years ago
}

#[test]
fn numeric_country_codes() {
    let df = df!(
        "cob" => [484i64, 840, 484],
        "cit" => ["citizen", "non_citizen", "Stateless"]
    )
    .unwrap();
    let d = migratory_status(&df, &MigratoryStatusSpec::new("cob", "484", "cit")).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            "native_born_citizen",
            "foreign_born_non_citizen",
            "native_born_non_citizen"
        ]
    );
}

#[test]
fn declared_missing_birth_code() {
    let df = df!("cob" => [484i64, 999], "cit" => [1i64, 1]).unwrap();
    let mut s = MigratoryStatusSpec::new("cob", "484", "cit");
    s.birth_missing_codes = vec!["999".into()];
    let d = migratory_status(&df, &s).unwrap();
    assert_eq!(strs(&d.column), ["native_born_citizen", "unknown"]);
    assert_eq!(d.report.unknown_for("cob code 999 declared missing"), 1);
}

#[test]
fn unknown_citizenship_code_is_an_error_naming_column_and_row() {
    let df = df!("cob" => ["MEX", "MEX", "USA"], "cit" => [1i64, 1, 7]).unwrap();
    let err = migratory_status(&df, &MigratoryStatusSpec::new("cob", "MEX", "cit")).unwrap_err();
    match &err {
        DeriveError::InvalidValue {
            column, row, value, ..
        } => {
            assert_eq!((column.as_str(), *row, value.as_str()), ("cit", 2, "7"));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(err.to_string().contains("row 2"));
    // Declared missing: counted instead.
    let s = MigratoryStatusSpec::new("cob", "MEX", "cit")
        .with_citizenship_codes(CodeMap::citizenship_default().with_missing(["7"]));
    let d = migratory_status(&df, &s).unwrap();
    // Citizenship unknown: the class is unknown, the place-of-birth roll-up is not.
    assert_eq!(strs(&d.column)[2], "unknown");
    assert_eq!(strs(&d.flags[0])[2], "foreign_born");
    assert_eq!(bools(&d.flags[3])[2], None);
}

#[test]
fn negative_years_are_an_error() {
    let df = df!("cob" => ["MEX"], "cit" => [1i64], "abroad" => [-1.0]).unwrap();
    let s = MigratoryStatusSpec::new("cob", "MEX", "cit").with_years_abroad("abroad");
    let err = migratory_status(&df, &s).unwrap_err();
    assert!(
        matches!(err, DeriveError::InvalidValue { ref column, row: 0, .. } if column == "abroad")
    );
}

#[test]
fn missing_column_and_wrong_type() {
    let df = df!("cob" => ["MEX"], "cit" => [1i64], "abroad" => ["two"]).unwrap();
    let err =
        migratory_status(&df, &MigratoryStatusSpec::new("cob", "MEX", "citizenship")).unwrap_err();
    assert!(matches!(err, DeriveError::MissingColumn { ref column } if column == "citizenship"));
    let s = MigratoryStatusSpec::new("cob", "MEX", "cit").with_years_abroad("abroad");
    let err = migratory_status(&df, &s).unwrap_err();
    assert!(matches!(err, DeriveError::WrongType { ref column, .. } if column == "abroad"));
}

#[test]
fn add_to_appends_all_columns() {
    let mut df = sample();
    let d = migratory_status(&df, &spec()).unwrap();
    d.add_to(&mut df).unwrap();
    assert_eq!(df.width(), 4 + 6);
    assert!(df.column("migratory_status_recent_migrant").is_ok());
}

#[test]
fn legal_status_pass_through() {
    let df = df!("legal" => [Some(1i64), Some(2), None, Some(9)]).unwrap();
    let mut s = LegalStatusSpec::new("legal");
    s.codes = s.codes.clone().with_missing(["9"]);
    let d = legal_status(&df, &s).unwrap();
    assert_eq!(
        strs(&d.column),
        ["regular", "irregular", "unknown", "unknown"]
    );
    assert_eq!(d.report.unknown_for("missing legal"), 1);
    assert_eq!(d.report.unknown_for("legal code 9 declared missing"), 1);
    // Unmapped codes: error by default, unknown on request.
    let df = df!("legal" => [3i64]).unwrap();
    assert!(legal_status(&df, &LegalStatusSpec::new("legal")).is_err());
    let mut s = LegalStatusSpec::new("legal");
    s.codes = s.codes.clone().with_unmapped(Unmapped::Unknown);
    let d = legal_status(&df, &s).unwrap();
    assert_eq!(d.report.unknown_for("legal unmapped code 3"), 1);
}

#[test]
fn spec_reads_from_toml() {
    let s: MigratoryStatusSpec = toml::from_str(
        r#"
        country_of_birth = "cob"
        home_country = ["MEX"]
        citizenship = "cit"
        years_abroad = "abroad"
        min_years_abroad = 0.25
        [citizenship_codes]
        codes = { "1" = "citizen", "2" = "non_citizen", "3" = "stateless" }
        missing = ["9"]
        "#,
    )
    .unwrap();
    assert_eq!(s.recent_years, 5.0);
    assert_eq!(s.output, "migratory_status");
    assert!(migratory_status(&sample(), &s).is_ok());
}

#[test]
fn home_code_that_cannot_match_integer_codes_is_a_spec_error() {
    let df = df!("cob" => [484i64, 840], "cit" => [1i64, 2]).unwrap();
    let err = migratory_status(&df, &MigratoryStatusSpec::new("cob", "MEX", "cit")).unwrap_err();
    assert!(matches!(err, DeriveError::InvalidSpec { .. }));
    // Text codes that never match are allowed (a survey of migrants only) but noted.
    let df = df!("cob" => ["USA", "GTM"], "cit" => [2i64, 2]).unwrap();
    let d = migratory_status(&df, &MigratoryStatusSpec::new("cob", "MEX", "cit")).unwrap();
    assert_eq!(d.report.group("foreign_born_non_citizen"), 2);
    assert!(
        d.report
            .notes
            .iter()
            .any(|n| n.starts_with("no row has a home-country code"))
    );
}

/// The reports of batches merged equal the whole data's report for every cut in two and
/// three, with `years_abroad_null_means_never` (a counting note) and batches without any
/// home-country row (whose "no row has a home-country code" note the whole data does not
/// have, so the merge drops it).
#[test]
fn reports_of_batches_merge_into_the_whole_report() {
    let df = sample();
    let mut spec = spec();
    spec.years_abroad_null_means_never = true;
    let whole = migratory_status(&df, &spec).unwrap().report;
    let n = df.height();
    let report = |from: usize, to: usize| {
        migratory_status(&df.slice(from as i64, to - from), &spec)
            .unwrap()
            .report
    };
    let mut without_home = 0;
    for a in 1..n {
        let two = [report(0, a), report(a, n)];
        assert_eq!(
            hri::derive::DeriveReport::merge_batches(&two).as_ref(),
            Some(&whole),
            "cut at {a}"
        );
        for b in a + 1..n {
            let parts = [report(0, a), report(a, b), report(b, n)];
            without_home += parts
                .iter()
                .filter(|r| {
                    r.notes
                        .iter()
                        .any(|x| x.starts_with("no row has a home-country"))
                })
                .count();
            assert_eq!(
                hri::derive::DeriveReport::merge_batches(&parts).as_ref(),
                Some(&whole),
                "cuts at {a}, {b}"
            );
        }
    }
    assert!(without_home > 0, "no batch without a home-country row");
    assert!(
        whole
            .notes
            .iter()
            .any(|x| x.contains("taken as never abroad"))
    );
}
