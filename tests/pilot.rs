//! The pilots run end to end and are reproducible: the same seed gives byte-identical
//! indicator files.

use hri::pilot::{Country, PilotOptions, run, summary};

fn small(country: Country, dir: &std::path::Path) -> PilotOptions {
    let mut o = PilotOptions::new(country);
    o.size = Some(match country {
        Country::Mexico => 6_000,
        Country::Tunisia => 1_500,
    });
    o.out_dir = Some(dir.to_path_buf());
    o.work_dir = dir.with_extension("work");
    o
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hri-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn pilots_run_twice_give_identical_files() {
    for country in [Country::Mexico, Country::Tunisia] {
        let a = tmp(&format!("pilot-{}-a", country.name()));
        let b = tmp(&format!("pilot-{}-b", country.name()));
        let ra = run(&small(country, &a)).unwrap_or_else(|e| panic!("{country:?}: {e}"));
        let rb = run(&small(country, &b)).unwrap();
        for file in [
            "indicators.csv",
            "indicators.sdmx.csv",
            "indicators.json",
            "report.html",
        ] {
            let x = std::fs::read(a.join(file)).unwrap();
            let y = std::fs::read(b.join(file)).unwrap();
            assert!(!x.is_empty(), "{country:?} {file} empty");
            assert!(x == y, "{country:?}: {file} differs between two runs");
        }
        // Every survey indicator has a total row with an estimate; the summary says synthetic.
        let text = summary(&ra);
        assert!(text.contains("SYNTHETIC"), "{text}");
        let csv = std::fs::read_to_string(a.join("indicators.csv")).unwrap();
        assert!(
            csv.lines().count() > 50,
            "{country:?}: only {} lines",
            csv.lines().count()
        );
        assert!(rb.results.meta().previous_time_period.as_deref() == Some("2015"));
        let html = std::fs::read_to_string(a.join("report.html")).unwrap();
        assert!(html.contains("<svg"), "{country:?}: no chart in the report");
    }
}

/// Text values of a column (nulls as `None`).
fn texts(df: &polars::prelude::DataFrame, name: &str) -> Vec<Option<String>> {
    let c = df
        .column(name)
        .unwrap()
        .cast(&polars::prelude::DataType::String)
        .unwrap();
    c.str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn pilots_derive_the_un_migratory_status_classes_by_their_national_definitions() {
    use hri::pilot::survey_round;
    use hri::synth::Round;
    const CLASSES: [&str; 6] = [
        "native_born_citizen",
        "native_born_non_citizen",
        "foreign_born_citizen",
        "foreign_born_non_citizen",
        "return_migrant",
        "unknown",
    ];
    // Tunisia: return migrants are native-born citizens with a year abroad or more (the UN
    // threshold), a subset of HIMS's return migrants (3 months); Tunisians born abroad are
    // foreign-born citizens, never return migrants.
    let df = survey_round(Country::Tunisia, 1_500, Round::Y2020, 7).unwrap();
    let status = texts(&df, "migratory_status");
    let hims = texts(&df, "migrant_status");
    let cob = texts(&df, "country_birth");
    let years = df
        .column("years_abroad")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect::<Vec<_>>();
    let (mut returnees, mut short_stays, mut born_abroad) = (0, 0, 0);
    for i in 0..df.height() {
        let s = status[i].as_deref().unwrap();
        assert!(CLASSES.contains(&s), "{s}");
        let h = hims[i].as_deref().unwrap();
        if s == "return_migrant" {
            returnees += 1;
            assert_eq!(cob[i].as_deref(), Some("TUN"));
            assert_eq!(h, "return_migrant");
            assert!(years[i].unwrap() >= 1.0);
        }
        if h == "return_migrant" && years[i].unwrap() < 1.0 {
            short_stays += 1;
            assert_eq!(s, "native_born_citizen");
        }
        if h == "born_abroad_tunisian" {
            born_abroad += 1;
            assert_eq!(s, "foreign_born_citizen");
        }
        if h == "foreign_resident" {
            let expected = if cob[i].as_deref() == Some("TUN") {
                "native_born_non_citizen"
            } else {
                "foreign_born_non_citizen"
            };
            assert_eq!(s, expected);
        }
        if h == "non_migrant" {
            assert_eq!(s, "native_born_citizen");
        }
    }
    assert!(returnees > 50 && short_stays > 0 && born_abroad > 0);
    // Mexico: INEGI's definition, born in Mexico and living abroad five years ago.
    let df = survey_round(Country::Mexico, 6_000, Round::Y2020, 7).unwrap();
    let status = texts(&df, "migratory_status");
    let cob = texts(&df, "pais_nac");
    let nat = texts(&df, "nacionalidad");
    let res = texts(&df, "res_5a");
    let mut counts = std::collections::BTreeMap::new();
    for i in 0..df.height() {
        let s = status[i].as_deref().unwrap();
        *counts.entry(s.to_string()).or_insert(0) += 1;
        let native = cob[i].as_deref() == Some("MEX");
        let citizen = nat[i].as_deref() == Some("1");
        let expected = match (native, citizen) {
            (true, true) if res[i].as_deref() == Some("3") => "return_migrant",
            (true, true) => "native_born_citizen",
            (true, false) => "native_born_non_citizen",
            (false, true) => "foreign_born_citizen",
            (false, false) => "foreign_born_non_citizen",
        };
        assert_eq!(s, expected, "row {i}");
    }
    assert!(counts["foreign_born_citizen"] > 0 && counts["return_migrant"] > 0);
}

#[test]
fn migratory_status_roll_ups_are_domains_of_their_own() {
    let mut o = PilotOptions::new(Country::Tunisia);
    o.size = Some(1_500);
    o.out_dir = None;
    let run = run(&o).unwrap();
    let r = &run.results;
    let id = "health_insurance";
    let part = |g: &str| r.row(id, "migratory_status", g).unwrap();
    let (fc, fn_) = (
        part("foreign_born_citizen"),
        part("foreign_born_non_citizen"),
    );
    let fb = r.row(id, "place_of_birth", "foreign_born").unwrap();
    // The roll-up holds exactly the rows and weights of its two classes ...
    assert_eq!(fb.n.unwrap(), fc.n.unwrap() + fn_.n.unwrap());
    let pop = fc.pop.unwrap() + fn_.pop.unwrap();
    assert!((fb.pop.unwrap() - pop).abs() <= 1e-9 * pop);
    // ... and is the domain estimate of their union (a ratio of weighted sums), whose
    // standard error is its own, not a combination of the classes' standard errors.
    let (ec, en) = (fc.estimate.unwrap(), fn_.estimate.unwrap());
    let union = (ec * fc.pop.unwrap() + en * fn_.pop.unwrap()) / pop;
    assert!(
        (fb.estimate.unwrap() - union).abs() < 1e-9,
        "{} vs {union}",
        fb.estimate.unwrap()
    );
    let (sc, sn) = (fc.se.unwrap(), fn_.se.unwrap());
    let naive = (sc * fc.pop.unwrap() + sn * fn_.pop.unwrap()) / pop;
    assert!(fb.se.unwrap() < naive, "{} vs {naive}", fb.se.unwrap());
    // Gaps of the roll-ups: foreign-born against native-born, non-citizens against citizens.
    assert_eq!(fb.gap_reference.as_deref(), Some("native_born"));
    let nc = r.row(id, "citizenship", "non_citizen").unwrap();
    assert_eq!(nc.gap_reference.as_deref(), Some("citizen"));
    let summary = summary(&run);
    assert!(summary.contains("foreign-b."), "{summary}");
}

#[test]
fn tunisia_sdg_10_7_1_is_the_mean_ratio_over_its_metadata_universe() {
    use hri::pilot::survey_round;
    use hri::synth::Round;
    let mut o = PilotOptions::new(Country::Tunisia);
    o.size = Some(1_500);
    o.out_dir = None;
    let run = run(&o).unwrap();
    let total = run
        .results
        .row("recruitment_cost", "total", "total")
        .unwrap();
    // The same survey, filtered by hand: wage or salary earners who changed their usual
    // residence (12 months abroad, or in Tunisia) for the job within the last 5 years.
    let df = survey_round(Country::Tunisia, 1_500, Round::Y2020, o.seed).unwrap();
    let f = |name: &str| -> Vec<Option<f64>> {
        df.column(name)
            .unwrap()
            .cast(&polars::prelude::DataType::Float64)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect()
    };
    let (ratio, emp, abroad, stay, since, w) = (
        f("recruitment_cost_months"),
        f("recruitment_employee"),
        f("years_abroad"),
        f("months_in_tunisia"),
        f("years_since_recruitment"),
        f("weight"),
    );
    let (mut n, mut sw, mut swx, mut self_employed) = (0u64, 0.0, 0.0, 0);
    for i in 0..df.height() {
        let Some(r) = ratio[i] else { continue };
        if emp[i] == Some(0.0) {
            self_employed += 1;
            continue;
        }
        let resident = abroad[i].is_some_and(|y| y >= 1.0) || stay[i].is_some_and(|m| m >= 12.0);
        if resident && since[i].is_some_and(|y| y <= 5.0) {
            n += 1;
            sw += w[i].unwrap();
            swx += w[i].unwrap() * r;
        }
    }
    assert!(self_employed > 0, "the self-employed are excluded");
    assert_eq!(total.n, Some(n));
    let mean = swx / sw;
    assert!(
        (total.estimate.unwrap() - mean).abs() < 1e-9 * mean,
        "{} vs {mean}",
        total.estimate.unwrap()
    );
}
