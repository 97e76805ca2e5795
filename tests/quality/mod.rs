//! Quality flags and suppression.

use hri::quality::{
    CvBand, ProportionRules, QualityError, QualityFlag, QualityInput, QualityPolicy, korn_graubard,
    withhold,
};
use polars::prelude::*;
use proptest::prelude::*;

fn flag(p: &QualityPolicy, est: f64, se: f64, n: u64, df: Option<f64>) -> QualityFlag {
    p.assess(Some(est), Some(se), n, df).flag
}

#[test]
fn default_is_cv_bands_15_30() {
    assert_eq!(QualityPolicy::default(), QualityPolicy::cv_bands_15_30());
    assert_eq!(QualityPolicy::default().name, "cv_bands_15_30");
}

#[test]
fn cv_band_boundaries() {
    let p = QualityPolicy::cv_bands_15_30();
    assert_eq!(
        flag(&p, 100.0, 14.99, 100, Some(30.0)),
        QualityFlag::Reliable
    );
    // Exactly 15 %: bands are half-open, so moderate.
    let a = p.assess(Some(100.0), Some(15.0), 100, Some(30.0));
    assert_eq!(a.flag, QualityFlag::Moderate);
    assert_eq!(a.cv, Some(0.15));
    assert!(a.publish);
    assert!(a.reason.unwrap().contains("between 15.0 % and 30.0 %"));
    assert_eq!(
        flag(&p, 100.0, 29.99, 100, Some(30.0)),
        QualityFlag::Moderate
    );
    // Exactly 30 %: low, still published.
    let a = p.assess(Some(100.0), Some(30.0), 100, Some(30.0));
    assert_eq!(a.flag, QualityFlag::Low);
    assert!(a.publish);
    assert!(a.reason.unwrap().contains("at or above 30.0 %"));
    // The CV uses |estimate|.
    assert_eq!(flag(&p, -100.0, 10.0, 100, None), QualityFlag::Reliable);
    let a = p.assess(Some(100.0), Some(1.0), 100, Some(30.0));
    assert_eq!((a.flag, a.reason), (QualityFlag::Reliable, None));
}

#[test]
fn min_n_boundary_suppresses_with_reason() {
    let p = QualityPolicy::cv_bands_15_30();
    let a = p.assess(Some(0.4), Some(0.01), 29, Some(30.0));
    assert_eq!(a.flag, QualityFlag::Suppressed);
    assert!(!a.publish);
    assert_eq!(
        a.reason.as_deref(),
        Some("unweighted n = 29 is below the minimum of 30")
    );
    assert_eq!(flag(&p, 0.4, 0.01, 30, Some(30.0)), QualityFlag::Reliable);
}

#[test]
fn min_df_boundary() {
    let p = QualityPolicy::cv_bands_15_30();
    let a = p.assess(Some(0.4), Some(0.01), 500, Some(7.0));
    assert_eq!(a.flag, QualityFlag::Suppressed);
    assert!(
        a.reason
            .unwrap()
            .contains("degrees of freedom 7 below the minimum of 8")
    );
    assert_eq!(flag(&p, 0.4, 0.01, 500, Some(8.0)), QualityFlag::Reliable);
    // df not applicable (None) or NaN: not checked.
    assert_eq!(flag(&p, 0.4, 0.01, 500, None), QualityFlag::Reliable);
    assert_eq!(
        flag(&p, 0.4, 0.01, 500, Some(f64::NAN)),
        QualityFlag::Reliable
    );
}

