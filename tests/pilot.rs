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
