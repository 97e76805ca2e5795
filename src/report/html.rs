//! Assembly of the report page.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::framework::{Dimension, IndicatorKind, label};
use crate::quality::QualityFlag;
use crate::results::{
    CROSS, GapFlag, IndicatorInfo, IndicatorRow, Results, ScoreBasis, StructuralInfo, SummaryLevel,
    TOTAL,
};

use super::ReportOptions;
use super::chart::{
    Benchmark, DotChart, Mark, Point, Precision, Row, Section, Series, format_number,
};
use super::escape as e;
use super::text::{
    anchor, dimension_named, dimension_title, direction_text, group_label, humanize, label_in,
    p_text, progress_text, status_text, unit_style, value_label,
};

const ALL_COLOR: &str = "#222222";
const PALETTE: [&str; 5] = ["#E69F00", "#56B4E9", "#999999", "#882255", "#44AA99"];

fn migrant_color(value: &str, k: usize) -> String {
    match value {
        label::NATIVE_BORN_CITIZEN => "#0072B2",
        label::FOREIGN_BORN_NON_CITIZEN => "#D55E00",
        label::FOREIGN_BORN_CITIZEN => "#AA4499",
        label::RETURN_MIGRANT => "#009E73",
        label::NATIVE_BORN_NON_CITIZEN => "#CC79A7",
        _ => PALETTE[k % PALETTE.len()],
    }
    .to_string()
}

/// Everything the page needs, computed once.
/// The title of a dimension: the catalogue's label of a dimension it declares itself, the
/// standard title of a built-in one, else its name made readable.
fn title_of(labels: &std::collections::BTreeMap<String, String>, name: &str) -> String {
    if let Some(label) = labels.get(name) {
        return label.clone();
    }
    dimension_named(name)
        .map(dimension_title)
        .map(str::to_string)
        .unwrap_or_else(|| humanize(name))
}

impl Ctx<'_> {
    /// The title of the dimension `name` ([`title_of`] with the results' labels).
    fn dimension_title(&self, name: &str) -> String {
        title_of(&self.results.meta().dimension_labels, name)
    }
}

struct Ctx<'a> {
    results: &'a Results,
    o: &'a ReportOptions,
    /// Migratory-status values, reference first: (value, label, colour).
    migrants: Vec<(String, String, String)>,
    /// Position of migratory status among the results' dimensions.
    migr_pos: Option<usize>,
    /// Confidence level in percent, as text.
    level: String,
}

impl<'a> Ctx<'a> {
    fn new(results: &'a Results, o: &'a ReportOptions) -> Ctx<'a> {
        let migr_pos = results
            .dimensions()
            .iter()
            .position(|d| *d == Dimension::MigratoryStatus);
        let mut values: Vec<String> = Vec::new();
        let mut reference: Option<String> = None;
        if let Some(p) = migr_pos {
            for r in results.rows() {
                if let Some(Some(v)) = r.groups.get(p) {
                    if !values.contains(v) {
                        values.push(v.clone());
                    }
                    if r.disaggregation == Dimension::MigratoryStatus.as_str()
                        && r.gap_flag == Some(GapFlag::ReferenceGroup)
                    {
                        reference.get_or_insert_with(|| v.clone());
                    }
                }
            }
        }
        let reference = reference.or_else(|| {
            let configured = results.meta().reference(Dimension::MigratoryStatus)?;
            values.iter().find(|v| v.as_str() == configured).cloned()
        });
        if let Some(r) = &reference
            && let Some(i) = values.iter().position(|v| v == r)
        {
            let v = values.remove(i);
            values.insert(0, v);
        }
        let migrants = values
            .iter()
            .enumerate()
            .map(|(k, v)| {
                (
                    v.clone(),
                    value_label(Some(Dimension::MigratoryStatus), v),
                    migrant_color(v, k),
                )
            })
            .collect();
        Ctx {
            results,
            o,
            migrants,
            migr_pos,
            level: format_number(results.meta().level * 100.0, 0),
        }
    }

    fn indicator(&self, id: &str) -> Option<&'a IndicatorInfo> {
        self.results.meta().indicator(id)
    }

    fn rows_of(&self, id: &str) -> Vec<&'a IndicatorRow> {
        self.results
            .rows()
            .iter()
            .filter(|r| r.indicator_id == id)
            .collect()
    }

    fn right_name(&self, id: &str) -> String {
        self.results
            .summaries()
            .iter()
            .find(|s| s.level == SummaryLevel::Right && s.right.as_deref() == Some(id))
            .map(|s| s.name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| self.results.meta().right(id).map(|r| r.name.clone()))
            .unwrap_or_else(|| humanize(id))
    }

    fn attribute_name(&self, id: &str) -> String {
        self.results
            .summaries()
            .iter()
            .find(|s| s.level == SummaryLevel::Attribute && s.attribute.as_deref() == Some(id))
            .map(|s| s.name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| self.results.meta().attribute(id).map(|a| a.name.clone()))
            .unwrap_or_else(|| humanize(id))
    }

    /// Rights in catalogue order, then any others in the results' order.
    fn rights(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let present: Vec<&str> = self
            .results
            .rows()
            .iter()
            .map(|r| r.right.as_str())
            .collect();
        for r in &self.results.meta().rights {
            if present.contains(&r.id.as_str()) && !out.contains(&r.id) {
                out.push(r.id.clone());
            }
        }
        for r in present {
            if !out.iter().any(|x| x == r) {
                out.push(r.to_string());
            }
        }
        out
    }

    fn attributes_of(&self, right: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let present: Vec<&str> = self
            .results
            .rows()
            .iter()
            .filter(|r| r.right == right)
            .map(|r| r.attribute.as_str())
            .collect();
        for a in self.results.meta().attributes_of(right) {
            if present.contains(&a.id.as_str()) && !out.contains(&a.id) {
                out.push(a.id.clone());
            }
        }
        for a in present {
            if !out.iter().any(|x| x == a) {
                out.push(a.to_string());
            }
        }
        out
    }

    /// Indicator ids of an attribute, in the results' order.
    fn indicators_of(&self, attribute: &str) -> Vec<&'a IndicatorRow> {
        let mut seen = BTreeSet::new();
        self.results
            .rows()
            .iter()
            .filter(|r| r.attribute == attribute && seen.insert(r.indicator_id.clone()))
            .collect()
    }

    fn migr_value<'r>(&self, row: &'r IndicatorRow) -> Option<&'r str> {
        self.migr_pos
            .and_then(|p| row.groups.get(p))
            .and_then(|v| v.as_deref())
    }

    fn series_of(&self, value: &str) -> Option<usize> {
        self.migrants
            .iter()
            .position(|(v, _, _)| v == value)
            .map(|i| i + 1)
    }

    fn reference_label(&self) -> String {
        self.migrants
            .first()
            .map(|(_, l, _)| l.to_lowercase())
            .unwrap_or_else(|| "the reference group".to_string())
    }

    /// The register entry a structural indicator read.
    fn structural_value(&self, id: &str) -> Option<&'a StructuralInfo> {
        self.indicator(id)?.structural.as_ref()
    }
}

/// The text of one `note` entry (`key: reason`).
fn note_entry(row: &IndicatorRow, key: &str) -> Option<String> {
    let note = row.note.as_deref()?;
    let prefix = format!("{key}: ");
    note.split("; ")
        .find_map(|part| part.strip_prefix(prefix.as_str()))
        .map(str::to_string)
}

