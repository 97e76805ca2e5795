//! The HTML report: structure, escaping, self-containment, and a render in headless
//! Chromium (Debian's `chromium` package; `.ci/run` installs it).

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hri::framework::IndicatorKind;
use hri::quality::QualityFlag;
use hri::report::{self, ReportOptions};
use hri::results::Results;

use crate::export::{TRICKY_NAME, fixture, out_dir, report_options};

/// Survey indicators with at least one published estimate: each must have one chart.
fn indicators_with_data(results: &Results) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in results.rows() {
        if r.kind != IndicatorKind::Structural
            && r.published
            && r.estimate.is_some()
            && !ids.contains(&r.indicator_id)
        {
            ids.push(r.indicator_id.clone());
        }
    }
    ids
}

/// The HTML of one indicator card.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!(
            "<article class=\"indicator\" id=\"ind-{}\"",
            id.replace('_', "-")
        ))
        .unwrap_or_else(|| panic!("no card for {id}"));
    let end = html[start..].find("</article>").expect("card end") + start;
    &html[start..end]
}

#[test]
fn one_chart_per_indicator_with_data_and_markers_for_withheld_figures() {
    let f = fixture();
    let html = report::render(&f.results, &report_options());
    let with_data = indicators_with_data(&f.results);
    assert!(with_data.len() >= 3, "{with_data:?}");
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        with_data.len()
    );
    for id in &with_data {
        let c = card(&html, id);
        assert_eq!(c.matches("<svg class=\"chart\"").count(), 1, "{id}");
        // Every suppressed figure of the indicator has its marker in the chart.
        let suppressed = f
            .results
            .rows()
            .iter()
            .filter(|r| {
                &r.indicator_id == id
                    && !r.published
                    && r.quality_flag.is_some_and(|q| q != QualityFlag::Empty)
            })
            .count();
        assert_eq!(c.matches("class=\"withheld\"").count(), suppressed, "{id}");
        if suppressed > 0 {
            assert!(
                c.contains("suppressed:</strong>"),
                "{id}: list of suppressed figures"
            );
        }
        // One dot per published value.
        let published = f
            .results
            .rows()
            .iter()
            .filter(|r| &r.indicator_id == id && r.published && r.estimate.is_some())
            .count();
        assert_eq!(c.matches("<circle class=\"dot").count(), published, "{id}");
    }
    assert!(
        html.matches("class=\"withheld\"").count() > 0,
        "the fixture has suppressed figures"
    );
    // The skipped indicator says why, and has no chart.
    let skipped = card(&html, "recruitment_cost");
    assert!(skipped.contains("Not computed"), "{skipped}");
    assert!(!skipped.contains("<svg"));
    // Benchmark lines where the indicator has a numeric target in range.
    assert!(card(&html, "health_insurance").contains("class=\"benchmark\""));
    assert!(card(&html, "unemployment_rate").contains("class=\"benchmark\""));
}

#[test]
fn report_says_what_an_official_needs() {
    let f = fixture();
    let html = report::render(&f.results, &report_options());
    for needle in [
        "Mexico",
        "period 2020",
        "SYNTHETIC DATA",
        "Key findings",
        "Scores (0–100)",
        "Right to health",
        "Right to work",
        "Structural commitments",
        "Ratified",
        "Signed, not ratified",
        "Missing from the register",
        "1981-03-23",
        "illustrative",
        "Non-migrants",
        "Foreign-born",
        "percentage points",
        "Country register of commitments",
        "Methods and notes",
        "Fixture data for the tests of hri.",
    ] {
        assert!(html.contains(needle), "missing: {needle}");
    }
    // A gap verdict in plain words for migrants against non-migrants.
    assert!(
        html.contains("significantly worse")
            || html.contains("significantly better")
            || html.contains("no significant difference")
    );
    assert!(html.contains("<table class=\"scores\">"));
}