#[test]
fn empty_undefined_and_zero_estimates() {
    let p = QualityPolicy::default();
    let a = p.assess(None, None, 0, None);
    assert_eq!(a.flag, QualityFlag::Empty);
    assert!(!a.publish);
    assert_eq!(a.reason.as_deref(), Some("no observations in the domain"));
    let a = p.assess(None, None, 50, Some(20.0));
    assert_eq!(a.flag, QualityFlag::Suppressed);
    assert!(a.reason.unwrap().contains("not defined"));
    assert_eq!(
        p.assess(Some(f64::NAN), Some(0.1), 50, None).flag,
        QualityFlag::Suppressed
    );
    // Zero estimate: no CV, judged on n and df, never reliable without a reason.
    let a = p.assess(Some(0.0), Some(0.0), 200, Some(40.0));
    assert_eq!(a.flag, QualityFlag::Moderate);
    assert_eq!(a.cv, None);
    assert!(a.reason.unwrap().contains("CV undefined"));
    assert_eq!(
        p.assess(Some(0.0), Some(0.0), 10, Some(40.0)).flag,
        QualityFlag::Suppressed
    );
    assert_eq!(
        p.assess(Some(0.0), Some(0.0), 200, Some(2.0)).flag,
        QualityFlag::Suppressed
    );
    // No usable standard error.
    let a = p.assess(Some(0.3), None, 200, None);
    assert_eq!(a.flag, QualityFlag::Low);
    assert!(a.reason.unwrap().contains("standard error not available"));
    assert_eq!(
        p.assess(Some(0.3), Some(-1.0), 200, None).flag,
        QualityFlag::Low
    );
}

#[test]
fn nchs_preset() {
    let p = QualityPolicy::nchs_rse_30();
    assert_eq!(flag(&p, 100.0, 10.0, 29, None), QualityFlag::Suppressed);
    let a = p.assess(Some(100.0), Some(10.0), 59, None);
    assert_eq!(a.flag, QualityFlag::Low);
    assert!(a.reason.unwrap().contains("below 60"));
    assert_eq!(flag(&p, 100.0, 10.0, 60, None), QualityFlag::Reliable);
    assert_eq!(flag(&p, 100.0, 29.99, 60, None), QualityFlag::Reliable);
    assert_eq!(flag(&p, 100.0, 30.0, 60, None), QualityFlag::Low);
    // No df rule.
    assert_eq!(flag(&p, 100.0, 10.0, 60, Some(2.0)), QualityFlag::Reliable);
}

#[test]
fn suppress_low_and_flag_only_presets() {
    let p = QualityPolicy::cv_bands_15_30_suppress_low();
    let a = p.assess(Some(100.0), Some(30.0), 100, None);
    assert_eq!(a.flag, QualityFlag::Suppressed);
    assert!(!a.publish);
    assert_eq!(flag(&p, 100.0, 29.0, 100, None), QualityFlag::Moderate);
    let p = QualityPolicy::flag_only();
    assert_eq!(flag(&p, 100.0, 50.0, 1, Some(1.0)), QualityFlag::Low);
    assert_eq!(p.assess(None, None, 0, None).flag, QualityFlag::Empty);
}

#[test]
fn presets_by_name() {
    for name in QualityPolicy::PRESETS {
        let p = QualityPolicy::preset(name).unwrap();
        assert_eq!(p.name, name);
        p.validate().unwrap();
    }
    assert_eq!(
        QualityPolicy::preset("default").unwrap(),
        QualityPolicy::default()
    );
    let err = QualityPolicy::preset("inegi").unwrap_err();
    assert!(matches!(err, QualityError::UnknownPreset(_)));
    assert!(err.to_string().contains("nchs_rse_30"));
}

#[test]
fn policy_from_toml() {
    for name in QualityPolicy::PRESETS {
        let p = QualityPolicy::preset(name).unwrap();
        let text = p.to_toml().unwrap();
        assert_eq!(QualityPolicy::from_toml(&text).unwrap(), p);
    }
    let p = QualityPolicy::from_toml(
        r#"
        name = "strict"
        min_n = 50
        cv_bands = [{ max_cv = 0.10, flag = "reliable" }, { max_cv = 0.20, flag = "moderate" }]
        above_bands = "suppressed"
        "#,
    )
    .unwrap();
    assert_eq!(p.min_n, 50);
    assert_eq!(p.min_df, 8.0); // from the default
    assert_eq!(
        p.cv_bands[1],
        CvBand {
            max_cv: 0.20,
            flag: QualityFlag::Moderate
        }
    );
    assert_eq!(flag(&p, 100.0, 20.0, 100, None), QualityFlag::Suppressed);
    assert!(matches!(
        QualityPolicy::from_toml("min_m = 3"),
        Err(QualityError::Parse(_))
    ));
    assert!(matches!(
        QualityPolicy::from_toml(
            "cv_bands = [{ max_cv = 0.3, flag = \"reliable\" }, { max_cv = 0.15, flag = \"low\" }]"
        ),
        Err(QualityError::InvalidPolicy { .. })
    ));
    assert!(matches!(
        QualityPolicy::from_toml("above_bands = \"empty\""),
        Err(QualityError::InvalidPolicy { .. })
    ));
    assert!(matches!(
        QualityPolicy::from_toml("min_df = -1.0"),
        Err(QualityError::InvalidPolicy { .. })
    ));
}

