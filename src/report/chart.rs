//! Dot-and-interval charts as hand-written, self-contained SVG.
//!
//! A [`DotChart`] has sections (e.g. "By sex"), each with rows (e.g. "Female"); a row holds
//! one point per series (e.g. all persons, non-migrants, foreign-born), drawn on its own
//! line inside the row, in the series' colour:
//!
//! - a published value: a dot at the estimate and a horizontal line for its confidence
//!   interval; a low-precision value has a hollow dot and a dashed interval;
//! - a withheld value: the word `suppressed` in grey italics where the dot would be
//!   (class `withheld`), never a number;
//! - a missing value: `no data` in grey (class `missing`).
//!
//! A dashed vertical line marks the benchmark target. The value of each point is printed
//! in the right margin. The x axis has "nice" ticks (1, 2 or 5 × 10ᵏ) and never goes beyond
//! the chart's [`bounds`](DotChart::bounds) (0–100 for percentages).
//!
//! Every text is escaped, every coordinate is finite (non-finite inputs are dropped), and
//! the output uses no script, font file or external reference.

use std::fmt::Write as _;

use super::escape;

/// Width of the chart in pixels.
pub const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 210.0;
const VALUE_WIDTH: f64 = 96.0;
const SLOT: f64 = 13.0;
const ROW_PAD: f64 = 7.0;
const SECTION_HEIGHT: f64 = 20.0;
const AXIS_HEIGHT: f64 = 34.0;

/// A series: one kind of point, with its legend name and colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// CSS colour (`#0072B2`).
    pub color: String,
}

/// The precision class of a published value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Reliable.
    Reliable,
    /// Moderate precision (drawn like reliable; the report says so in its tables).
    Moderate,
    /// Low precision: hollow dot, dashed interval.
    Low,
}

/// What a point shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// A published value with its interval.
    Value {
        /// Estimate.
        estimate: f64,
        /// Lower limit.
        low: Option<f64>,
        /// Upper limit.
        high: Option<f64>,
        /// Precision class.
        precision: Precision,
    },
    /// A figure withheld (suppressed); the reason goes in the tooltip.
    Withheld {
        /// Why.
        reason: String,
    },
    /// No figure (no observation, not estimated); the reason goes in the tooltip.
    Missing {
        /// Why.
        reason: String,
    },
}

/// One point of a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Index into [`DotChart::series`].
    pub series: usize,
    /// What to draw.
    pub mark: Mark,
}

/// A row: a label and its points (one per series present).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Row label.
    pub label: String,
    /// Points, drawn top to bottom in this order.
    pub points: Vec<Point>,
}

/// A titled group of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Section title (may be empty).
    pub title: String,
    /// Rows.
    pub rows: Vec<Row>,
}

/// A vertical reference line.
#[derive(Debug, Clone, PartialEq)]
pub struct Benchmark {
    /// Position on the value axis.
    pub value: f64,
    /// Label drawn above the line.
    pub label: String,
}

/// A dot-and-interval chart.
#[derive(Debug, Clone, PartialEq)]
pub struct DotChart {
    /// Accessible title (SVG `<title>`).
    pub title: String,
    /// Label of the value axis (unit).
    pub axis_label: String,
    /// Series; a legend is drawn when there are two or more.
    pub series: Vec<Series>,
    /// Sections of rows.
    pub sections: Vec<Section>,
    /// Benchmark target line.
    pub benchmark: Option<Benchmark>,
    /// Natural limits of the scale (e.g. 0–100 for percentages): the axis stays inside.
    pub bounds: Option<(f64, f64)>,
    /// Decimals of the value labels.
    pub decimals: usize,
}

/// A finite coordinate with one decimal (0 for a non-finite input, which callers avoid).
fn c(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "0".to_string()
    }
}