#[test]
fn all_text_is_escaped() {
    let f = fixture();
    let html = report::render(&f.results, &report_options());
    assert!(!html.contains(TRICKY_NAME));
    assert!(html.contains("Covered by health insurance &lt;public&gt; &amp; &quot;private&quot;"));
    assert!(
        !html.contains("<public>")
            && !html.contains("<fixture>")
            && !html.contains("<test & escape>")
    );
    assert!(html.contains("Test survey &lt;fixture&gt;"));
    assert!(html.contains("UMN ratification page &lt;test &amp; escape&gt;"));
    assert!(html.contains("Accessibility to health facilities &amp; medicines"));
}

#[test]
fn report_is_self_contained_and_well_formed() {
    let f = fixture();
    let html = report::render(&f.results, &report_options());
    for banned in [
        "<script", "<link", "<img", "<iframe", "src=", "@import", "url(", "http://", "https://",
    ] {
        assert!(!html.contains(banned), "report contains {banned}");
    }
    assert!(
        !html.contains("NaN") && !html.contains("inf\""),
        "non-finite number in the output"
    );
    for tag in [
        "svg", "article", "section", "table", "details", "figure", "ul", "p",
    ] {
        let open =
            html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        let close = html.matches(&format!("</{tag}>")).count();
        assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
}

/// The fixture's results computed without a register.
fn results_without_register() -> Results {
    use hri::design::Design;
    use hri::pipeline::{MissingColumns, Pipeline};
    let design = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap();
    Pipeline::builder()
        .catalogue(fixture().catalogue.clone())
        .data(crate::export::fixture_data(), design)
        .time_period("2020")
        .reference_year(2020.0)
        .ref_area("MEX")
        .missing_columns(MissingColumns::Skip)
        .build()
        .unwrap()
        .run()
        .unwrap()
}

#[test]
fn report_without_register_or_catalogue_still_reads() {
    struct WithoutRegister {
        results: Results,
    }
    let f = WithoutRegister {
        results: results_without_register(),
    };
    let html = report::render(&f.results, &ReportOptions::default());
    assert!(html.contains("no register given"));
    assert!(!html.contains("SYNTHETIC DATA"), "no banner unless asked");
    assert_eq!(
        html.matches("<svg class=\"chart\"").count(),
        indicators_with_data(&f.results).len()
    );
}

#[test]
fn report_is_rendered_from_results_alone() {
    // The fixture's results were computed with a catalogue and a register: the report needs
    // nothing else, even with default options.
    let f = fixture();
    let meta = f.results.meta();
    let register = meta
        .register
        .as_ref()
        .expect("the pipeline keeps the register");
    assert_eq!(register.name, "Mexico");
    assert_eq!(register.as_of.as_deref(), Some("2024-06"));
    assert_eq!(register.entries.len(), 2);
    assert_eq!(
        meta.rights
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        f.catalogue
            .rights
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        meta.reference(hri::framework::Dimension::MigratoryStatus),
        Some("native_born_citizen")
    );
    let cescr = meta
        .indicator("health_icescr")
        .and_then(|i| i.structural.as_ref())
        .expect("the register value of a structural indicator");
    assert_eq!(cescr.date.as_deref(), Some("1981-03-23"));
    assert!(!cescr.illustrative);

    let html = report::render(&f.results, &ReportOptions::default());
    // The register section, its link, and the register's name as the country.
    assert!(html.contains("<section id=\"register\"><h2>Country register of commitments</h2>"));
    assert!(html.contains("<a href=\"#register\">"));
    assert!(html.contains("Register of Mexico, as of 2024-06"));
    assert!(html.contains("<p class=\"subtitle\">Mexico · period 2020</p>"));
    // Structural commitments with the register's dates and sources.
    assert!(!html.contains("no register given"));
    assert!(html.contains(
        "<td>1981-03-23</td><td class=\"source\">UMN ratification page &lt;test &amp; escape&gt;</td>"
    ));
    assert!(html.contains("(illustrative entry, not checked in a source)"));
    // The catalogue's benchmark source, and the rights in catalogue order.
    assert!(html.contains("(SDG target 3.8)"));
    let health = html.find("id=\"right-health\"").expect("health section");
    let work = html.find("id=\"right-work\"").expect("work section");
    assert!(health < work);
}

/// The Chromium binary: `HRI_CHROMIUM` or `/usr/bin/chromium`. Missing is a failure, not
/// a skip: CI installs it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("HRI_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "headless Chromium not found at {}: install Debian's `chromium` package \
         (`apt-get install -y chromium`, as .ci/run does) or set HRI_CHROMIUM to the binary",
        path.display()
    );
    path
}

