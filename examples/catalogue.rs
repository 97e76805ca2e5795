//! Prints a catalogue of indicators as a readable table: its rights, their attributes and
//! the indicators of each attribute, with kind, unit, measure and references.
//!
//! ```text
//! cargo run --example catalogue                      # the built-in catalogue
//! cargo run --example catalogue -- my_catalogue.toml # any catalogue file (.toml or .json)
//! ```
//!
//! The catalogue is validated first; problems are listed and the program exits with
//! status 1.

use std::collections::BTreeMap;
use std::process::ExitCode;

use hri::catalogue::Catalogue;
use hri::framework::{Indicator, IndicatorKind, Measure, Unit};

fn main() -> ExitCode {
    let catalogue = match std::env::args_os().nth(1) {
        None => Catalogue::migrants_rights(),
        Some(path) => match Catalogue::from_path(&path) {
            Ok(catalogue) => catalogue,
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Err(report) = catalogue.validate() {
        eprintln!("error: invalid catalogue: {report}");
        return ExitCode::FAILURE;
    }
    print_catalogue(&catalogue);
    ExitCode::SUCCESS
}

fn print_catalogue(c: &Catalogue) {
    let m = &c.metadata;
    println!("{} (version {}, {})", m.name, m.version, m.country);
    let mut kinds: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for ind in &c.indicators {
        *kinds.entry(ind.kind).or_default() += 1;
    }
    let by_kind: Vec<String> = kinds
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.as_str()))
        .collect();
    println!(
        "{} rights, {} attributes, {} indicators ({}), {} with a benchmark",
        c.rights.len(),
        c.attributes.len(),
        c.indicators.len(),
        by_kind.join(", "),
        c.indicators
            .iter()
            .filter(|i| i.benchmark.is_some())
            .count(),
    );

    for right in &c.rights {
        let n = c.indicators_of_right(&right.id).count();
        println!();
        println!("{}", "=".repeat(100));
        println!(
            "{} [{}]: {n} indicators",
            right.name.to_uppercase(),
            right.id
        );
        println!("{}", "=".repeat(100));
        for attribute in c.attributes_of(&right.id) {
            println!();
            println!("  {} [{}]", attribute.name, attribute.id);
            println!(
                "    {:<11} {:<30} {:<19} {:<20} NAME",
                "KIND", "ID", "UNIT", "MEASURE"
            );
            // Structural, then process, then outcome indicators (a stable sort keeps
            // catalogue order within a kind).
            let mut indicators: Vec<&Indicator> = c.indicators_of(&attribute.id).collect();
            indicators.sort_by_key(|i| i.kind);
            for ind in indicators {
                print_indicator(ind);
            }
        }
    }

    println!();
    println!("Disaggregation dimensions and their survey columns:");
    if c.dimensions.is_empty() {
        println!("  (none mapped: each dimension is read from the column of the same name)");
    }
    for (dimension, column) in &c.dimensions {
        println!("  {:<18} -> {column}", dimension.as_str());
    }
}

fn print_indicator(ind: &Indicator) {
    println!(
        "    {:<11} {:<30} {:<19} {:<20} {}",
        ind.kind.as_str(),
        ind.id,
        unit_label(&ind.unit),
        measure_label(&ind.measure),
        ind.name
    );
    println!("    {:<11} how: {}", "", measure_how(&ind.measure));
    let mut details = vec![format!("references: {}", ind.references.join("; "))];
    if let Some(b) = &ind.benchmark {
        let target = match &b.target {
            hri::framework::Target::Value(v) => v.to_string(),
            hri::framework::Target::Status(s) => s.clone(),
        };
        details.push(format!("target {target} by {}", b.year));
    }
    println!("    {:<11} {}", "", details.join(" | "));
}

fn unit_label(unit: &Unit) -> String {
    match unit {
        Unit::Percent => "percent".into(),
        Unit::Proportion => "proportion".into(),
        Unit::RatePer { per } => format!("per {per}"),
        Unit::Currency { code } => format!("currency ({code})"),
        Unit::MonthsOfEarnings => "months of earnings".into(),
        Unit::Count => "count".into(),
        Unit::Years => "years".into(),
        Unit::Hours => "hours".into(),
        Unit::Status => "status".into(),
    }
}

fn measure_label(measure: &Measure) -> String {
    match measure {
        Measure::Proportion { .. } => "proportion".into(),
        Measure::Mean { variable, .. } => format!("mean {variable}"),
        Measure::Ratio { .. } => "ratio".into(),
        Measure::Total { variable, .. } => format!("total {variable}"),
        Measure::Quantile { p, .. } => format!("quantile p={p}"),
        Measure::Rate { per, .. } => format!("rate per {per}"),
        Measure::Structural { .. } => "register".into(),
    }
}

/// How the value is obtained, in words, with the SQL conditions.
fn measure_how(measure: &Measure) -> String {
    let within = |universe: &Option<String>| match universe {
        Some(u) => format!(" among rows where `{u}`"),
        None => " over the whole population".to_string(),
    };
    match measure {
        Measure::Proportion {
            condition,
            universe,
        } => format!("share with `{condition}`{}", within(universe)),
        Measure::Mean { variable, universe } => format!("mean of {variable}{}", within(universe)),
        Measure::Ratio {
            numerator,
            denominator,
            universe,
        } => format!(
            "total {numerator} / total {denominator}{}",
            within(universe)
        ),
        Measure::Total { variable, universe } => {
            format!("total of {variable}{}", within(universe))
        }
        Measure::Quantile {
            variable,
            p,
            universe,
        } => format!("quantile {p} of {variable}{}", within(universe)),
        Measure::Rate {
            condition,
            per,
            universe,
        } => format!("number with `{condition}` per {per}{}", within(universe)),
        Measure::Structural { entry } => format!("status of register entry `{entry}`"),
    }
}