/// Formats a value with `decimals` decimals and thousands separators.
pub fn format_number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let mut grouped = String::new();
    let digits: Vec<char> = int.chars().collect();
    for (k, ch) in digits.iter().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*ch);
    }
    let zero = text.chars().all(|ch| ch == '0' || ch == '.');
    let sign = if x < 0.0 && !zero { "−" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Ticks 1, 2 or 5 × 10ᵏ covering `[lo, hi]` with about `target` intervals.
fn nice_ticks(lo: f64, hi: f64, target: usize) -> (f64, f64, f64) {
    let span = (hi - lo).max(f64::EPSILON);
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    (start, end, step)
}

impl DotChart {
    /// Number of points with a published value (dots drawn).
    pub fn value_count(&self) -> usize {
        self.points()
            .filter(|p| matches!(p.mark, Mark::Value { estimate, .. } if estimate.is_finite()))
            .count()
    }

    /// Number of withheld points.
    pub fn withheld_count(&self) -> usize {
        self.points()
            .filter(|p| matches!(p.mark, Mark::Withheld { .. }))
            .count()
    }

    fn points(&self) -> impl Iterator<Item = &Point> {
        self.sections
            .iter()
            .flat_map(|s| s.rows.iter())
            .flat_map(|r| r.points.iter())
    }

    /// The value axis: (start, end, step).
    fn domain(&self) -> (f64, f64, f64) {
        let mut values: Vec<f64> = Vec::new();
        for p in self.points() {
            if let Mark::Value {
                estimate,
                low,
                high,
                ..
            } = &p.mark
            {
                values.push(*estimate);
                values.extend(low.iter().copied());
                values.extend(high.iter().copied());
            }
        }
        if let Some(b) = &self.benchmark {
            values.push(b.value);
        }
        values.retain(|v| v.is_finite());
        let (mut lo, mut hi) = match values.iter().copied().reduce(f64::min) {
            Some(min) => (min, values.iter().copied().fold(f64::MIN, f64::max)),
            None => self.bounds.unwrap_or((0.0, 1.0)),
        };
        if let Some((blo, bhi)) = self
            .bounds
            .filter(|(a, b)| a.is_finite() && b.is_finite() && a < b)
        {
            // Percent-like scales start at their natural floor when values are near it.
            if lo >= blo && lo - blo <= (hi - lo).max(f64::EPSILON) {
                lo = blo;
            }
            lo = lo.max(blo);
            hi = hi.min(bhi);
        }
        if hi <= lo {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            lo -= pad;
            hi += pad;
        }
        let (mut start, mut end, step) = nice_ticks(lo, hi, 5);
        if let Some((blo, bhi)) = self.bounds
            && blo.is_finite()
            && bhi.is_finite()
            && blo < bhi
        {
            start = start.max(blo);
            end = end.min(bhi);
        }
        if end <= start {
            end = start + step;
        }
        (start, end, step)
    }

    /// Height of the chart in pixels.
    pub fn height(&self) -> f64 {
        self.top() + self.body_height() + AXIS_HEIGHT
    }

    fn top(&self) -> f64 {
        let legend = if self.series.len() > 1 { 22.0 } else { 0.0 };
        let bench = if self.benchmark.is_some() { 16.0 } else { 4.0 };
        legend + bench
    }

    fn row_height(row: &Row) -> f64 {
        row.points.len().max(1) as f64 * SLOT + ROW_PAD
    }

    fn body_height(&self) -> f64 {
        self.sections
            .iter()
            .map(|s| {
                let title = if s.title.is_empty() {
                    0.0
                } else {
                    SECTION_HEIGHT
                };
                title + s.rows.iter().map(Self::row_height).sum::<f64>()
            })
            .sum()
    }

    /// The chart as an `<svg>` element (class `chart`), to be inlined in HTML.
    pub fn to_svg(&self) -> String {
        let (start, end, step) = self.domain();
        let x0 = LABEL_WIDTH + 8.0;
        let x1 = WIDTH - VALUE_WIDTH;
        let scale = |v: f64| -> f64 {
            let t = (v.clamp(start, end) - start) / (end - start);
            x0 + t * (x1 - x0)
        };
        let height = self.height();
        let top = self.top();
        let bottom = top + self.body_height();
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\">",
            w = c(WIDTH),
            h = c(height),
            t = escape(&self.title)
        );
        let _ = write!(s, "<title>{}</title>", escape(&self.title));

        // Legend.
        if self.series.len() > 1 {
            let mut x = x0;
            for series in &self.series {
                let _ = write!(
                    s,
                    "<g class=\"legend\"><circle cx=\"{}\" cy=\"11\" r=\"4.5\" fill=\"{col}\" stroke=\"{col}\"/><text x=\"{}\" y=\"15\">{}</text></g>",
                    c(x + 5.0),
                    c(x + 13.0),
                    escape(&series.name),
                    col = escape(&series.color)
                );
                x += 22.0 + 6.6 * series.name.chars().count() as f64;
            }
        }

        // Grid and axis.
        let mut v = start;
        let mut guard = 0;
        while v <= end + step * 1e-9 && guard < 50 {
            let x = scale(v);
            let _ = write!(
                s,
                "<line class=\"grid\" x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{y1}\"/><text class=\"tick\" x=\"{x}\" y=\"{ty}\" text-anchor=\"middle\">{label}</text>",
                x = c(x),
                y0 = c(top),
                y1 = c(bottom),
                ty = c(bottom + 14.0),
                label = escape(&format_number(v, tick_decimals(step)))
            );
            v += step;
            guard += 1;
        }
        let _ = write!(
            s,
            "<line class=\"axis\" x1=\"{}\" y1=\"{b}\" x2=\"{}\" y2=\"{b}\"/><text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            c(x0),
            c(x1),
            c((x0 + x1) / 2.0),
            c(bottom + 29.0),
            escape(&self.axis_label),
            b = c(bottom)
        );

        // Rows.
        let mut y = top;
        for section in &self.sections {
            if !section.title.is_empty() {
                let _ = write!(
                    s,
                    "<text class=\"section\" x=\"4\" y=\"{}\">{}</text>",
                    c(y + 14.0),
                    escape(&section.title)
                );
                y += SECTION_HEIGHT;
            }
            for (k, row) in section.rows.iter().enumerate() {
                let h = Self::row_height(row);
                if k % 2 == 0 {
                    let _ = write!(
                        s,
                        "<rect class=\"band\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
                        c(y),
                        c(WIDTH),
                        c(h)
                    );
                }
                let _ = write!(
                    s,
                    "<text class=\"row-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                    c(LABEL_WIDTH),
                    c(y + ROW_PAD / 2.0 + SLOT * row.points.len().max(1) as f64 / 2.0 + 4.0),
                    escape(&row.label)
                );
                for (j, point) in row.points.iter().enumerate() {
                    let cy = y + ROW_PAD / 2.0 + SLOT * j as f64 + SLOT / 2.0;
                    let color = self
                        .series
                        .get(point.series)
                        .map(|x| x.color.as_str())
                        .unwrap_or("#222222");
                    self.point_svg(&mut s, point, cy, color, &scale, x0);
                }
                y += h;
            }
        }

        // Benchmark line, over the rows.
        if let Some(b) = self.benchmark.as_ref().filter(|b| b.value.is_finite())
            && b.value >= start
            && b.value <= end
        {
            let x = scale(b.value);
            let anchor = if x > x1 - 80.0 { "end" } else { "middle" };
            let _ = write!(
                s,
                "<line class=\"benchmark\" x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\"/><text class=\"benchmark-label\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                c(top - 2.0),
                c(bottom),
                c(top - 5.0),
                escape(&b.label),
                x = c(x)
            );
        }
        s.push_str("</svg>");
        s
    }

    fn point_svg(
        &self,
        s: &mut String,
        point: &Point,
        cy: f64,
        color: &str,
        scale: &dyn Fn(f64) -> f64,
        x0: f64,
    ) {
        let color = escape(color);
        match &point.mark {
            Mark::Value {
                estimate,
                low,
                high,
                precision,
            } if estimate.is_finite() => {
                let low_precision = *precision == Precision::Low;
                let class = if low_precision { "ci low" } else { "ci" };
                if let (Some(l), Some(h)) = (
                    low.filter(|v| v.is_finite()),
                    high.filter(|v| v.is_finite()),
                ) {
                    let _ = write!(
                        s,
                        "<line class=\"{class}\" x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{color}\"/>",
                        c(scale(l)),
                        c(scale(h)),
                        y = c(cy)
                    );
                }
                let fill = if low_precision {
                    "#ffffff"
                } else {
                    color.as_str()
                };
                let class = if low_precision { "dot low" } else { "dot" };
                let _ = write!(
                    s,
                    "<circle class=\"{class}\" cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"{fill}\" stroke=\"{color}\"><title>{}</title></circle>",
                    c(scale(*estimate)),
                    c(cy),
                    escape(&self.point_title(point))
                );
                let mut label = format_number(*estimate, self.decimals);
                if low_precision {
                    label.push_str(" (low)");
                }
                let _ = write!(
                    s,
                    "<text class=\"value\" x=\"{}\" y=\"{}\" style=\"fill:{color}\">{}</text>",
                    c(WIDTH - VALUE_WIDTH + 8.0),
                    c(cy + 4.0),
                    escape(&label)
                );
            }
            Mark::Withheld { reason } => {
                let _ = write!(
                    s,
                    "<text class=\"withheld\" x=\"{}\" y=\"{}\">{}suppressed<title>{}</title></text>",
                    c(x0 + 4.0),
                    c(cy + 4.0),
                    escape(&self.series_prefix(point)),
                    escape(reason)
                );
            }
            Mark::Missing { reason } => {
                let _ = write!(
                    s,
                    "<text class=\"missing\" x=\"{}\" y=\"{}\">{}no data<title>{}</title></text>",
                    c(x0 + 4.0),
                    c(cy + 4.0),
                    escape(&self.series_prefix(point)),
                    escape(reason)
                );
            }
            Mark::Value { .. } => {
                let _ = write!(
                    s,
                    "<text class=\"missing\" x=\"{}\" y=\"{}\">not defined</text>",
                    c(x0 + 4.0),
                    c(cy + 4.0)
                );
            }
        }
    }

    /// `Series name: ` when the chart has several series, else nothing.
    fn series_prefix(&self, point: &Point) -> String {
        match self.series.get(point.series) {
            Some(series) if self.series.len() > 1 => format!("{}: ", series.name),
            _ => String::new(),
        }
    }

    fn point_title(&self, point: &Point) -> String {
        let name = self
            .series
            .get(point.series)
            .map(|s| s.name.as_str())
            .unwrap_or("");
        match &point.mark {
            Mark::Value {
                estimate,
                low,
                high,
                ..
            } => {
                let mut t = format!("{name}: {}", format_number(*estimate, self.decimals));
                if let (Some(l), Some(h)) = (low, high) {
                    let _ = write!(
                        t,
                        " ({} to {})",
                        format_number(*l, self.decimals),
                        format_number(*h, self.decimals)
                    );
                }
                t
            }
            Mark::Withheld { reason } | Mark::Missing { reason } => format!("{name}: {reason}"),
        }
    }
}

