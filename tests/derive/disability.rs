use hri::derive::{
    DeriveError, DisabilitySpec, DisabilityStatus, WgAnswer, WgCutoff, WgSsColumns, classify_wg_ss,
    disability,
};
use polars::prelude::*;
use proptest::prelude::*;

use super::strs;

/// Rows: answers for the six domains, `None` missing.
fn table(rows: &[[Option<i64>; 6]]) -> DataFrame {
    let names = WgSsColumns::default();
    let cols: Vec<Column> = names
        .as_array()
        .iter()
        .enumerate()
        .map(|(d, name)| {
            let v: Vec<Option<i64>> = rows.iter().map(|r| r[d]).collect();
            Column::new((*name).into(), v)
        })
        .collect();
    DataFrame::new_infer_height(cols).unwrap()
}

const N: Option<i64> = None;

fn sample() -> DataFrame {
    table(&[
        [Some(1), Some(1), Some(1), Some(1), Some(1), Some(1)], // without
        [Some(1), Some(3), Some(1), Some(1), Some(1), Some(1)], // with (a lot)
        [N, N, Some(4), N, N, N],                               // with despite missing
        [Some(1), Some(1), Some(1), N, Some(1), Some(1)],       // unknown, 1 missing
        [N, N, N, N, N, N],                                     // unknown, all missing
        [Some(2), Some(2), Some(2), Some(2), Some(2), Some(2)], // without (default cut-off)
        [Some(2), Some(2), N, Some(1), Some(1), Some(1)],       // unknown
    ])
}

#[test]
fn default_cutoff_and_missing_answers() {
    let d = disability(&sample(), &DisabilitySpec::default()).unwrap();
    assert_eq!(
        strs(&d.column),
        [
            "without_disability",
            "with_disability",
            "with_disability",
            "unknown",
            "unknown",
            "without_disability",
            "unknown"
        ]
    );
    let r = &d.report;
    assert_eq!(r.group("with_disability"), 2);
    assert_eq!(r.group("without_disability"), 2);
    assert_eq!(r.unknown_for("all 6 domains missing"), 1);
    assert_eq!(
        r.unknown_for("1 of 6 domains missing, cut-off not reached"),
        2
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n == "domain seeing: 2 missing answers")
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("1 rows with disability despite"))
    );
}

#[test]
fn other_cutoffs() {
    let labels = |c: WgCutoff| {
        strs(
            &disability(&sample(), &DisabilitySpec::default().with_cutoff(c))
                .unwrap()
                .column,
        )
    };
    let some = labels(WgCutoff::AnySomeDifficulty);
    assert_eq!(some[5], "with_disability");
    assert_eq!(some[6], "with_disability"); // a 2 is enough whatever is missing
    assert_eq!(some[3], "unknown");
    let two = labels(WgCutoff::TwoSomeOrOneALot);
    assert_eq!(two[5], "with_disability");
    assert_eq!(two[6], "with_disability");
    let cannot = labels(WgCutoff::AnyCannotDo);
    assert_eq!(cannot[1], "without_disability");
    assert_eq!(cannot[2], "with_disability");
}

