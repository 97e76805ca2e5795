//! The HTML report: one self-contained page for the readers of the indicators.
//!
//! [`render`] turns a [`Results`] into a single HTML document that a ministry official can
//! read without any other file, network access or script:
//!
//! - a header with the country, the survey, the period, the catalogue and, for synthetic
//!   data, a banner saying so on every screen and print-out;
//! - key findings: where migrants are significantly worse off than non-migrants;
//! - the scores (0–100): overall and per right for all persons and each migratory status,
//!   per attribute inside each right, and the overall score of every group;
//! - per right and attribute: the structural commitments (ratified, signed, not ratified
//!   or missing, with dates and sources from the country register), then each process and
//!   outcome indicator with its value for all persons, the gap of each migrant group to
//!   non-migrants in plain words with its significance, a dot-and-interval chart by
//!   migratory status, sex, age and disability (with the benchmark line), the figures that
//!   are suppressed or of low precision and why, and a table of every figure;
//! - the full country register and a note on methods (quality rules, intervals, skipped
//!   indicators).
//!
//! Everything on the page comes from the [`Results`]: the rows, and the metadata the
//! pipeline put there ([`ResultsMeta`](crate::results::ResultsMeta): the catalogue's rights,
//! attributes, notes and benchmark sources, the reference groups, the country register).
//! [`ReportOptions`] only adds presentation: title, country and survey names, the synthetic
//! banner and free notes.
//!
//! Charts are inline SVG from [`chart`]. All text from the catalogue, the register and the
//! data is HTML-escaped ([`escape`]). The page has no timestamp: the same results give the
//! same bytes.

pub mod chart;
mod html;
mod text;

use std::path::{Path, PathBuf};

use crate::results::Results;

/// How the report presents its results: header names, the synthetic banner, extra notes.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Page title (default "Human-rights indicators for migrants").
    pub title: Option<String>,
    /// Country name for the header (default: the name of the register the results were
    /// computed with, else the results' `ref_area`).
    pub country: Option<String>,
    /// Survey name for the header (e.g. "National Occupation and Employment Survey").
    pub survey: Option<String>,
    /// Whether the results come from synthetic data (shows the banner).
    pub synthetic: bool,
    /// Free paragraphs for the methods section (e.g. where the data come from).
    pub notes: Vec<String>,
}

impl ReportOptions {
    /// Default options.
    pub fn new() -> Self {
        ReportOptions::default()
    }

    /// Sets the page title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the country name.
    pub fn country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    /// Sets the survey name.
    pub fn survey(mut self, survey: impl Into<String>) -> Self {
        self.survey = Some(survey.into());
        self
    }

    /// Marks the data as synthetic.
    pub fn synthetic(mut self, synthetic: bool) -> Self {
        self.synthetic = synthetic;
        self
    }

    /// Adds a paragraph to the methods section.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The report as one HTML document (see the [module documentation](self)).
pub fn render(results: &Results, options: &ReportOptions) -> String {
    html::page(results, options)
}

/// Errors of [`write_report`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Writes [`render`]`(results, options)` to `path`.
///
/// # Errors
/// [`ReportError::Write`] if the file cannot be written.
pub fn write_report(
    results: &Results,
    path: impl AsRef<Path>,
    options: &ReportOptions,
) -> Result<(), ReportError> {
    let path = path.as_ref();
    std::fs::write(path, render(results, options)).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Escapes text for HTML element content and attribute values (`&`, `<`, `>`, `"`, `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }
}