/// Decimals needed to print multiples of `step` exactly (at most 6).
fn tick_decimals(step: f64) -> usize {
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-9 * scaled.abs().max(1.0)
        })
        .unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> DotChart {
        DotChart {
            title: "Insured <all> & \"more\"".into(),
            axis_label: "percent".into(),
            series: vec![
                Series {
                    name: "All".into(),
                    color: "#222222".into(),
                },
                Series {
                    name: "Foreign-born".into(),
                    color: "#D55E00".into(),
                },
            ],
            sections: vec![Section {
                title: "By sex".into(),
                rows: vec![
                    Row {
                        label: "Women <F>".into(),
                        points: vec![
                            Point {
                                series: 0,
                                mark: Mark::Value {
                                    estimate: 70.0,
                                    low: Some(65.0),
                                    high: Some(75.0),
                                    precision: Precision::Reliable,
                                },
                            },
                            Point {
                                series: 1,
                                mark: Mark::Withheld {
                                    reason: "n = 12 < 30".into(),
                                },
                            },
                        ],
                    },
                    Row {
                        label: "Men".into(),
                        points: vec![Point {
                            series: 1,
                            mark: Mark::Value {
                                estimate: 40.0,
                                low: Some(f64::NAN),
                                high: None,
                                precision: Precision::Low,
                            },
                        }],
                    },
                ],
            }],
            benchmark: Some(Benchmark {
                value: 100.0,
                label: "Target 100 (2030)".into(),
            }),
            bounds: Some((0.0, 100.0)),
            decimals: 1,
        }
    }

    #[test]
    fn svg_has_the_expected_elements() {
        let ch = chart();
        let svg = ch.to_svg();
        assert!(svg.starts_with("<svg class=\"chart\""));
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle class=\"dot").count(), 2);
        assert_eq!(svg.matches("class=\"dot low\"").count(), 1);
        assert_eq!(
            svg.matches("<line class=\"ci").count(),
            1,
            "NaN bound drops the interval"
        );
        assert_eq!(svg.matches("class=\"withheld\"").count(), 1);
        assert_eq!(svg.matches("class=\"benchmark\"").count(), 1);
        assert_eq!(ch.value_count(), 2);
        assert_eq!(ch.withheld_count(), 1);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(svg.contains("Women &lt;F&gt;"));
        assert!(svg.contains("Insured &lt;all&gt; &amp; &quot;more&quot;"));
        assert!(!svg.contains("<all>") && !svg.contains("<F>"));
    }

    #[test]
    fn degenerate_inputs_give_finite_output() {
        let mut ch = chart();
        ch.benchmark = Some(Benchmark {
            value: f64::INFINITY,
            label: "x".into(),
        });
        ch.bounds = None;
        for s in &mut ch.sections {
            for r in &mut s.rows {
                for p in &mut r.points {
                    p.mark = Mark::Value {
                        estimate: 5.0,
                        low: None,
                        high: None,
                        precision: Precision::Reliable,
                    };
                }
            }
        }
        let svg = ch.to_svg();
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let empty = DotChart {
            sections: vec![],
            ..chart()
        };
        let svg = empty.to_svg();
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(format_number(1234567.891, 0), "1,234,568");
        assert_eq!(format_number(1234.5, 1), "1,234.5");
        assert_eq!(format_number(999.0, 0), "999");
        assert_eq!(tick_decimals(2.5), 1);
        assert_eq!(format_number(-12.345, 2), "−12.35");
        assert_eq!(format_number(-0.001, 1), "0.0");
        assert_eq!(nice_ticks(3.0, 97.0, 5), (0.0, 100.0, 20.0));
        assert_eq!(tick_decimals(0.25), 2);
        assert_eq!(tick_decimals(0.2), 1);
        assert_eq!(tick_decimals(5.0), 0);
    }
}