fn withheld_reason(row: &IndicatorRow) -> String {
    row.quality_reason
        .clone()
        .or_else(|| note_entry(row, "estimate"))
        .unwrap_or_else(|| "not published".to_string())
}

fn mark_of(row: &IndicatorRow) -> Mark {
    match (row.published, row.estimate, row.quality_flag) {
        (_, _, Some(QualityFlag::Empty)) => Mark::Missing {
            reason: "no observation in the sample".to_string(),
        },
        (true, Some(x), flag) => Mark::Value {
            estimate: x,
            low: row.ci_low,
            high: row.ci_high,
            precision: match flag {
                Some(QualityFlag::Low) => Precision::Low,
                Some(QualityFlag::Moderate) => Precision::Moderate,
                _ => Precision::Reliable,
            },
        },
        (false, _, Some(_)) => Mark::Withheld {
            reason: withheld_reason(row),
        },
        _ => Mark::Missing {
            reason: note_entry(row, "estimate").unwrap_or_else(|| "not estimated".to_string()),
        },
    }
}

/// The page.
pub(crate) fn page(results: &Results, o: &ReportOptions) -> String {
    let ctx = Ctx::new(results, o);
    let meta = results.meta();
    let title = o
        .title
        .clone()
        .unwrap_or_else(|| "Human-rights indicators for migrants".to_string());
    let country = o
        .country
        .clone()
        .or_else(|| {
            meta.register
                .as_ref()
                .map(|r| r.name.clone())
                .filter(|n| !n.is_empty())
        })
        .unwrap_or_else(|| meta.ref_area.clone());
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let synthetic_tag = if o.synthetic { " (SYNTHETIC DATA)" } else { "" };
    let _ = writeln!(
        h,
        "<title>{} — {}, {}{}</title>",
        e(&title),
        e(&country),
        e(&meta.time_period),
        synthetic_tag
    );
    let _ = writeln!(h, "<style>{CSS}</style>\n</head>\n<body>");
    if o.synthetic {
        h.push_str("<div class=\"banner synthetic\" role=\"note\"><strong>SYNTHETIC DATA.</strong> Every figure on this page was computed from synthetic survey microdata generated for testing and demonstration. The figures are not statistics of the country and must not be quoted as such.</div>\n");
    }
    h.push_str("<main>\n");
    header(&mut h, &ctx, &title, &country);
    toc(&mut h, &ctx);
    how_to_read(&mut h, &ctx);
    findings(&mut h, &ctx);
    scores(&mut h, &ctx);
    for right in ctx.rights() {
        right_section(&mut h, &ctx, &right);
    }
    register_section(&mut h, &ctx);
    metadata_section(&mut h, &ctx);
    methods(&mut h, &ctx);
    h.push_str("</main>\n");
    let _ = writeln!(
        h,
        "<footer>Produced with hri {} (OHCHR human-rights indicator framework).{}</footer>",
        env!("CARGO_PKG_VERSION"),
        if o.synthetic { " SYNTHETIC DATA." } else { "" }
    );
    h.push_str("</body>\n</html>\n");
    h
}

fn header(h: &mut String, ctx: &Ctx<'_>, title: &str, country: &str) {
    let meta = ctx.results.meta();
    let _ = writeln!(h, "<header><h1>{}</h1>", e(title));
    let mut sub = vec![e(country)];
    if let Some(s) = &ctx.o.survey {
        sub.push(e(s));
    }
    sub.push(format!("period {}", e(&meta.time_period)));
    let _ = writeln!(h, "<p class=\"subtitle\">{}</p>", sub.join(" · "));
    h.push_str("<dl class=\"meta\">");
    let mut item = |k: &str, v: String| {
        let _ = write!(h, "<div><dt>{}</dt><dd>{}</dd></div>", e(k), v);
    };
    item("Country", format!("{} ({})", e(country), e(&meta.ref_area)));
    if let Some(s) = &ctx.o.survey {
        item("Survey", e(s));
    }
    let mut period = e(&meta.time_period);
    if let Some(p) = &meta.previous_time_period {
        let _ = write!(period, ", compared with {}", e(p));
    }
    item("Period", period);
    item(
        "Indicator catalogue",
        format!(
            "{} (version {})",
            e(&meta.catalogue),
            e(&meta.catalogue_version)
        ),
    );
    item(
        "Data",
        if ctx.o.synthetic {
            "<strong class=\"synthetic-tag\">synthetic</strong>".to_string()
        } else {
            "survey microdata".to_string()
        },
    );
    h.push_str("</dl></header>\n");
}

fn toc(h: &mut String, ctx: &Ctx<'_>) {
    h.push_str("<nav class=\"toc\"><h2>Contents</h2><ol>");
    h.push_str("<li><a href=\"#how-to-read\">How to read this report</a></li>");
    h.push_str("<li><a href=\"#findings\">Key findings</a></li>");
    h.push_str("<li><a href=\"#scores\">Scores</a></li>");
    for right in ctx.rights() {
        let _ = write!(
            h,
            "<li><a href=\"#{}\">{}</a></li>",
            e(&anchor("right", &right)),
            e(&ctx.right_name(&right))
        );
    }
    if ctx.results.meta().register.is_some() {
        h.push_str("<li><a href=\"#register\">Country register of commitments</a></li>");
    }
    h.push_str("<li><a href=\"#metadata\">Indicator metadata</a></li>");
    h.push_str("<li><a href=\"#methods\">Methods and notes</a></li></ol></nav>\n");
}

fn how_to_read(h: &mut String, ctx: &Ctx<'_>) {
    let reference = e(&ctx.reference_label());
    let _ = writeln!(
        h,
        "<section id=\"how-to-read\" class=\"box\"><h2>How to read this report</h2>\
<p>The OHCHR framework splits each right into <em>attributes</em> and measures each attribute with <em>structural</em> indicators (the State's commitments: treaties, laws, policies), <em>process</em> indicators (efforts) and <em>outcome</em> indicators (results). Every survey figure is shown for all persons and by migratory status, sex, age group and disability, and each migrant group is compared with {reference} (native-born citizens).</p>\
<ul class=\"legend-list\">\
<li>{dot} estimate, with a line for its {level}% confidence interval (the range that contains the true value with {level}% confidence);</li>\
<li>{hollow} low precision: published with a warning, read with caution;</li>\
<li><span class=\"sym-text\">suppressed</span> the figure is withheld because too few people were interviewed to estimate it reliably; the reason is given below the chart;</li>\
<li>{bench} the benchmark target.</li></ul>\
<p>A gap is <em>significant</em> when the difference with {reference} is larger than sampling error alone would plausibly produce (p-value below {alpha}). Scores put every indicator on a 0–100 scale (100 = target reached or full commitment) and average them per attribute, right and overall.</p></section>",
        level = ctx.level,
        alpha = format_number(1.0 - ctx.results.meta().level, 2),
        dot = SYM_DOT,
        hollow = SYM_HOLLOW,
        bench = SYM_BENCH,
    );
}

/// Survey indicators (rows of the whole population).
fn survey_totals<'a>(ctx: &Ctx<'a>) -> Vec<&'a IndicatorRow> {
    ctx.results
        .rows()
        .iter()
        .filter(|r| r.kind != IndicatorKind::Structural && r.disaggregation == TOTAL)
        .collect()
}