fn results() -> DataFrame {
    df!(
        "migratory_status" => ["native_born_citizen", "foreign_born_non_citizen", "return_migrant", "native_born_non_citizen"],
        "estimate" => [Some(0.62), Some(0.55), None, Some(0.40)],
        "se" => [Some(0.01), Some(0.20), None, Some(0.08)],
        "ci_low" => [Some(0.60), Some(0.15), None, Some(0.24)],
        "ci_high" => [Some(0.64), Some(0.95), None, Some(0.56)],
        "df" => [Some(60.0), Some(3.0), None, Some(40.0)],
        "n" => [4000u32, 12, 0, 85]
    )
    .unwrap()
}

#[test]
fn tiny_domain_is_suppressed_with_its_reason_in_the_output() {
    let flagged = QualityPolicy::default().flag_frame(&results()).unwrap();
    let quality: Vec<&str> = flagged
        .column("quality")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap())
        .collect();
    assert_eq!(quality, ["reliable", "suppressed", "empty", "moderate"]);
    let reasons: Vec<Option<&str>> = flagged
        .column("quality_reason")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(reasons[0], None);
    assert_eq!(
        reasons[1],
        Some("unweighted n = 12 is below the minimum of 30")
    );
    assert_eq!(reasons[2], Some("no observations in the domain"));
    assert!(reasons[3].unwrap().contains("CV 20.0 %"));
    let publish: Vec<Option<bool>> = flagged
        .column("publish")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(publish, [Some(true), Some(false), Some(false), Some(true)]);

    // Withheld values are blanked; the row, its n and its reason stay visible.
    let out = withhold(&flagged).unwrap();
    assert_eq!(out.height(), 4);
    let est: Vec<Option<f64>> = out
        .column("estimate")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(est, [Some(0.62), None, None, Some(0.40)]);
    let hi: Vec<Option<f64>> = out
        .column("ci_high")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(hi[1], None);
    let n: Vec<Option<u32>> = out.column("n").unwrap().u32().unwrap().iter().collect();
    assert_eq!(n[1], Some(12));
    let reason = out.column("quality_reason").unwrap().str().unwrap().get(1);
    assert_eq!(reason, Some("unweighted n = 12 is below the minimum of 30"));
    let status = out
        .column("migratory_status")
        .unwrap()
        .str()
        .unwrap()
        .get(1);
    assert_eq!(status, Some("foreign_born_non_citizen"));
}

#[test]
fn flag_frame_errors() {
    let p = QualityPolicy::default();
    let no_n = results().drop("n").unwrap();
    assert!(matches!(p.flag_frame(&no_n), Err(QualityError::MissingColumn(ref c)) if c == "n"));
    let bad_n = df!("estimate" => [0.5], "se" => [0.1], "n" => [-3i64]).unwrap();
    assert!(matches!(
        p.flag_frame(&bad_n),
        Err(QualityError::BadColumn { .. })
    ));
    let text = df!("estimate" => ["0.5"], "se" => [0.1], "n" => [3i64]).unwrap();
    assert!(matches!(
        p.flag_frame(&text),
        Err(QualityError::BadColumn { .. })
    ));
    // Without a df column, df is not applicable.
    let no_df = df!("estimate" => [0.5], "se" => [0.01], "n" => [300i64]).unwrap();
    let f = p.flag_frame(&no_df).unwrap();
    assert_eq!(
        f.column("quality").unwrap().str().unwrap().get(0),
        Some("reliable")
    );
    assert!(matches!(
        withhold(&no_df),
        Err(QualityError::MissingColumn(_))
    ));
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        -1e6f64..1e6,
        proptest::num::f64::ANY,
    ]
}

