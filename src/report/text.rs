//! Words and numbers for the report: group labels, units, p-values, statuses.

use crate::framework::{Dimension, label};
use crate::results::{CROSS, IndicatorRow, TOTAL};

use super::chart::format_number;

/// Readable name of a dimension.
pub(crate) fn dimension_title(d: Dimension) -> &'static str {
    match d {
        Dimension::MigratoryStatus => "Migratory status",
        Dimension::PlaceOfBirth => "Place of birth",
        Dimension::Sex => "Sex",
        Dimension::AgeGroup => "Age group",
        Dimension::Disability => "Disability",
        Dimension::ChildFunctioning => "Child functioning (CFM)",
        Dimension::Citizenship => "Citizenship",
        Dimension::CountryOfBirth => "Country of birth",
        Dimension::LegalStatus => "Legal status",
        Dimension::DurationOfStay => "Duration of stay",
        Dimension::UrbanRural => "Urban or rural residence",
        Dimension::Region => "Region",
        Dimension::IncomeQuintile => "Income quintile",
        Dimension::Other(name) => name,
    }
}

/// The dimension named `name` (`migratory_status`, ...).
pub(crate) fn dimension_named(name: &str) -> Option<Dimension> {
    Dimension::named(name)
}

/// `snake_case` → "Snake case".
pub(crate) fn humanize(id: &str) -> String {
    let spaced = id.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Readable label of one value of a dimension.
pub(crate) fn value_label(d: Option<Dimension>, value: &str) -> String {
    let known = match value {
        TOTAL => Some("All persons"),
        "unknown" => Some("Unknown"),
        label::NATIVE_BORN_CITIZEN => Some("Non-migrants"),
        label::NATIVE_BORN_NON_CITIZEN => Some("Native-born non-citizens"),
        label::FOREIGN_BORN_CITIZEN => Some("Foreign-born citizens"),
        label::FOREIGN_BORN_NON_CITIZEN => Some("Foreign-born non-citizens"),
        label::RETURN_MIGRANT => Some("Return migrants"),
        label::FOREIGN_BORN => Some("Foreign-born (international migrants)"),
        label::NATIVE_BORN => Some("Native-born"),
        label::NON_CITIZEN => Some("Non-citizens"),
        label::CITIZEN => Some("Citizens"),
        "recent_migrant" => Some("Recent migrants"),
        "male" => Some("Male"),
        "female" => Some("Female"),
        "with_disability" => Some("With disability"),
        "without_disability" => Some("Without disability"),
        "urban" => Some("Urban"),
        "rural" => Some("Rural"),
        "regular" => Some("Regular status"),
        "irregular" => Some("Irregular status"),
        _ => None,
    };
    if let Some(k) = known {
        return k.to_string();
    }
    if d == Some(Dimension::AgeGroup) {
        let v = value.replace('-', "–");
        if v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            return format!("Age {v}");
        }
    }
    humanize(value)
}

/// Readable label of a row's group (`Foreign-born × Female`).
pub(crate) fn group_label(row: &IndicatorRow) -> String {
    label_in(&row.disaggregation, &row.group)
}

/// Readable label of a group given as a `×`-joined label within a disaggregation.
pub(crate) fn label_in(disaggregation: &str, group: &str) -> String {
    if disaggregation == TOTAL {
        return value_label(None, TOTAL);
    }
    let dims: Vec<&str> = disaggregation.split(CROSS).collect();
    let values: Vec<&str> = group.split(CROSS).collect();
    if dims.len() != values.len() {
        return humanize(group);
    }
    dims.iter()
        .zip(values)
        .map(|(d, v)| value_label(dimension_named(d), v))
        .collect::<Vec<_>>()
        .join(" × ")
}

/// How values of a unit are shown.
#[derive(Debug, Clone)]
pub(crate) struct UnitStyle {
    /// Decimals of values.
    pub decimals: usize,
    /// Text after a value (`%`, ` years`).
    pub suffix: String,
    /// Axis label.
    pub axis: String,
    /// Word for a difference of values (`percentage points`).
    pub difference: String,
    /// Natural limits of the scale.
    pub bounds: Option<(f64, f64)>,
}