fn findings(h: &mut String, ctx: &Ctx<'_>) {
    h.push_str("<section id=\"findings\"><h2>Key findings</h2>");
    let totals = survey_totals(ctx);
    let migr = Dimension::MigratoryStatus.as_str();
    let mut any = false;
    h.push_str("<ul class=\"findings\">");
    for (value, label, _) in ctx.migrants.iter().skip(1) {
        let mut worse = Vec::new();
        let mut better = Vec::new();
        let mut same = 0usize;
        let mut unknown = 0usize;
        for t in &totals {
            let row = ctx.results.rows().iter().find(|r| {
                r.indicator_id == t.indicator_id && r.disaggregation == migr && r.group == *value
            });
            match row.and_then(|r| r.gap_flag) {
                Some(GapFlag::SignificantlyWorse) => worse.push(t.indicator_name.clone()),
                Some(GapFlag::SignificantlyBetter) => better.push(t.indicator_name.clone()),
                Some(GapFlag::NoSignificantDifference) => same += 1,
                _ => unknown += 1,
            }
        }
        let compared = worse.len() + better.len() + same;
        if compared == 0 {
            continue;
        }
        any = true;
        let list = |v: &[String]| v.iter().map(|x| e(x)).collect::<Vec<_>>().join("; ");
        let _ = write!(
            h,
            "<li><strong>{}</strong> are significantly worse off than {} on <strong class=\"worse\">{} of {}</strong> indicators compared",
            e(label),
            e(&ctx.reference_label()),
            worse.len(),
            compared
        );
        if !worse.is_empty() {
            let _ = write!(h, " ({})", list(&worse));
        }
        let _ = write!(
            h,
            ", better off on <strong class=\"better\">{}</strong>",
            better.len()
        );
        if !better.is_empty() {
            let _ = write!(h, " ({})", list(&better));
        }
        let _ = write!(h, ", with no significant difference on {same}");
        if unknown > 0 {
            let _ = write!(
                h,
                "; {unknown} could not be compared (figure withheld or not estimated)"
            );
        }
        h.push_str(".</li>");
    }
    let rows = ctx.results.rows();
    let withheld = rows
        .iter()
        .filter(|r| {
            r.kind != IndicatorKind::Structural
                && r.quality_flag.is_some_and(|q| q != QualityFlag::Empty)
                && !r.published
        })
        .count();
    let empty = rows
        .iter()
        .filter(|r| r.quality_flag == Some(QualityFlag::Empty))
        .count();
    let low = rows
        .iter()
        .filter(|r| r.quality_flag == Some(QualityFlag::Low) && r.published)
        .count();
    let survey_rows = rows
        .iter()
        .filter(|r| r.kind != IndicatorKind::Structural && r.quality_flag.is_some())
        .count();
    let _ = write!(
        h,
        "<li>{survey_rows} survey figures were computed; <strong>{withheld}</strong> are suppressed (too few observations or too imprecise) and <strong>{low}</strong> are published with a low-precision warning{}.</li>",
        if empty > 0 {
            format!("; {empty} groups have no observation in the sample")
        } else {
            String::new()
        }
    );
    let structural: Vec<&IndicatorRow> = rows
        .iter()
        .filter(|r| r.kind == IndicatorKind::Structural)
        .collect();
    if !structural.is_empty() {
        let count = |s: &str| {
            structural
                .iter()
                .filter(|r| r.structural_status.as_deref() == Some(s))
                .count()
        };
        let _ = write!(
            h,
            "<li>Commitments: {} structural indicators — {} ratified, {} signed only, {} not ratified, {} complete, {} partial, {} absent, {} missing from the register.</li>",
            structural.len(),
            count("ratified"),
            count("signed"),
            count("not_ratified"),
            count("complete"),
            count("partial"),
            count("absent"),
            count("missing"),
        );
    }
    if !any && ctx.migrants.len() < 2 {
        h.push_str("<li>The results have no migratory-status breakdown to compare groups.</li>");
    }
    h.push_str("</ul></section>\n");
}

fn score_cell(score: Option<f64>, note: Option<&str>) -> String {
    match score.filter(|s| s.is_finite()) {
        Some(s) => format!(
            "<td class=\"score\"><span class=\"bar\"><span style=\"width:{:.0}%\"></span></span><span class=\"num\">{}</span></td>",
            s.clamp(0.0, 100.0),
            format_number(s, 0)
        ),
        None => format!(
            "<td class=\"score na\" title=\"{}\">—</td>",
            e(note.unwrap_or("no score"))
        ),
    }
}

/// Columns of the score tables: (disaggregation, group, label).
fn score_columns(ctx: &Ctx<'_>) -> Vec<(String, String, String)> {
    let mut cols = vec![(
        TOTAL.to_string(),
        TOTAL.to_string(),
        "All persons".to_string(),
    )];
    for (v, l, _) in &ctx.migrants {
        cols.push((
            Dimension::MigratoryStatus.as_str().to_string(),
            v.clone(),
            l.clone(),
        ));
    }
    cols
}

/// One row of a score table: level, id, kind (`None`: composite), basis, label.
type ScoreItem = (
    SummaryLevel,
    String,
    Option<IndicatorKind>,
    ScoreBasis,
    String,
);

