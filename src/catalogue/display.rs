//! A readable text rendering of a catalogue (used by `hri catalogue show` and the
//! `catalogue` example).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Catalogue;
use crate::framework::{Indicator, IndicatorKind, Measure, Unit};

/// The catalogue as a readable text table: rights, their attributes and the indicators of
/// each attribute (kind, unit, measure, references, benchmark), then the dimension mapping.
pub fn render(c: &Catalogue) -> String {
    let mut out = String::new();
    let m = &c.metadata;
    let _ = writeln!(out, "{} (version {}, {})", m.name, m.version, m.country);
    let mut kinds: BTreeMap<IndicatorKind, usize> = BTreeMap::new();
    for ind in &c.indicators {
        *kinds.entry(ind.kind).or_default() += 1;
    }
    let by_kind: Vec<String> = kinds
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.as_str()))
        .collect();
    let _ = writeln!(
        out,
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
        out.push('\n');
        let _ = writeln!(out, "{}", "=".repeat(100));
        let _ = writeln!(
            out,
            "{} [{}]: {n} indicators",
            right.name.to_uppercase(),
            right.id
        );
        let _ = writeln!(out, "{}", "=".repeat(100));
        for attribute in c.attributes_of(&right.id) {
            out.push('\n');
            let _ = writeln!(out, "  {} [{}]", attribute.name, attribute.id);
            let _ = writeln!(
                out,
                "    {:<11} {:<30} {:<19} {:<20} NAME",
                "KIND", "ID", "UNIT", "MEASURE"
            );
            // Structural, then process, then outcome indicators (a stable sort keeps
            // catalogue order within a kind).
            let mut indicators: Vec<&Indicator> = c.indicators_of(&attribute.id).collect();
            indicators.sort_by_key(|i| i.kind);
            for ind in indicators {
                render_indicator(&mut out, ind);
            }
        }
    }

    out.push('\n');
    let _ = writeln!(out, "Disaggregation dimensions and their survey columns:");
    if c.dimensions.is_empty() {
        let _ = writeln!(
            out,
            "  (none mapped: each dimension is read from the column of the same name)"
        );
    }
    for (dimension, column) in &c.dimensions {
        let _ = writeln!(out, "  {:<18} -> {column}", dimension.as_str());
    }
    out
}

fn render_indicator(out: &mut String, ind: &Indicator) {
    let _ = writeln!(
        out,
        "    {:<11} {:<30} {:<19} {:<20} {}",
        ind.kind.as_str(),
        ind.id,
        unit_label(&ind.unit),
        measure_label(&ind.measure),
        ind.name
    );
    let _ = writeln!(out, "    {:<11} how: {}", "", measure_how(&ind.measure));
    let mut details = vec![format!("references: {}", ind.references.join("; "))];
    if let Some(b) = &ind.benchmark {
        let target = match &b.target {
            crate::framework::Target::Value(v) => v.to_string(),
            crate::framework::Target::Status(s) => s.clone(),
        };
        details.push(format!("target {target} by {}", b.year));
    }
    let _ = writeln!(out, "    {:<11} {}", "", details.join(" | "));
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