/// The style of a unit code (`PT`, `PROP`, `PER_1000`, `MXN`, ...).
pub(crate) fn unit_style(code: &str) -> UnitStyle {
    let style = |decimals, suffix: &str, axis: &str, difference: &str, bounds| UnitStyle {
        decimals,
        suffix: suffix.to_string(),
        axis: axis.to_string(),
        difference: difference.to_string(),
        bounds,
    };
    let positive = Some((0.0, f64::MAX));
    match code {
        "PT" => style(1, "%", "Percent", "percentage points", Some((0.0, 100.0))),
        "PROP" => style(3, "", "Proportion", "", Some((0.0, 1.0))),
        "MONTHS_EARN" => style(2, " months", "Months of earnings", "months", positive),
        "NUMBER" => style(0, "", "Number", "", positive),
        "YR" => style(1, " years", "Years", "years", positive),
        "HOURS" => style(1, " hours", "Hours", "hours", positive),
        "STATUS" => style(0, "", "Status", "", None),
        c if c.starts_with("PER_") => {
            let per = c.trim_start_matches("PER_");
            let per_text = per
                .parse::<f64>()
                .map(|p| format_number(p, 0))
                .unwrap_or_else(|_| per.to_string());
            style(
                1,
                &format!(" per {per_text}"),
                &format!("Rate per {per_text}"),
                &format!("per {per_text}"),
                Some((0.0, f64::MAX)),
            )
        }
        c if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()) => {
            style(0, &format!(" {c}"), c, c, positive)
        }
        c => style(2, &format!(" {c}"), c, c, None),
    }
}

impl UnitStyle {
    /// A value with its unit (`61.3%`).
    pub fn value(&self, x: f64) -> String {
        format!("{}{}", format_number(x, self.decimals), self.suffix)
    }

    /// A number without unit.
    pub fn number(&self, x: f64) -> String {
        format_number(x, self.decimals)
    }

    /// An interval (`58.1 to 64.4`).
    pub fn interval(&self, low: Option<f64>, high: Option<f64>) -> Option<String> {
        Some(format!("{} to {}", self.number(low?), self.number(high?)))
    }

    /// The size of a difference (`12.3 percentage points`).
    pub fn difference(&self, d: f64) -> String {
        let n = format_number(d.abs(), self.decimals);
        if self.difference.is_empty() {
            n
        } else {
            format!("{n} {}", self.difference)
        }
    }
}

/// A p-value in words (`p < 0.001`, `p = 0.042`).
pub(crate) fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".to_string()
    } else {
        format!("p = {:.3}", p)
    }
}

/// Direction in words.
pub(crate) fn direction_text(direction: &str) -> &'static str {
    match direction {
        "higher_is_better" => "higher is better",
        "lower_is_better" => "lower is better",
        "target" => "closer to the target is better",
        _ => "",
    }
}

/// Structural status in words.
pub(crate) fn status_text(status: &str) -> String {
    match status {
        "ratified" => "Ratified".to_string(),
        "signed" => "Signed, not ratified".to_string(),
        "not_ratified" => "Not ratified".to_string(),
        "absent" => "Absent".to_string(),
        "partial" => "Partial".to_string(),
        "complete" => "Complete".to_string(),
        "missing" => "Missing from the register".to_string(),
        other => humanize(other),
    }
}

/// Progress status in words.
pub(crate) fn progress_text(status: &str) -> String {
    match status {
        "met" => "target met".to_string(),
        "on_track" => "on track to meet the target".to_string(),
        "off_track" => "improving, but not fast enough to meet the target".to_string(),
        "moving_away" => "moving away from the target".to_string(),
        other => humanize(other),
    }
}

/// An HTML id fragment from free text.
pub(crate) fn anchor(prefix: &str, id: &str) -> String {
    let body: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_units() {
        assert_eq!(value_label(Some(Dimension::AgeGroup), "15-24"), "Age 15–24");
        assert_eq!(value_label(Some(Dimension::AgeGroup), "60+"), "Age 60+");
        assert_eq!(value_label(None, "native_born_citizen"), "Non-migrants");
        assert_eq!(
            label_in("migratory_status×sex", "foreign_born_non_citizen×female"),
            "Foreign-born non-citizens × Female"
        );
        assert_eq!(unit_style("PT").value(61.26), "61.3%");
        assert_eq!(
            unit_style("PT").difference(-12.34),
            "12.3 percentage points"
        );
        assert_eq!(
            unit_style("PER_100000").value(1234.56),
            "1,234.6 per 100,000"
        );
        assert_eq!(unit_style("MXN").value(5400.4), "5,400 MXN");
        assert_eq!(p_text(0.0001), "p < 0.001");
        assert_eq!(p_text(0.04213), "p = 0.042");
        assert_eq!(anchor("ind", "Health insurance"), "ind-health-insurance");
    }
}