fn score_table(h: &mut String, ctx: &Ctx<'_>, caption: &str, items: &[ScoreItem]) {
    if items.is_empty() {
        return;
    }
    let cols = score_columns(ctx);
    let _ = write!(
        h,
        "<table class=\"scores\"><caption>{}</caption><thead><tr><th></th>",
        e(caption)
    );
    for (_, _, l) in &cols {
        let _ = write!(h, "<th>{}</th>", e(l));
    }
    h.push_str("</tr></thead><tbody>");
    for (level, id, kind, basis, name) in items {
        let _ = write!(h, "<tr><th scope=\"row\">{}</th>", e(name));
        for (d, g, _) in &cols {
            let s = ctx.results.summary_of(*level, id, *kind, *basis, d, g);
            h.push_str(&score_cell(
                s.and_then(|s| s.score),
                s.and_then(|s| s.note.as_deref()),
            ));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// The kinds of the roll-ups present for `level` and `id` (in the order structural,
/// process, outcome), then the composite when the catalogue asked for one.
fn kinds_of(
    ctx: &Ctx<'_>,
    level: SummaryLevel,
    id: &str,
    basis: ScoreBasis,
) -> Vec<Option<IndicatorKind>> {
    [
        Some(IndicatorKind::Structural),
        Some(IndicatorKind::Process),
        Some(IndicatorKind::Outcome),
        None,
    ]
    .into_iter()
    .filter(|k| {
        ctx.results
            .summary_of(level, id, *k, basis, TOTAL, TOTAL)
            .is_some()
            || ctx.results.summaries().iter().any(|s| {
                s.level == level
                    && s.kind == *k
                    && s.basis == basis
                    && match level {
                        SummaryLevel::Attribute => s.attribute.as_deref() == Some(id),
                        SummaryLevel::Right => s.right.as_deref() == Some(id),
                        SummaryLevel::Overall => true,
                    }
            })
    })
    .collect()
}

fn kind_label(kind: Option<IndicatorKind>) -> &'static str {
    match kind {
        Some(IndicatorKind::Structural) => "structural",
        Some(IndicatorKind::Process) => "process",
        Some(IndicatorKind::Outcome) => "outcome",
        None => "composite",
    }
}

fn right_items(ctx: &Ctx<'_>, basis: ScoreBasis) -> Vec<ScoreItem> {
    let mut items = Vec::new();
    for r in ctx.rights() {
        let name = ctx.right_name(&r);
        for kind in kinds_of(ctx, SummaryLevel::Right, &r, basis) {
            let mut label = format!("{name} — {}", kind_label(kind));
            if kind.is_none()
                && let Some(w) = ctx
                    .results
                    .summaries()
                    .iter()
                    .find(|s| s.right.as_deref() == Some(r.as_str()) && s.kind.is_none())
                    .and_then(|s| s.weights.as_deref())
            {
                label.push_str(&format!(" ({w})"));
            }
            items.push((SummaryLevel::Right, r.clone(), kind, basis, label));
        }
    }
    items
}

fn scores(h: &mut String, ctx: &Ctx<'_>) {
    h.push_str("<section id=\"scores\"><h2>Scores (0–100)</h2>");
    let mut items = Vec::new();
    if let Some(o) = ctx
        .results
        .summaries()
        .iter()
        .find(|s| s.level == SummaryLevel::Overall && s.basis == ScoreBasis::Level)
    {
        let label = match &o.weights {
            Some(w) => format!("Overall composite ({w})"),
            None => "Overall composite".to_string(),
        };
        items.push((
            SummaryLevel::Overall,
            String::new(),
            None,
            ScoreBasis::Level,
            label,
        ));
    }
    items.extend(right_items(ctx, ScoreBasis::Level));
    score_table(
        h,
        ctx,
        "Level scores by right and kind of indicator (structural, process, outcome), all persons and by migratory status",
        &items,
    );
    score_table(
        h,
        ctx,
        "Non-discrimination scores (parity of each group with its reference group, 100 = parity), by right and kind",
        &right_items(ctx, ScoreBasis::Parity),
    );
    // Every group's overall composite, when the catalogue asks for one.
    let overall: Vec<_> = ctx
        .results
        .summaries()
        .iter()
        .filter(|s| {
            s.level == SummaryLevel::Overall
                && s.basis == ScoreBasis::Level
                && s.disaggregation != TOTAL
        })
        .collect();
    if !overall.is_empty() {
        h.push_str("<details><summary>Overall composite of every group</summary><table class=\"scores groups\"><thead><tr><th>Group</th><th>Overall composite</th><th>Rights scored</th></tr></thead><tbody>");
        for s in overall {
            let _ = write!(
                h,
                "<tr><th scope=\"row\">{}</th>{}<td>{} of {}</td></tr>",
                e(&label_in(&s.disaggregation, &s.group)),
                score_cell(s.score, s.note.as_deref()),
                s.available,
                s.expected
            );
        }
        h.push_str("</tbody></table></details>");
    }
    h.push_str("<p class=\"small\">Scores of structural, process and outcome indicators are rolled up apart, and the non-discrimination (gap) scores apart from the level scores; a composite appears only when the catalogue asks for one, with its weights. A dash means too few indicators have a score for the group (hover for the reason).</p></section>\n");
}

fn right_section(h: &mut String, ctx: &Ctx<'_>, right: &str) {
    let _ = write!(
        h,
        "<section class=\"right\" id=\"{}\"><h2>{}</h2>",
        e(&anchor("right", right)),
        e(&ctx.right_name(right))
    );
    let attributes = ctx.attributes_of(right);
    let mut items: Vec<ScoreItem> = Vec::new();
    for a in &attributes {
        let name = ctx.attribute_name(a);
        for kind in kinds_of(ctx, SummaryLevel::Attribute, a, ScoreBasis::Level) {
            items.push((
                SummaryLevel::Attribute,
                a.clone(),
                kind,
                ScoreBasis::Level,
                format!("{name} — {}", kind_label(kind)),
            ));
        }
    }
    score_table(
        h,
        ctx,
        "Attribute level scores by kind of indicator",
        &items,
    );
    for a in &attributes {
        let _ = write!(
            h,
            "<section class=\"attribute\" id=\"{}\"><h3>{}</h3>",
            e(&anchor("attribute", a)),
            e(&ctx.attribute_name(a))
        );
        let indicators = ctx.indicators_of(a);
        let structural: Vec<_> = indicators
            .iter()
            .filter(|r| r.kind == IndicatorKind::Structural)
            .copied()
            .collect();
        if !structural.is_empty() {
            structural_table(h, ctx, &structural);
        }
        for r in indicators
            .iter()
            .filter(|r| r.kind != IndicatorKind::Structural)
        {
            indicator_card(h, ctx, &r.indicator_id);
        }
        h.push_str("</section>");
    }
    h.push_str("</section>\n");
}

fn status_badge(status: &str) -> String {
    format!(
        "<span class=\"status status-{}\">{}</span>",
        e(status),
        e(&status_text(status))
    )
}

fn structural_table(h: &mut String, ctx: &Ctx<'_>, rows: &[&IndicatorRow]) {
    h.push_str("<table class=\"commitments\"><caption>Structural commitments</caption><thead><tr><th>Commitment</th><th>Status</th><th>Date</th><th>Source</th><th>Benchmark</th></tr></thead><tbody>");
    for r in rows {
        let status = r.structural_status.as_deref().unwrap_or("missing");
        let value = ctx.structural_value(&r.indicator_id);
        let date = value
            .and_then(|v| v.date.clone())
            .unwrap_or_else(|| "—".to_string());
        let mut source = value
            .and_then(|v| v.source.as_deref())
            .map(e)
            .unwrap_or_else(|| {
                if ctx.results.meta().register.is_none() {
                    "no register given".to_string()
                } else {
                    "—".to_string()
                }
            });
        if value.is_some_and(|v| v.illustrative) {
            source.push_str(
                " <span class=\"flag-text\">(illustrative entry, not checked in a source)</span>",
            );
        }
        let benchmark = match (&r.benchmark_target_status, r.benchmark_year) {
            (Some(t), Some(y)) => {
                let met = match r.target_met {
                    Some(true) => " — <span class=\"better\">met</span>",
                    Some(false) => " — <span class=\"worse\">not met</span>",
                    None => "",
                };
                format!("{} by {y}{met}", e(&status_text(t)))
            }
            _ => "—".to_string(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"source\">{}</td><td>{}</td></tr>",
            e(&r.indicator_name),
            status_badge(status),
            e(&date),
            source,
            benchmark
        );
    }
    h.push_str("</tbody></table>");
}

/// The chart of a survey indicator's rows.
fn indicator_chart(ctx: &Ctx<'_>, rows: &[&IndicatorRow]) -> Option<DotChart> {
    let first = rows.first()?;
    let unit = unit_style(&first.unit);
    let mut series = vec![Series {
        name: "All persons".to_string(),
        color: ALL_COLOR.to_string(),
    }];
    series.extend(ctx.migrants.iter().map(|(_, l, c)| Series {
        name: l.clone(),
        color: c.clone(),
    }));
    let migr = Dimension::MigratoryStatus.as_str();
    let mut sections = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();

    if let Some(t) = rows.iter().find(|r| r.disaggregation == TOTAL) {
        used.insert(TOTAL.to_string());
        sections.push(Section {
            title: String::new(),
            rows: vec![Row {
                label: "All persons".to_string(),
                points: vec![Point {
                    series: 0,
                    mark: mark_of(t),
                }],
            }],
        });
    }
    let by_migr: Vec<_> = rows.iter().filter(|r| r.disaggregation == migr).collect();
    if !by_migr.is_empty() {
        used.insert(migr.to_string());
        let mut chart_rows = Vec::new();
        for (v, l, _) in &ctx.migrants {
            if let Some(r) = by_migr
                .iter()
                .find(|r| ctx.migr_value(r) == Some(v.as_str()))
            {
                chart_rows.push(Row {
                    label: l.clone(),
                    points: vec![Point {
                        series: ctx.series_of(v).unwrap_or(0),
                        mark: mark_of(r),
                    }],
                });
            }
        }
        sections.push(Section {
            title: "By migratory status".to_string(),
            rows: chart_rows,
        });
    }
    // Each other dimension: alone (all persons) and crossed with migratory status.
    for (pos, d) in ctx.results.dimensions().iter().enumerate() {
        if *d == Dimension::MigratoryStatus {
            continue;
        }
        let single = d.as_str().to_string();
        let crossed = [
            format!("{migr}{CROSS}{single}"),
            format!("{single}{CROSS}{migr}"),
        ];
        let relevant: Vec<&&IndicatorRow> = rows
            .iter()
            .filter(|r| r.disaggregation == single || crossed.contains(&r.disaggregation))
            .collect();
        if relevant.is_empty() {
            continue;
        }
        used.insert(single.clone());
        used.extend(crossed.iter().cloned());
        let mut values: Vec<String> = Vec::new();
        for r in &relevant {
            if let Some(Some(v)) = r.groups.get(pos)
                && !values.contains(v)
            {
                values.push(v.clone());
            }
        }
        let mut chart_rows = Vec::new();
        for v in &values {
            let value_of =
                |r: &IndicatorRow| r.groups.get(pos).and_then(|x| x.as_deref()) == Some(v.as_str());
            let mut points = Vec::new();
            if let Some(r) = relevant
                .iter()
                .find(|r| r.disaggregation == single && value_of(r))
            {
                points.push(Point {
                    series: 0,
                    mark: mark_of(r),
                });
            }
            for (mv, _, _) in &ctx.migrants {
                if let Some(r) = relevant.iter().find(|r| {
                    r.disaggregation != single
                        && value_of(r)
                        && ctx.migr_value(r) == Some(mv.as_str())
                }) {
                    points.push(Point {
                        series: ctx.series_of(mv).unwrap_or(0),
                        mark: mark_of(r),
                    });
                }
            }
            chart_rows.push(Row {
                label: value_label(Some(*d), v),
                points,
            });
        }
        sections.push(Section {
            title: format!("By {}", ctx.dimension_title(d.as_str()).to_lowercase()),
            rows: chart_rows,
        });
    }
    // Any other disaggregation: one row per group.
    let mut others: Vec<String> = Vec::new();
    for r in rows {
        if !used.contains(&r.disaggregation) && !others.contains(&r.disaggregation) {
            others.push(r.disaggregation.clone());
        }
    }
    for d in others {
        let title = d
            .split(CROSS)
            .map(|x| ctx.dimension_title(x))
            .collect::<Vec<_>>()
            .join(" × ");
        sections.push(Section {
            title: format!("By {}", title.to_lowercase()),
            rows: rows
                .iter()
                .filter(|r| r.disaggregation == d)
                .map(|r| Row {
                    label: group_label(r),
                    points: vec![Point {
                        series: 0,
                        mark: mark_of(r),
                    }],
                })
                .collect(),
        });
    }
    let benchmark = first
        .benchmark_target
        .filter(|v| v.is_finite())
        .map(|v| Benchmark {
            value: v,
            label: match first.benchmark_year {
                Some(y) => format!("Target {} by {y}", unit.value(v)),
                None => format!("Target {}", unit.value(v)),
            },
        });
    // Rows with nothing but missing points (e.g. the unemployment of children) say nothing.
    for section in &mut sections {
        section.rows.retain(|r| {
            !r.points
                .iter()
                .all(|p| matches!(p.mark, Mark::Missing { .. }))
        });
    }
    sections.retain(|s| !s.rows.is_empty());
    let chart = DotChart {
        title: first.indicator_name.clone(),
        axis_label: unit.axis.clone(),
        series,
        sections,
        benchmark,
        bounds: unit.bounds,
        decimals: unit.decimals,
    };
    (chart.value_count() > 0).then_some(chart)
}

/// The gap of one row in words (None when the row is the reference group or has no
/// reference).
fn gap_sentence(ctx: &Ctx<'_>, row: &IndicatorRow) -> Option<(String, &'static str)> {
    let reference = row.gap_reference.as_deref()?;
    if row.gap_flag == Some(GapFlag::ReferenceGroup) {
        return None;
    }
    let unit = unit_style(&row.unit);
    let label = e(&group_label(row));
    let ref_label = e(&label_in(&row.disaggregation, reference).to_lowercase());
    if !row.published {
        return Some((
            format!("{label}: figure suppressed ({}).", e(&withheld_reason(row))),
            "withheld",
        ));
    }
    let Some(x) = row.estimate else {
        return Some((format!("{label}: no estimate."), "withheld"));
    };
    let ref_row = ctx
        .results
        .row(&row.indicator_id, &row.disaggregation, reference);
    let ref_value = ref_row.and_then(|r| r.estimate);
    let mut s = format!("{label}: <strong>{}</strong>", e(&unit.value(x)));
    if let Some(rv) = ref_value {
        let _ = write!(s, " against {} for {ref_label}", e(&unit.value(rv)));
    }
    let (Some(diff), Some(flag)) = (row.gap_difference, row.gap_flag) else {
        let why = note_entry(row, "gap").unwrap_or_else(|| "not computed".to_string());
        let _ = write!(s, "; gap not computed ({}).", e(&why));
        return Some((s, "withheld"));
    };
    let side = if diff > 0.0 {
        "higher"
    } else if diff < 0.0 {
        "lower"
    } else {
        "the same"
    };
    if diff == 0.0 {
        s.push_str(": no difference");
    } else {
        let _ = write!(s, ": {} {side}", e(&unit.difference(diff)));
    }
    if let Some(ci) = unit.interval(row.gap_ci_low, row.gap_ci_high) {
        let _ = write!(s, " ({}% CI of the difference {})", ctx.level, e(&ci));
    }
    let p = row
        .gap_p_value
        .map(p_text)
        .map(|p| format!(", {p}"))
        .unwrap_or_default();
    let (verdict, class) = match flag {
        GapFlag::SignificantlyWorse => ("significantly worse", "worse"),
        GapFlag::SignificantlyBetter => ("significantly better", "better"),
        GapFlag::NoSignificantDifference => ("no significant difference", "ns"),
        GapFlag::ReferenceGroup => return None,
    };
    let _ = write!(s, " — <strong class=\"{class}\">{verdict}</strong>{p}.");
    Some((s, class))
}

fn indicator_card(h: &mut String, ctx: &Ctx<'_>, id: &str) {
    let rows = ctx.rows_of(id);
    let Some(first) = rows.first() else { return };
    let unit = unit_style(&first.unit);
    let meta = ctx.indicator(id);
    let _ = write!(
        h,
        "<article class=\"indicator\" id=\"{}\"><h4>{} <span class=\"badge kind-{}\">{}</span></h4>",
        e(&anchor("ind", id)),
        e(&first.indicator_name),
        e(first.kind.as_str()),
        e(&humanize(first.kind.as_str()))
    );
    let mut facts = vec![e(&unit.axis), e(direction_text(&first.direction))];
    if let (Some(t), Some(y)) = (first.benchmark_target, first.benchmark_year) {
        let mut b = format!("benchmark {} by {y}", e(&unit.value(t)));
        if let Some(src) = meta.and_then(|m| m.benchmark_source.clone())
            && !src.is_empty()
        {
            let _ = write!(b, " ({})", e(&src));
        }
        facts.push(b);
    } else if let Some(t) = meta.and_then(|m| m.benchmark_value) {
        facts.push(format!("benchmark {}", e(&unit.value(t))));
    }
    facts.retain(|f| !f.is_empty());
    let _ = write!(h, "<p class=\"facts\">{}</p>", facts.join(" · "));
    if let Some(notes) = meta.and_then(|m| m.notes.as_deref()) {
        let _ = write!(h, "<p class=\"desc\">{}</p>", e(notes));
    }

    // Skipped indicator.
    if first.quality_flag.is_none() {
        let why = ctx
            .results
            .meta()
            .skipped
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, w)| w.clone())
            .or_else(|| note_entry(first, "estimate"))
            .unwrap_or_else(|| "not computed".to_string());
        let _ = write!(
            h,
            "<p class=\"no-data\">Not computed: {}.</p></article>",
            e(&why)
        );
        return;
    }

    // Headline for all persons.
    if let Some(t) = rows.iter().find(|r| r.disaggregation == TOTAL) {
        h.push_str("<p class=\"headline\">All persons: ");
        match (t.published, t.estimate) {
            (true, Some(x)) => {
                let _ = write!(h, "<strong>{}</strong>", e(&unit.value(x)));
                if let Some(ci) = unit.interval(t.ci_low, t.ci_high) {
                    let _ = write!(h, " ({}% CI {})", ctx.level, e(&ci));
                }
                if t.quality_flag == Some(QualityFlag::Low) {
                    h.push_str(" <span class=\"flag-text\">low precision</span>");
                }
                match (t.target_met, t.distance) {
                    (Some(true), _) => h.push_str(". <span class=\"better\">Target met.</span>"),
                    (Some(false), Some(d)) => {
                        let _ = write!(h, ". Target not met: {} to go.", e(&unit.difference(d)));
                    }
                    _ => h.push('.'),
                }
                if let (Some(c), Some(prev)) = (t.change, &ctx.results.meta().previous_time_period)
                {
                    let sign = if c > 0.0 { "+" } else { "" };
                    let _ = write!(
                        h,
                        " Change since {}: {}{}",
                        e(prev),
                        sign,
                        e(&format_number(c, unit.decimals))
                    );
                    if let Some(p) = &t.progress_status {
                        let _ = write!(h, " ({})", e(&progress_text(p)));
                    }
                    h.push('.');
                }
            }
            _ => {
                let _ = write!(h, "figure suppressed ({}).", e(&withheld_reason(t)));
            }
        }
        h.push_str("</p>");
    }

    // Gaps in words: single-dimension groups.
    let sentences: Vec<(String, &str)> = rows
        .iter()
        .filter(|r| !r.disaggregation.contains(CROSS) && r.disaggregation != TOTAL)
        .filter_map(|r| gap_sentence(ctx, r))
        .collect();
    if !sentences.is_empty() {
        h.push_str("<ul class=\"gaps\">");
        for (s, class) in sentences {
            let _ = write!(h, "<li class=\"gap {class}\">{s}</li>");
        }
        h.push_str("</ul>");
    }
    let crossed_worse: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.disaggregation.contains(CROSS) && r.gap_flag == Some(GapFlag::SignificantlyWorse)
        })
        .map(|r| {
            format!(
                "{} ({}{})",
                e(&group_label(r)),
                if r.gap_difference.unwrap_or(0.0) > 0.0 {
                    "+"
                } else {
                    "−"
                },
                e(&unit.difference(r.gap_difference.unwrap_or(0.0)))
            )
        })
        .collect();
    if !crossed_worse.is_empty() {
        let _ = write!(
            h,
            "<p class=\"crossed\">Significantly worse off than {} of the same sex, age group or disability status: {}.</p>",
            e(&ctx.reference_label()),
            crossed_worse.join("; ")
        );
    }

    // Chart.
    match indicator_chart(ctx, &rows) {
        Some(chart) => {
            let _ = write!(
                h,
                "<figure class=\"chart-wrap\">{}<figcaption>{} ({}% confidence intervals){}</figcaption></figure>",
                chart.to_svg(),
                e(&first.indicator_name),
                ctx.level,
                if chart.benchmark.is_some() {
                    "; dashed line: benchmark target"
                } else {
                    ""
                }
            );
        }
        None => h.push_str("<p class=\"no-data\">No published figure for this indicator.</p>"),
    }

    // Flags.
    let withheld: Vec<&&IndicatorRow> = rows
        .iter()
        .filter(|r| !r.published && r.quality_flag.is_some_and(|q| q != QualityFlag::Empty))
        .collect();
    let empty: Vec<&&IndicatorRow> = rows
        .iter()
        .filter(|r| r.quality_flag == Some(QualityFlag::Empty))
        .collect();
    let low: Vec<&&IndicatorRow> = rows
        .iter()
        .filter(|r| r.published && r.quality_flag == Some(QualityFlag::Low))
        .collect();
    let labels = |v: &[&&IndicatorRow], why: &dyn Fn(&IndicatorRow) -> String| {
        v.iter()
            .map(|r| format!("{} ({})", e(&group_label(r)), e(&why(r))))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if !withheld.is_empty() || !low.is_empty() || !empty.is_empty() {
        h.push_str("<div class=\"flags\">");
        if !withheld.is_empty() {
            let _ = write!(
                h,
                "<p class=\"flag suppressed\"><strong>{} figure{} suppressed:</strong> {}.</p>",
                withheld.len(),
                if withheld.len() == 1 { "" } else { "s" },
                labels(&withheld, &|r| withheld_reason(r))
            );
        }
        if !low.is_empty() {
            let _ = write!(
                h,
                "<p class=\"flag low\"><strong>Low precision, read with caution:</strong> {}.</p>",
                labels(&low, &|r| r
                    .quality_reason
                    .clone()
                    .unwrap_or_else(|| "low precision".to_string()))
            );
        }
        if !empty.is_empty() {
            let _ = write!(
                h,
                "<p class=\"flag empty\"><strong>No observation in the sample:</strong> {}.</p>",
                empty
                    .iter()
                    .map(|r| e(&group_label(r)))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
        h.push_str("</div>");
    }
    figures_table(h, ctx, &rows);
    h.push_str("</article>");
}

fn figures_table(h: &mut String, ctx: &Ctx<'_>, rows: &[&IndicatorRow]) {
    let Some(first) = rows.first() else { return };
    let unit = unit_style(&first.unit);
    let _ = write!(
        h,
        "<details class=\"figures\"><summary>All figures ({} groups)</summary><table class=\"figures\"><thead><tr><th>Group</th><th>Estimate</th><th>{}% CI</th><th>n</th><th>Quality</th><th>Gap to reference</th><th>p-value</th><th>Score</th></tr></thead><tbody>",
        rows.len(),
        ctx.level
    );
    for r in rows {
        let shown = r.published && r.estimate.is_some();
        let estimate = if shown {
            r.estimate.map(|x| unit.number(x)).unwrap_or_default()
        } else if r.quality_flag.is_some() {
            "suppressed".to_string()
        } else {
            "—".to_string()
        };
        let ci = if shown {
            unit.interval(r.ci_low, r.ci_high).unwrap_or_default()
        } else {
            String::new()
        };
        let flag = r.quality_flag.map(|f| f.as_str()).unwrap_or("");
        let gap = match (r.gap_flag, r.gap_difference) {
            (Some(GapFlag::ReferenceGroup), _) => "reference".to_string(),
            (Some(f), Some(d)) => format!("{} ({})", format_number(d, unit.decimals), f.as_str()),
            _ => String::new(),
        };
        let p = r.gap_p_value.map(|p| format!("{p:.3}")).unwrap_or_default();
        let score = r.score.map(|s| format_number(s, 0)).unwrap_or_default();
        let _ = write!(
            h,
            "<tr class=\"q-{}\"><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(flag),
            e(&group_label(r)),
            e(&estimate),
            e(&ci),
            r.n.map(|n| n.to_string()).unwrap_or_default(),
            e(r.quality_reason.as_deref().unwrap_or("")),
            e(flag),
            e(&gap),
            e(&p),
            e(&score)
        );
    }
    h.push_str("</tbody></table></details>");
}

fn register_section(h: &mut String, ctx: &Ctx<'_>) {
    let Some(reg) = &ctx.results.meta().register else {
        return;
    };
    h.push_str("<section id=\"register\"><h2>Country register of commitments</h2>");
    let mut intro = format!("Register of {}", e(&reg.name));
    if let Some(d) = &reg.as_of {
        let _ = write!(intro, ", as of {}", e(d));
    }
    let _ = write!(
        h,
        "<p>{intro}. Entries marked illustrative could not be checked in a source.</p>"
    );
    if let Some(n) = &reg.notes {
        let _ = write!(h, "<p class=\"small\">{}</p>", e(n));
    }
    h.push_str("<table class=\"commitments\"><thead><tr><th>Instrument, law or policy</th><th>Kind</th><th>Status</th><th>Signed</th><th>Ratified / adopted</th><th>In force / amended</th><th>Source</th></tr></thead><tbody>");
    let date = |d: &Option<String>| d.clone().unwrap_or_else(|| "—".to_string());
    for entry in &reg.entries {
        let kind = humanize(&entry.kind);
        let signed = date(&entry.signed);
        let main = date(&entry.ratified_or_adopted);
        let later = date(&entry.in_force_or_amended);
        let status = entry.status.as_str();
        let mut source = e(&entry.source);
        if entry.illustrative {
            source.push_str(" <span class=\"flag-text\">(illustrative)</span>");
        }
        let name = match &entry.notes {
            Some(n) => format!(
                "{}<br><span class=\"small\">{}</span>",
                e(&entry.name),
                e(n)
            ),
            None => e(&entry.name),
        };
        let _ = write!(
            h,
            "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"source\">{source}</td></tr>",
            e(&kind),
            status_badge(status),
            e(&signed),
            e(&main),
            e(&later)
        );
    }
    h.push_str("</tbody></table></section>\n");
}

/// One metadata sheet per indicator (definition, unit, method, disaggregations, sources,
/// comparability, SDG series), from the catalogue via [`IndicatorInfo::sheet`]; the same
/// content as `metadata.json`.
fn metadata_section(h: &mut String, ctx: &Ctx<'_>) {
    let meta = ctx.results.meta();
    h.push_str("<section id=\"metadata\"><h2>Indicator metadata</h2>");
    h.push_str("<p>One sheet per indicator, as written to <code>metadata.json</code>. Indicators with an SDG series are also written to <code>indicators.sdg.csv</code> (SDMX-CSV for the SDG Global Database).</p>");
    for info in &meta.indicators {
        let s = &info.sheet;
        let _ = write!(
            h,
            "<details class=\"sheet\" id=\"{}\"><summary>{} <code>{}</code>{}</summary><dl>",
            e(&anchor("meta", &info.id)),
            e(&s.name),
            e(&info.id),
            s.sdg_series
                .as_ref()
                .map(|x| format!(" · SDG series <code>{}</code>", e(x)))
                .unwrap_or_default()
        );
        let mut item = |k: &str, v: String| {
            if !v.is_empty() {
                let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", e(k), v);
            }
        };
        item(
            "Definition",
            info.notes.as_deref().map(e).unwrap_or_default(),
        );
        item(
            "Unit",
            format!("{} (<code>{}</code>)", e(&s.unit_description), e(&s.unit)),
        );
        item(
            "Kind and direction",
            e(&format!("{}, {}", s.kind, s.direction.replace('_', " "))),
        );
        item("Estimator", e(&s.estimator));
        item(
            "Universe",
            s.universe
                .as_deref()
                .map(|u| format!("<code>{}</code>", e(u)))
                .unwrap_or_else(|| "every row of the survey".to_string()),
        );
        item(
            "Condition",
            s.condition
                .as_deref()
                .map(|c| format!("<code>{}</code>", e(c)))
                .unwrap_or_default(),
        );
        item(
            "Variable",
            s.variable
                .as_deref()
                .map(|c| format!("<code>{}</code>", e(c)))
                .unwrap_or_default(),
        );
        item("Disaggregations", e(&s.disaggregations.join("; ")));
        item("Source of data", e(&s.data_source));
        item(
            "Benchmark",
            info.benchmark_source.as_deref().map(e).unwrap_or_default(),
        );
        item(
            "Comparability and limitations",
            s.comparability.as_deref().map(e).unwrap_or_default(),
        );
        item("References", e(&s.references.join("; ")));
        item(
            "SDG series",
            s.sdg_series
                .as_deref()
                .map(|x| {
                    format!(
                        "<code>{}</code>{}",
                        e(x),
                        crate::framework::sdg::code_name("CL_SERIES", x)
                            .map(|n| format!(" — {}", e(n)))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default(),
        );
        h.push_str("</dl></details>");
    }
    h.push_str("</section>\n");
}

fn methods(h: &mut String, ctx: &Ctx<'_>) {
    let meta = ctx.results.meta();
    h.push_str("<section id=\"methods\"><h2>Methods and notes</h2><ul>");
    let _ = write!(
        h,
        "<li>Estimates are design-based (survey weights, strata and primary sampling units); confidence intervals use the {} method at the {}% level.</li>",
        e(&format!("{:?}", meta.ci).to_lowercase()),
        ctx.level
    );
    let _ = write!(
        h,
        "<li>Quality rules: <code>{}</code>. Figures based on too few observations or too imprecise are {}; figures of low precision are published with a warning.</li>",
        e(&meta.quality_policy),
        if meta.withheld {
            "suppressed (not shown)"
        } else {
            "flagged"
        }
    );
    h.push_str("<li>Gaps compare each migrant group with non-migrants (native-born citizens) of the same sex, age group or disability status; their standard errors account for the survey design, and significance is a two-sided test of no difference.</li>");
    for (id, why) in &meta.skipped {
        let _ = write!(
            h,
            "<li>Indicator <code>{}</code> was not computed: {}.</li>",
            e(id),
            e(why)
        );
    }
    for n in &ctx.o.notes {
        let _ = write!(h, "<li>{}</li>", e(n));
    }
    h.push_str("</ul></section>\n");
}

const SYM_DOT: &str = "<svg class=\"sym\" width=\"34\" height=\"12\" viewBox=\"0 0 34 12\" aria-hidden=\"true\"><line x1=\"2\" y1=\"6\" x2=\"32\" y2=\"6\" stroke=\"#222222\" stroke-width=\"2.2\"/><circle cx=\"17\" cy=\"6\" r=\"4.5\" fill=\"#222222\"/></svg>";
const SYM_HOLLOW: &str = "<svg class=\"sym\" width=\"34\" height=\"12\" viewBox=\"0 0 34 12\" aria-hidden=\"true\"><line x1=\"2\" y1=\"6\" x2=\"32\" y2=\"6\" stroke=\"#222222\" stroke-width=\"2.2\" stroke-dasharray=\"4 3\"/><circle cx=\"17\" cy=\"6\" r=\"4.5\" fill=\"#ffffff\" stroke=\"#222222\" stroke-width=\"1.6\"/></svg>";
const SYM_BENCH: &str = "<svg class=\"sym\" width=\"34\" height=\"14\" viewBox=\"0 0 34 14\" aria-hidden=\"true\"><line x1=\"17\" y1=\"0\" x2=\"17\" y2=\"14\" stroke=\"#7a1f7a\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"/></svg>";

const CSS: &str = r#"
:root{--ink:#1d2433;--muted:#5b6475;--line:#d9dee7;--bg:#ffffff;--soft:#f4f6fa;--worse:#b3261e;--better:#1b6e3a;--accent:#0b4f8a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans","Liberation Sans",Arial,sans-serif;font-size:15px;line-height:1.5}
main{max-width:1000px;margin:0 auto;padding:12px 24px 40px}
h1{font-size:28px;margin:16px 0 4px;color:var(--accent)}
h2{font-size:22px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:18px;margin:24px 0 8px;color:var(--accent)}
h4{font-size:16px;margin:0 0 6px}
.banner.synthetic{position:sticky;top:0;z-index:10;background:#fff3cd;border-bottom:3px solid #e0a800;color:#5c4400;padding:10px 24px;text-align:center;font-size:14px}
.subtitle{color:var(--muted);margin:0 0 10px;font-size:16px}
dl.meta{display:flex;flex-wrap:wrap;gap:6px 28px;margin:8px 0 0;padding:10px 14px;background:var(--soft);border-radius:6px}
dl.meta div{min-width:160px}dl.meta dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}dl.meta dd{margin:0;font-weight:600}
.synthetic-tag{color:#8a5a00}
nav.toc{margin:18px 0}nav.toc h2{font-size:16px;border:0;margin:0}nav.toc ol{margin:4px 0;columns:2}
a{color:var(--accent)}
.box{background:var(--soft);border-radius:6px;padding:4px 18px 10px}
.box h2{border:0}
.legend-list{list-style:none;padding-left:4px}.legend-list li{margin:3px 0}
.sym{display:inline-block;vertical-align:middle;margin-right:4px}
.sym-text{color:#777;font-style:italic;margin-right:6px}
ul.findings li{margin:6px 0}
.worse{color:var(--worse)}.better{color:var(--better)}.ns{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:14px}
caption{text-align:left;font-weight:600;padding:4px 0;color:var(--muted)}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-size:13px}
td.score{white-space:nowrap}td.score .bar{display:inline-block;width:70px;height:9px;background:#e6e9ef;border-radius:5px;margin-right:6px;vertical-align:middle;overflow:hidden}
td.score .bar span{display:block;height:100%;background:var(--accent)}
td.score.na{color:var(--muted)}
table.scores td,table.scores th{text-align:left}
td.source{font-size:12.5px;color:var(--muted);max-width:320px;overflow-wrap:anywhere}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12.5px;font-weight:600;white-space:nowrap}
.status-ratified,.status-complete{background:#dff3e4;color:#1b6e3a}
.status-signed,.status-partial{background:#fff1cc;color:#7a5200}
.status-not_ratified,.status-absent{background:#fbe0de;color:#9b1c1c}
.status-missing{background:#eceef2;color:#555}
article.indicator{border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:14px 0;break-inside:avoid;page-break-inside:avoid}
.badge{font-size:11.5px;font-weight:600;padding:1px 7px;border-radius:9px;background:#e8eef7;color:var(--accent);vertical-align:middle}
.facts{color:var(--muted);font-size:13.5px;margin:0 0 4px}
.desc{font-size:13.5px;margin:0 0 8px}
.headline{margin:6px 0}
ul.gaps{margin:4px 0 8px;padding-left:20px}ul.gaps li{margin:3px 0}
.gap.withheld{color:var(--muted)}
.crossed{font-size:14px}
figure.chart-wrap{margin:8px 0;overflow-x:auto}
figcaption{font-size:12.5px;color:var(--muted)}
svg.chart{max-width:100%;height:auto;font-family:inherit;display:block}
svg.chart text{font-size:11.5px;fill:#333}
svg.chart .section{font-weight:700;fill:var(--accent);font-size:12px}
svg.chart .band{fill:#f6f7fa}
svg.chart .grid{stroke:#e3e6ec;stroke-width:1}
svg.chart .axis{stroke:#888;stroke-width:1}
svg.chart .tick,svg.chart .axis-label{fill:#666;font-size:11px}
svg.chart .ci{stroke-width:2.2}svg.chart .ci.low{stroke-dasharray:4 3}
svg.chart .dot{stroke-width:1.6}
svg.chart .withheld,svg.chart .missing{fill:#8a8f99;font-style:italic}
svg.chart .benchmark{stroke:#7a1f7a;stroke-width:1.5;stroke-dasharray:5 4}
svg.chart .benchmark-label{fill:#7a1f7a;font-size:11px}
svg.chart .legend text{font-size:12px}
.flags p{margin:4px 0;font-size:13.5px}
.flag.suppressed{color:#6b4a00}.flag.low{color:#6b4a00}.flag.empty{color:var(--muted)}
.flag-text{color:#8a5a00;font-style:italic}
details.figures summary,details summary{cursor:pointer;color:var(--accent);font-size:13.5px;margin-top:6px}
table.figures td,table.figures th{font-size:12.5px;padding:3px 6px}
tr.q-suppressed td,tr.q-empty td{color:#8a8f99}tr.q-low td{font-style:italic}
.no-data{color:var(--muted);font-style:italic}
.small{font-size:12.5px;color:var(--muted)}
code{font-size:13px;background:var(--soft);padding:0 4px;border-radius:3px}
footer{max-width:1000px;margin:0 auto;padding:16px 24px 30px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line)}
@media print{.banner.synthetic{position:static}nav.toc{display:none}details{display:block}}
"#;
