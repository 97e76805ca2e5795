//! Country register: parsing, validation, lookups, shipped registers.

use hri::framework::{Direction, Indicator, IndicatorKind, Measure, Unit};
use hri::structural::{
    PartialDate, PolicyStatus, RatificationStatus, Register, RegisterError, Status,
    StructuralStatus,
};

fn structural(id: &str, entry: &str) -> Indicator {
    Indicator {
        id: id.to_string(),
        name: id.to_string(),
        right: "work".to_string(),
        attribute: "work_access".to_string(),
        kind: IndicatorKind::Structural,
        measure: Measure::Structural {
            entry: entry.to_string(),
        },
        unit: Unit::Status,
        direction: Direction::HigherIsBetter,
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

const SMALL: &str = r#"
country = "XYZ"
name = "Example"
as_of = "2024-06"

[[instrument]]
id = "icrmw"
name = "ICRMW"
kind = "un_treaty"
status = "ratified"
signed = "1991-05-22"
ratified = "1999-03-08"
source = "A/HRC/11/7/Add.2"

[[instrument]]
id = "ilo_c97"
name = "C97"
kind = "ilo_convention"
status = "signed"
signed = 2001
source = "NORMLEX"

[[instrument]]
id = "ilo_c143"
name = "C143"
kind = "ilo_convention"
status = "not_ratified"
source = "NORMLEX"
illustrative = true

[[policy]]
id = "health_law"
name = "Health access law"
kind = "law"
status = "partial"
adopted = 2011-05-25
areas = ["health"]
source = "Official gazette"
"#;

fn small() -> Register {
    Register::from_toml_str(SMALL).expect("the small register parses")
}

#[test]
fn parses_entries_and_dates() {
    let r = small();
    assert_eq!(r.country, "XYZ");
    assert_eq!(r.as_of.map(|d| d.to_string()).as_deref(), Some("2024-06"));
    assert_eq!(r.instruments.len(), 3);
    assert_eq!(r.policies.len(), 1);
    let icrmw = r.get("icrmw").expect("icrmw is there");
    assert_eq!(
        icrmw.status(),
        Status::Ratification(RatificationStatus::Ratified)
    );
    assert_eq!(icrmw.date(), Some(PartialDate::ymd(1999, 3, 8).unwrap()));
    // a bare integer year
    let c97 = r.get("ilo_c97").unwrap();
    assert_eq!(c97.date(), Some(PartialDate::from_year(2001)));
    // a TOML date literal
    let law = r.get("health_law").unwrap();
    assert_eq!(
        law.date().map(|d| d.to_string()).as_deref(),
        Some("2011-05-25")
    );
    assert!(r.get("ilo_c143").unwrap().illustrative());
    assert!(!icrmw.illustrative());
    assert_eq!(r.entries().count(), 4);
}

#[test]
fn status_scores() {
    // not ratified 0, signed 50, ratified 100; absent 0, partial 50, complete 100
    assert_eq!(RatificationStatus::NotRatified.score(), 0.0);
    assert_eq!(RatificationStatus::Signed.score(), 50.0);
    assert_eq!(RatificationStatus::Ratified.score(), 100.0);
    assert_eq!(PolicyStatus::Absent.score(), 0.0);
    assert_eq!(PolicyStatus::Partial.score(), 50.0);
    assert_eq!(PolicyStatus::Complete.score(), 100.0);
    let r = small();
    assert_eq!(r.status("ilo_c97").score(), Some(50.0));
    assert_eq!(r.status("health_law").score(), Some(50.0));
    assert_eq!(r.status("ilo_c143").score(), Some(0.0));
}

#[test]
fn status_names_parse_and_compare() {
    let ratified: Status = "ratified".parse().unwrap();
    let signed: Status = "signed".parse().unwrap();
    let complete: Status = "complete".parse().unwrap();
    assert_eq!(ratified.meets(signed), Some(true));
    assert_eq!(signed.meets(ratified), Some(false));
    assert_eq!(complete.meets(ratified), None);
    assert!(matches!(
        "acceded".parse::<Status>(),
        Err(RegisterError::UnknownStatus { status }) if status == "acceded"
    ));
}

#[test]
fn missing_entry_is_missing_not_not_ratified() {
    let r = small();
    assert_eq!(r.status("ilo_c189"), StructuralStatus::Missing);
    let v = r
        .structural_value(&structural("c189_ratified", "ilo_c189"))
        .unwrap();
    assert_eq!(v.status, StructuralStatus::Missing);
    assert_eq!(v.status.as_str(), "missing");
    assert_eq!(v.score(), None);
    assert_ne!(v.score(), Some(0.0));
    assert!(v.reason.as_deref().unwrap().contains("ilo_c189"));

    let known = r
        .structural_value(&structural("icrmw_ratified", "icrmw"))
        .unwrap();
    assert_eq!(known.score(), Some(100.0));
    assert_eq!(known.source.as_deref(), Some("A/HRC/11/7/Add.2"));
    assert_eq!(known.reason, None);
}

#[test]
fn non_structural_indicator_is_an_error() {
    let mut ind = structural("unemployment", "x");
    ind.measure = Measure::Proportion {
        condition: "unemployed = 1".to_string(),
        universe: None,
    };
    let err = small().structural_value(&ind).unwrap_err();
    assert!(
        matches!(err, RegisterError::NotStructural { indicator } if indicator == "unemployment")
    );
    // and structural_values skips it
    let values = small().structural_values(&[ind, structural("a", "icrmw")]);
    assert_eq!(values.len(), 1);
}

fn one_instrument(fields: &str) -> String {
    format!(
        "country = \"XYZ\"\n[[instrument]]\nid = \"icrmw\"\nname = \"ICRMW\"\nkind = \"un_treaty\"\n{fields}\n"
    )
}

#[test]
fn empty_source_names_the_entry() {
    let err = Register::from_toml_str(&one_instrument("status = \"ratified\"\nsource = \"  \""))
        .unwrap_err();
    assert!(
        matches!(&err, RegisterError::EmptyField { entry, field: "source" } if entry == "icrmw"),
        "{err}"
    );
}

#[test]
fn missing_source_field_is_a_parse_error() {
    let err = Register::from_toml_str(&one_instrument("status = \"ratified\"")).unwrap_err();
    assert!(
        matches!(&err, RegisterError::Parse { message, .. } if message.contains("source")),
        "{err}"
    );
}

#[test]
fn invalid_date_names_entry_and_field() {
    let err = Register::from_toml_str(&one_instrument(
        "status = \"ratified\"\nratified = \"1999-13-01\"\nsource = \"x\"",
    ))
    .unwrap_err();
    assert!(
        matches!(&err, RegisterError::InvalidDate { entry, field: "ratified", value, .. }
            if entry == "icrmw" && value == "1999-13-01"),
        "{err}"
    );
    let err = Register::from_toml_str(&one_instrument(
        "status = \"ratified\"\nratified = \"2023-02-29\"\nsource = \"x\"",
    ))
    .unwrap_err();
    assert!(matches!(err, RegisterError::InvalidDate { .. }), "{err}");
    // 2024 is a leap year
    assert!(
        Register::from_toml_str(&one_instrument(
            "status = \"ratified\"\nratified = \"2024-02-29\"\nsource = \"x\""
        ))
        .is_ok()
    );
}

#[test]
fn status_contradicting_dates_is_rejected() {
    let err = Register::from_toml_str(&one_instrument(
        "status = \"not_ratified\"\nratified = 1999\nsource = \"x\"",
    ))
    .unwrap_err();
    assert!(
        matches!(&err, RegisterError::Inconsistent { entry, field: "ratified", .. } if entry == "icrmw"),
        "{err}"
    );
    let err = Register::from_toml_str(&one_instrument(
        "status = \"signed\"\nratified = 1999\nsource = \"x\"",
    ))
    .unwrap_err();
    assert!(matches!(err, RegisterError::Inconsistent { .. }), "{err}");
    let err = Register::from_toml_str(&one_instrument(
        "status = \"ratified\"\nsigned = 2001\nratified = 1999\nsource = \"x\"",
    ))
    .unwrap_err();
    assert!(matches!(err, RegisterError::Inconsistent { .. }), "{err}");
}

#[test]
fn unknown_status_or_field_is_a_parse_error() {
    let err = Register::from_toml_str(&one_instrument("status = \"acceded\"\nsource = \"x\""))
        .unwrap_err();
    assert!(matches!(err, RegisterError::Parse { .. }), "{err}");
    let err = Register::from_toml_str(&one_instrument(
        "status = \"ratified\"\nsource = \"x\"\nratifed = 1999",
    ))
    .unwrap_err();
    assert!(
        matches!(&err, RegisterError::Parse { message, .. } if message.contains("ratifed")),
        "{err}"
    );
    // a policy status on an instrument
    let err = Register::from_toml_str(&one_instrument("status = \"complete\"\nsource = \"x\""))
        .unwrap_err();
    assert!(matches!(err, RegisterError::Parse { .. }), "{err}");
}

#[test]
fn duplicate_ids_are_rejected() {
    let text = format!(
        "{}\n[[policy]]\nid = \"icrmw\"\nname = \"n\"\nkind = \"law\"\nstatus = \"absent\"\nsource = \"x\"\n",
        one_instrument("status = \"ratified\"\nsource = \"x\"")
    );
    let err = Register::from_toml_str(&text).unwrap_err();
    assert!(
        matches!(&err, RegisterError::DuplicateEntry { id } if id == "icrmw"),
        "{err}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let err = Register::from_path("/nonexistent/register.toml").unwrap_err();
    assert!(matches!(err, RegisterError::Io { .. }), "{err}");
}

#[test]
fn partial_dates_parse_and_order() {
    let y: PartialDate = "1999".parse().unwrap();
    let ym: PartialDate = "1999-03".parse().unwrap();
    let ymd: PartialDate = "1999-03-08".parse().unwrap();
    assert!(y < ym && ym < ymd);
    assert_eq!(ymd.to_string(), "1999-03-08");
    assert!("99-03-08".parse::<PartialDate>().is_err());
    assert!("1999-3-8".parse::<PartialDate>().is_err());
    assert!("1999-03-08-01".parse::<PartialDate>().is_err());
    assert!("".parse::<PartialDate>().is_err());
}

const REQUIRED: [&str; 9] = [
    "icrmw", "ilo_c97", "ilo_c143", "ilo_c189", "ilo_c181", "cescr", "crc", "cedaw", "crpd",
];

fn shipped(name: &str) -> Register {
    let path = format!(
        "{}/examples/registers/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    Register::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check_shipped(r: &Register) {
    for id in REQUIRED {
        assert!(r.get(id).is_some(), "{}: entry {id} missing", r.country);
    }
    for e in r.entries() {
        assert!(
            !e.source().trim().is_empty(),
            "{}: {} has no source",
            r.country,
            e.id()
        );
        if e.source().starts_with("illustrative") {
            assert!(
                e.illustrative(),
                "{}: {} has no source but is not flagged",
                r.country,
                e.id()
            );
        }
    }
    assert!(!r.policies.is_empty());
    for area in ["health", "education", "work"] {
        assert!(
            r.policies.iter().any(|p| p.areas.iter().any(|a| a == area)),
            "{}: no policy for {area}",
            r.country
        );
    }
}

#[test]
fn mexico_register_loads() {
    let r = shipped("mexico");
    assert_eq!(r.country, "MEX");
    check_shipped(&r);
    let icrmw = r.get("icrmw").unwrap();
    assert_eq!(icrmw.status().as_str(), "ratified");
    assert_eq!(icrmw.date().unwrap().to_string(), "1999-03-08");
    assert_eq!(r.status("ilo_c189").as_str(), "ratified");
    assert_eq!(r.status("crpd").score(), Some(100.0));
    // unverified facts are flagged
    assert!(r.get("ilo_c97").unwrap().illustrative());
    assert!(!r.get("cescr").unwrap().illustrative());
}

#[test]
fn tunisia_register_loads() {
    let r = shipped("tunisia");
    assert_eq!(r.country, "TUN");
    check_shipped(&r);
    assert_eq!(r.status("icrmw").as_str(), "not_ratified");
    assert_eq!(r.status("icrmw").score(), Some(0.0));
    assert_eq!(r.status("ilo_c189").as_str(), "not_ratified");
    assert_eq!(r.status("cedaw").as_str(), "ratified");
    assert!(!r.get("ilo_c97").unwrap().illustrative());
    assert!(r.get("ilo_c181").unwrap().illustrative());
}

#[test]
fn builtin_catalogue_entries_are_in_shipped_registers() {
    use hri::benchmark::assess_status;
    use hri::catalogue::Catalogue;
    let catalogue = Catalogue::migrants_rights();
    for name in ["mexico", "tunisia"] {
        let r = shipped(name);
        for ind in catalogue
            .indicators
            .iter()
            .filter(|i| !i.measure.is_survey())
        {
            let v = r.structural_value(ind).unwrap();
            assert!(
                !v.status.is_missing(),
                "{name}: entry '{}' of indicator '{}' is not in the register",
                v.entry,
                ind.id
            );
            // the status benchmark compares with the entry's status (same family)
            assess_status(ind, v.status).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

const MEXICO_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/registers/mexico.toml"
);

/// Mexico's Palermo trafficking protocol and ILO C98 carry the dates of their primary
/// sources (UNTC and the DOF decree; ILO NORMLEX), and a round reads each entry at its
/// reference date: the 2015 round does not count C98, ratified in 2018.
#[test]
fn mexico_dates_and_status_at_the_round() {
    let r = Register::from_path(MEXICO_FILE).unwrap();
    let palermo = r
        .instruments
        .iter()
        .find(|i| i.id == "palermo_trafficking")
        .unwrap();
    assert_eq!(
        palermo.ratified,
        Some(PartialDate::ymd(2003, 3, 4).unwrap())
    );
    assert_eq!(
        palermo.signed,
        Some(PartialDate::ymd(2000, 12, 13).unwrap())
    );
    assert!(palermo.source.contains("XVIII") && !palermo.illustrative);
    let c98 = r.instruments.iter().find(|i| i.id == "ilo_c98").unwrap();
    assert_eq!(c98.ratified, Some(PartialDate::ymd(2018, 11, 23).unwrap()));
    assert_eq!(c98.in_force, Some(PartialDate::ymd(2019, 11, 23).unwrap()));
    assert!(c98.source.contains("normlex"));

    let ind = structural("c98", "ilo_c98");
    let at = |y: i32| {
        r.structural_value_at(&ind, Some(PartialDate::from_year(y)))
            .unwrap()
    };
    let v2015 = at(2015);
    assert_eq!(
        v2015.status,
        StructuralStatus::Known(Status::Ratification(RatificationStatus::NotRatified))
    );
    assert_eq!(v2015.score(), Some(0.0));
    assert_eq!(v2015.stage, Some("not_ratified"));
    let v2018 = at(2018);
    assert_eq!(v2018.stage, Some("ratified"));
    assert_eq!(v2018.score(), Some(100.0));
    let v2020 = at(2020);
    assert_eq!(v2020.stage, Some("in_force"));
    assert_eq!(v2020.date, Some(PartialDate::ymd(2019, 11, 23).unwrap()));
    // September 2018 (the Senate's vote) is before the ratification.
    let sep = r
        .structural_value_at(&ind, Some("2018-09-30".parse().unwrap()))
        .unwrap();
    assert_eq!(sep.stage, Some("not_ratified"));
}

/// Illustrative entries are shown with their status but never scored; a ratified entry
/// without a date cannot be placed at a date and is missing, with the reason; a repealed
/// law is absent from its repeal on; a law is absent before its adoption.
#[test]
fn illustrative_undated_and_repealed_entries() {
    let r = Register::from_path(MEXICO_FILE).unwrap();
    let c29 = r.structural_value(&structural("c29", "ilo_c29")).unwrap();
    assert!(c29.illustrative);
    assert!(c29.status.score().is_some());
    assert_eq!(c29.score(), None);
    assert!(c29.score_reason().unwrap().contains("not scored"));

    let text = r#"
country = "XYZ"
[[instrument]]
id = "undated"
name = "A ratified treaty without dates"
kind = "un_treaty"
status = "ratified"
source = "test"
[[policy]]
id = "old_law"
name = "A repealed law"
kind = "law"
status = "complete"
adopted = "2005-01-10"
repealed = "2016-07"
source = "test"
"#;
    let r = Register::from_toml_str(text).unwrap();
    let v = r
        .structural_value_at(
            &structural("u", "undated"),
            Some(PartialDate::from_year(2015)),
        )
        .unwrap();
    assert!(v.status.is_missing());
    assert!(
        v.reason
            .unwrap()
            .contains("ratification date is not recorded")
    );
    let law = structural("l", "old_law");
    let stage = |y: i32| {
        r.structural_value_at(&law, Some(PartialDate::from_year(y)))
            .unwrap()
    };
    assert_eq!(stage(2004).stage, Some("not_yet_adopted"));
    assert_eq!(
        stage(2010).status,
        StructuralStatus::Known(Status::Policy(PolicyStatus::Complete))
    );
    let repealed = stage(2017);
    assert_eq!(repealed.stage, Some("repealed"));
    assert_eq!(repealed.score(), Some(0.0));
    // Without a date: the register's current status.
    assert_eq!(r.structural_value_at(&law, None).unwrap().stage, None);
}