#[test]
fn codes_outside_1_to_4_are_errors_naming_column_and_row() {
    let df = table(&[
        [Some(1), Some(1), Some(1), Some(1), Some(1), Some(1)],
        [Some(1), Some(1), Some(1), Some(1), Some(9), Some(1)],
    ]);
    let err = disability(&df, &DisabilitySpec::default()).unwrap_err();
    match &err {
        DeriveError::InvalidValue {
            column, row, value, ..
        } => {
            assert_eq!(
                (column.as_str(), *row, value.as_str()),
                ("self_care", 1, "9")
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("self_care"));
    let df0 = table(&[[Some(0), Some(1), Some(1), Some(1), Some(1), Some(1)]]);
    assert!(disability(&df0, &DisabilitySpec::default()).is_err());
    let df5 = table(&[[Some(1), Some(5), Some(1), Some(1), Some(1), Some(1)]]);
    assert!(disability(&df5, &DisabilitySpec::default()).is_err());
}

#[test]
fn declared_missing_codes_count_as_missing() {
    let df = table(&[
        [Some(1), Some(1), Some(1), Some(1), Some(9), Some(1)],
        [Some(8), Some(3), Some(1), Some(1), Some(7), Some(1)],
    ]);
    let spec = DisabilitySpec::default().with_missing_codes(vec![7, 8, 9]);
    let d = disability(&df, &spec).unwrap();
    assert_eq!(strs(&d.column), ["unknown", "with_disability"]);
    assert!(
        d.report
            .notes
            .iter()
            .any(|n| n == "domain self_care: 2 missing answers")
    );
}

#[test]
fn text_codes_are_read() {
    let names = WgSsColumns::default();
    let cols: Vec<Column> = names
        .as_array()
        .iter()
        .map(|n| Column::new((*n).into(), ["1", "3"]))
        .collect();
    let df = DataFrame::new_infer_height(cols).unwrap();
    let d = disability(&df, &DisabilitySpec::default()).unwrap();
    assert_eq!(strs(&d.column), ["without_disability", "with_disability"]);
    let cols: Vec<Column> = names
        .as_array()
        .iter()
        .map(|n| Column::new((*n).into(), ["1", "a lot"]))
        .collect();
    let df = DataFrame::new_infer_height(cols).unwrap();
    assert!(matches!(
        disability(&df, &DisabilitySpec::default()),
        Err(DeriveError::InvalidValue { row: 1, .. })
    ));
}

#[test]
fn missing_domain_column() {
    let df = df!("seeing" => [1i64]).unwrap();
    let err = disability(&df, &DisabilitySpec::default()).unwrap_err();
    assert!(matches!(err, DeriveError::MissingColumn { ref column } if column == "hearing"));
}

const CUTOFFS: [WgCutoff; 4] = [
    WgCutoff::AnySomeDifficulty,
    WgCutoff::TwoSomeOrOneALot,
    WgCutoff::AnyALot,
    WgCutoff::AnyCannotDo,
];

fn answer() -> impl Strategy<Value = Option<WgAnswer>> {
    prop_oneof![
        1 => Just(None),
        4 => (1i64..=4).prop_map(WgAnswer::from_code),
    ]
}

#[test]
fn classify_examples() {
    use WgAnswer::*;
    let c = WgCutoff::AnyALot;
    assert_eq!(classify_wg_ss(&[], c), DisabilityStatus::Unknown);
    assert_eq!(
        classify_wg_ss(&[Some(NoDifficulty); 6], c),
        DisabilityStatus::WithoutDisability
    );
    assert_eq!(
        classify_wg_ss(&[None, None, None, None, None, Some(ALotOfDifficulty)], c),
        DisabilityStatus::WithDisability
    );
    assert_eq!(WgAnswer::from_code(3).map(WgAnswer::code), Some(3));
    assert_eq!(WgAnswer::from_code(9), None);
}

proptest! {
    /// Raising any answer (or answering a missing domain) never turns a person with a
    /// disability into one without.
    #[test]
    fn wg_ss_rule_is_monotone(
        answers in proptest::collection::vec(answer(), 6),
        domain in 0usize..6,
        raised in 1i64..=4,
    ) {
        let mut higher = answers.clone();
        let old = answers[domain].map_or(1, |a| i64::from(a.code()));
        higher[domain] = WgAnswer::from_code(old.max(raised));
        for c in CUTOFFS {
            let before = classify_wg_ss(&answers, c);
            let after = classify_wg_ss(&higher, c);
            if before == DisabilityStatus::WithDisability {
                prop_assert_eq!(after, DisabilityStatus::WithDisability, "cutoff {:?}", c);
            }
            if after == DisabilityStatus::WithoutDisability && answers[domain].is_some() {
                prop_assert_eq!(before, DisabilityStatus::WithoutDisability, "cutoff {:?}", c);
            }
        }
    }

    /// Answering a missing domain never contradicts a determined status.
    #[test]
    fn filling_a_missing_answer_keeps_a_determined_status(
        answers in proptest::collection::vec(answer(), 6),
        domain in 0usize..6,
        value in 1i64..=4,
    ) {
        let mut answers = answers;
        answers[domain] = None;
        let mut filled = answers.clone();
        filled[domain] = WgAnswer::from_code(value);
        for c in CUTOFFS {
            let before = classify_wg_ss(&answers, c);
            if before != DisabilityStatus::Unknown {
                prop_assert_eq!(classify_wg_ss(&filled, c), before);
            }
        }
    }

    /// With every domain answered the status is never unknown and equals the cut-off rule.
    #[test]
    fn complete_answers_are_classified(codes in proptest::collection::vec(1i64..=4, 6)) {
        let answers: Vec<WgAnswer> = codes.iter().filter_map(|&c| WgAnswer::from_code(c)).collect();
        let opts: Vec<Option<WgAnswer>> = answers.iter().copied().map(Some).collect();
        for c in CUTOFFS {
            let expected = if c.is_disabled(&answers) {
                DisabilityStatus::WithDisability
            } else {
                DisabilityStatus::WithoutDisability
            };
            prop_assert_eq!(classify_wg_ss(&opts, c), expected);
        }
    }
}

/// The reports of the derivation run on consecutive batches of rows, merged
/// (`DeriveReport::merge_batches`, what a streamed project does), equal the report of the
/// whole data, for every cut of the sample in two and in three: group and reason counts
/// added, the counting notes (`domain …: N missing answers`, `N rows with disability
/// despite missing domains`) added, in the whole data's order.
#[test]
fn reports_of_batches_merge_into_the_whole_report() {
    let df = sample();
    let spec = DisabilitySpec::default();
    let whole = disability(&df, &spec).unwrap().report;
    let n = df.height();
    let report = |from: usize, to: usize| {
        disability(&df.slice(from as i64, to - from), &spec)
            .unwrap()
            .report
    };
    let mut cuts = 0;
    for a in 1..n {
        let two = [report(0, a), report(a, n)];
        assert_eq!(
            hri::derive::DeriveReport::merge_batches(&two).as_ref(),
            Some(&whole),
            "cut at {a}"
        );
        for b in a + 1..n {
            let three = [report(0, a), report(a, b), report(b, n)];
            assert_eq!(
                hri::derive::DeriveReport::merge_batches(&three).as_ref(),
                Some(&whole),
                "cuts at {a}, {b}"
            );
            cuts += 1;
        }
    }
    assert!(cuts > 10);
    assert!(whole.notes.iter().any(|n| n.ends_with(" missing answers")));
    assert_eq!(hri::derive::DeriveReport::merge_batches(&[]), None);
}