proptest! {
    /// No input makes `assess` panic; `publish` always follows the flag; suppression and
    /// emptiness always carry a reason.
    #[test]
    fn assess_is_total(
        est in proptest::option::of(any_f64()),
        se in proptest::option::of(any_f64()),
        n in 0u64..200,
        df in proptest::option::of(any_f64()),
    ) {
        for p in QualityPolicy::PRESETS.map(|name| QualityPolicy::preset(name).unwrap()) {
            let a = p.assess(est, se, n, df);
            prop_assert_eq!(a.publish, a.flag.is_published());
            if !a.publish {
                prop_assert!(a.reason.is_some());
            }
            if n < p.min_n {
                prop_assert!(!a.publish);
            }
        }
    }
}

fn prop(p: &QualityPolicy, est: f64, se: f64, n: u64, df: Option<f64>) -> hri::quality::Assessment {
    p.assess_input(&QualityInput::new(Some(est), Some(se), n, df).proportion())
}

/// A proportion of exactly 0 or 1 is never called reliable without a reason, whatever the
/// preset (before: a zero was `reliable`, and a proportion of 1, with CV 0, too, silently).
#[test]
fn boundary_proportions_are_never_silently_reliable() {
    for name in QualityPolicy::PRESETS {
        let p = QualityPolicy::preset(name).unwrap();
        for est in [0.0, 1.0] {
            let a = prop(&p, est, 0.0, 500, Some(40.0));
            let reason = a.reason.clone().unwrap_or_default();
            assert!(
                a.flag != QualityFlag::Reliable && reason.contains("exactly"),
                "{name}, p = {est}: {a:?}"
            );
        }
    }
    // A mean of exactly 1 is no boundary.
    let a = QualityPolicy::default().assess(Some(1.0), Some(0.05), 500, Some(40.0));
    assert_eq!(a.flag, QualityFlag::Reliable);
}

/// The Korn–Graubard interval equals the engine's (R's `svyciprop(method = "beta")`) when
/// the effective sample size is below n, and has the Clopper–Pearson limits at 0 and 1.
#[test]
fn korn_graubard_matches_the_engine_and_closes_at_the_boundaries() {
    for (p, se, n, df) in [
        (0.5, 0.05, 200u64, Some(50.0)),
        (0.03, 0.03, 400, Some(20.0)),
        (0.97, 0.015, 300, None),
    ] {
        let (lo, hi) = korn_graubard(p, Some(se), n, df, 0.95).unwrap();
        let (elo, ehi) = hri::interval::beta(p, se, 0.95, n as f64, df);
        assert!((lo - elo).abs() < 1e-12 && (hi - ehi).abs() < 1e-12, "{p}");
    }
    // p = 0, n = 100, normal df: m = 100 (t99 / z)², upper = 1 − 0.025^(1/m).
    let (lo, hi) = korn_graubard(0.0, Some(0.0), 100, None, 0.95).unwrap();
    let t = hri::interval::quantile_t(0.025, Some(99.0));
    let z = hri::interval::quantile_t(0.025, None);
    let m = 100.0 * (t / z).powi(2);
    assert_eq!(lo, 0.0);
    assert!((hi - (1.0 - 0.025f64.powf(1.0 / m))).abs() < 1e-9, "{hi}");
    let (lo, hi) = korn_graubard(1.0, Some(0.0), 100, None, 0.95).unwrap();
    assert_eq!(hi, 1.0);
    assert!((lo - 0.025f64.powf(1.0 / m)).abs() < 1e-9);
    assert_eq!(korn_graubard(1.5, Some(0.1), 100, None, 0.95), None);
}