/// Runs Chromium headless with `args`, returning (status ok, stdout, stderr); kills it
/// after `limit`.
fn run_chromium(profile: &Path, args: &[String], limit: Duration) -> (bool, String, String) {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => break Some(status),
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let out = out_thread.join().unwrap_or_default();
    let err = err_thread.join().unwrap_or_default();
    assert!(
        status.is_some(),
        "chromium did not finish within {limit:?}; stderr:\n{err}"
    );
    (status.is_some_and(|s| s.success()), out, err)
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

#[test]
fn report_renders_in_headless_chromium() {
    let f = fixture();
    let dir = out_dir("report_render");
    let written = hri::export::write_all_with(
        &f.results,
        &dir,
        &hri::export::ExportOptions::new()
            .synthetic(true)
            .report(report_options()),
    )
    .unwrap();
    let url = format!(
        "file://{}",
        written.report.canonicalize().unwrap().display()
    );
    let png = dir.join("report.png");
    let limit = Duration::from_secs(180);

    let (ok, _, err) = run_chromium(
        &dir.join("profile-screenshot"),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_string(),
            url.clone(),
        ],
        limit,
    );
    assert!(ok, "chromium --screenshot failed; stderr:\n{err}");
    let bytes = std::fs::read(&png)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{err}", png.display()));
    assert_eq!(png_size(&bytes), Some((1280, 2000)), "screenshot size");
    assert!(
        bytes.len() > 40_000,
        "screenshot is only {} bytes: blank page?",
        bytes.len()
    );
    println!("report screenshot: {}", png.display());

    let (ok, dom, err) = run_chromium(
        &dir.join("profile-dom"),
        &["--dump-dom".to_string(), url],
        limit,
    );
    assert!(ok, "chromium --dump-dom failed; stderr:\n{err}");
    std::fs::write(dir.join("report.dom.html"), &dom).unwrap();
    let charts = indicators_with_data(&f.results).len();
    assert_eq!(
        dom.matches("<svg class=\"chart\"").count(),
        charts,
        "charts in the rendered DOM"
    );
    assert!(
        dom.contains("<circle class=\"dot"),
        "dots in the rendered DOM"
    );
    assert!(dom.contains("SYNTHETIC DATA"));
    for error_text in [
        "This page contains the following errors",
        "ERR_FILE_NOT_FOUND",
        "ERR_ACCESS_DENIED",
        "Uncaught",
    ] {
        assert!(
            !dom.contains(error_text),
            "error text in the DOM: {error_text}"
        );
    }
    assert!(!err.contains("Uncaught"), "script error:\n{err}");
}

#[test]
fn report_shows_change_since_the_previous_round() {
    use hri::design::Design;
    use hri::pipeline::{MissingColumns, Pipeline};
    let f = fixture();
    let run = |period: &str, year: f64, previous: Option<Results>| {
        let design = Design::builder("w")
            .strata("stratum")
            .psu("psu")
            .build()
            .unwrap();
        let mut b = Pipeline::builder()
            .catalogue(f.catalogue.clone())
            .data(crate::export::fixture_data(), design)
            .register(f.register.clone())
            .time_period(period)
            .reference_year(year)
            .ref_area("MEX")
            .missing_columns(MissingColumns::Skip);
        if let Some(p) = previous {
            b = b.previous(p);
        }
        b.build().unwrap().run().unwrap()
    };
    let earlier = run("2015", 2015.0, None);
    let later = run("2020", 2020.0, Some(earlier));
    let html = report::render(&later, &report_options());
    assert!(
        html.contains("compared with 2015"),
        "header names the previous round"
    );
    assert!(
        html.contains("Change since 2015"),
        "headline gives the change"
    );
}