/// Each rule of the NCHS standards for proportions (Parker et al. 2017), in its order.
#[test]
fn nchs_2017_rules_for_proportions() {
    let p = QualityPolicy::nchs_2017();
    assert_eq!(p.proportions, Some(ProportionRules::nchs_2017()));
    // Effective sample size 0.25 / 0.1² = 25 < 30.
    let a = prop(&p, 0.5, 0.1, 200, Some(50.0));
    assert_eq!(a.flag, QualityFlag::Suppressed);
    assert!(a.reason.unwrap().contains("effective sample size 25.0"));
    // n_eff = 39, interval width about 0.32 ≥ 0.30.
    let a = prop(&p, 0.5, 0.08, 200, Some(50.0));
    assert_eq!(a.flag, QualityFlag::Suppressed, "{a:?}");
    assert!(a.reason.unwrap().contains("at or above 30.0 %"));
    // n_eff = 32, width about 0.16 < 0.30 but 5 times the estimate.
    let a = prop(&p, 0.03, 0.03, 400, Some(20.0));
    assert_eq!(a.flag, QualityFlag::Suppressed, "{a:?}");
    assert!(a.reason.unwrap().contains("relative"));
    // Width under 0.05: presented, whatever the CV (20 %, `moderate` under the CV bands).
    let a = prop(&p, 0.01, 0.002, 5000, Some(50.0));
    assert_eq!(a.flag, QualityFlag::Reliable, "{a:?}");
    assert_eq!(
        prop(&QualityPolicy::default(), 0.01, 0.002, 5000, Some(50.0)).flag,
        QualityFlag::Moderate
    );
    // Complement's relative width above 130 %: footnote.
    let a = prop(&p, 0.97, 0.015, 300, Some(50.0));
    assert_eq!(a.flag, QualityFlag::Moderate, "{a:?}");
    assert!(a.reason.unwrap().contains("complement"));
    // Fewer than 8 degrees of freedom: statistical review.
    let a = prop(&p, 0.5, 0.03, 500, Some(5.0));
    assert_eq!(a.flag, QualityFlag::Low);
    assert!(a.reason.unwrap().contains("statistical review"));
    // Exactly 0 with n = 200: presented for review; with n_eff = n = 25 suppressed.
    let a = prop(&p, 0.0, 0.0, 200, Some(40.0));
    assert_eq!(a.flag, QualityFlag::Low);
    assert!(a.publish);
    assert_eq!(
        prop(&p, 0.0, 0.0, 25, Some(40.0)).flag,
        QualityFlag::Suppressed
    );
    // Other measures keep the RSE rule.
    assert_eq!(
        p.assess(Some(100.0), Some(10.0), 59, None),
        QualityPolicy::nchs_rse_30().assess(Some(100.0), Some(10.0), 59, None)
    );
}

/// A policy file can carry its own proportion rules, and a preset name or a file path
/// both resolve.
#[test]
fn proportion_rules_from_toml_and_names() {
    let p = QualityPolicy::from_toml("name = \"office\"\n[proportions]\nmin_effective_n = 50\n")
        .unwrap();
    let rules = p.proportions.unwrap();
    assert_eq!(rules.min_effective_n, 50.0);
    assert_eq!(rules.max_ci_width, 0.30);
    assert!(
        QualityPolicy::from_toml("[proportions]\nlevel = 1.5\n")
            .unwrap_err()
            .to_string()
            .contains("level")
    );
    let back = QualityPolicy::from_toml(&QualityPolicy::nchs_2017().to_toml().unwrap()).unwrap();
    assert_eq!(back, QualityPolicy::nchs_2017());
    assert_eq!(
        QualityPolicy::from_name_or_path("nchs_2017").unwrap(),
        QualityPolicy::nchs_2017()
    );
    let dir = std::env::temp_dir().join(format!("hri-quality-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("q.toml");
    std::fs::write(&file, "name = \"mine\"\nmin_n = 50\n").unwrap();
    let q = QualityPolicy::from_name_or_path(file.to_str().unwrap()).unwrap();
    assert_eq!((q.name.as_str(), q.min_n), ("mine", 50));
    assert!(QualityPolicy::from_name_or_path("no_such_policy").is_err());
    std::fs::remove_dir_all(&dir).ok();
}
