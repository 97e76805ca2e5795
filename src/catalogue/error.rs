//! Errors and problem reports of the catalogue: where a problem is ([`Location`]), what it
//! is ([`Issue`]), and the error type of every catalogue operation ([`CatalogueError`]).

use std::fmt;
use std::path::PathBuf;

/// The file formats a catalogue can be read from and written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// TOML (`.toml`), the format meant for people.
    Toml,
    /// JSON (`.json`), the format meant for programs.
    Json,
}

impl Format {
    /// The format implied by a file name's extension (`.toml` or `.json`, any case), if any.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The upper-case name of the format (`"TOML"`, `"JSON"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Toml => "TOML",
            Format::Json => "JSON",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a catalogue a problem sits.
///
/// Entries of the `rights`, `attributes` and `indicators` lists are named by their position
/// (0-based, as in the file) and, when the entry has one, by their id, e.g.
/// `indicators[3] (id "unemployment_rate")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// The catalogue as a whole (its top-level keys).
    Catalogue,
    /// The `[metadata]` section.
    Metadata,
    /// The `[scoring]` section.
    Scoring,
    /// The `[dimensions]` section (dimension to survey column mapping).
    Dimensions,
    /// An entry of the `rights` list.
    Right {
        /// Position in the list, from 0.
        index: usize,
        /// The entry's id, if it has a readable one.
        id: Option<String>,
    },
    /// An entry of the `attributes` list.
    Attribute {
        /// Position in the list, from 0.
        index: usize,
        /// The entry's id, if it has a readable one.
        id: Option<String>,
    },
    /// An entry of the `indicators` list.
    Indicator {
        /// Position in the list, from 0.
        index: usize,
        /// The entry's id, if it has a readable one.
        id: Option<String>,
    },
}

impl Location {
    /// The id of the right, attribute or indicator concerned, if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            Location::Right { id, .. }
            | Location::Attribute { id, .. }
            | Location::Indicator { id, .. } => id.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (list, index, id) = match self {
            Location::Catalogue => return f.write_str("catalogue"),
            Location::Metadata => return f.write_str("metadata"),
            Location::Scoring => return f.write_str("scoring"),
            Location::Dimensions => return f.write_str("dimensions"),
            Location::Right { index, id } => ("rights", index, id),
            Location::Attribute { index, id } => ("attributes", index, id),
            Location::Indicator { index, id } => ("indicators", index, id),
        };
        write!(f, "{list}[{index}]")?;
        if let Some(id) = id {
            write!(f, " (id {id:?})")?;
        }
        Ok(())
    }
}

/// One problem found in a catalogue, while reading it or while validating it.
///
/// Displayed as `indicators[3] (id "unemployment_rate"), field "measure": ...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Issue {
    /// Where the problem is.
    pub location: Location,
    /// The field concerned (a dotted path such as `"benchmark.target"` or
    /// `"disaggregations[2]"`), when the problem is tied to one.
    pub field: Option<String>,
    /// What is wrong, in plain words.
    pub message: String,
    /// The kind of problem, for the rules a program may want to match on (`None` for the
    /// others, which the message describes).
    pub kind: Option<IssueKind>,
}

/// Problems of a catalogue that programs match on, each naming the indicator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IssueKind {
    /// A breakdown by sex of a universe of one sex only (births attended by skilled
    /// personnel, family planning: universes of women).
    SexBreakdownOnSingleSexUniverse {
        /// The indicator.
        indicator: String,
        /// The one sex of the universe (`female`, `male`).
        sex: String,
    },
    /// A disability breakdown by an instrument not designed for the universe's ages: the
    /// Washington Group Short Set (`disability`) on a universe of children (under 18), or
    /// the Child Functioning Module (`child_functioning`) outside ages 2–17.
    DisabilityInstrumentOutsideItsAges {
        /// The indicator.
        indicator: String,
        /// `disability` (WG-SS) or `child_functioning` (CFM).
        dimension: String,
        /// The universe's youngest age, if bounded.
        min_age: Option<u32>,
        /// The universe's oldest age, if bounded.
        max_age: Option<u32>,
    },
}

/// A problem found by [`Catalogue::validate`](super::Catalogue::validate).
pub type ValidationIssue = Issue;

impl Issue {
    /// A problem tied to a field of an entry.
    pub fn new(location: Location, field: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            location,
            field: Some(field.into()),
            message: message.into(),
            kind: None,
        }
    }

    /// A problem with an entry as a whole.
    pub fn entry(location: Location, message: impl Into<String>) -> Self {
        Issue {
            location,
            field: None,
            message: message.into(),
            kind: None,
        }
    }

    /// The same problem with its kind.
    pub fn with_kind(mut self, kind: IssueKind) -> Self {
        self.kind = Some(kind);
        self
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(field) = &self.field {
            write!(f, ", field {field:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem [`Catalogue::validate`](super::Catalogue::validate) found, in the order of
/// the catalogue (metadata, scoring, dimensions, rights, attributes, indicators).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationReport {
    /// The problems found; never empty when returned as an error.
    pub issues: Vec<Issue>,
}

impl ValidationReport {
    /// The number of problems.
    pub fn len(&self) -> usize {
        self.issues.len()
    }

    /// Whether no problem was found.
    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    /// The problems, in catalogue order.
    pub fn iter(&self) -> std::slice::Iter<'_, Issue> {
        self.issues.iter()
    }

    /// The problems concerning the right, attribute or indicator with this id.
    pub fn for_id<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Issue> + 'a {
        self.issues
            .iter()
            .filter(move |issue| issue.location.id() == Some(id))
    }
}

impl<'a> IntoIterator for &'a ValidationReport {
    type Item = &'a Issue;
    type IntoIter = std::slice::Iter<'a, Issue>;

    fn into_iter(self) -> Self::IntoIter {
        self.issues.iter()
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, &self.issues)
    }
}

impl std::error::Error for ValidationReport {}

/// Writes `n problem(s):` then one problem per line.
fn write_list(f: &mut fmt::Formatter<'_>, issues: &[Issue]) -> fmt::Result {
    let n = issues.len();
    write!(f, "{n} problem{}:", if n == 1 { "" } else { "s" })?;
    for issue in issues {
        write!(f, "\n  - {issue}")?;
    }
    Ok(())
}

/// Displays a list of issues for an error message.
struct IssueList<'a>(&'a [Issue]);

impl fmt::Display for IssueList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_list(f, self.0)
    }
}

/// The error of every catalogue operation: reading, writing, parsing and validating.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// The file could not be read.
    #[error("cannot read catalogue file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write catalogue file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file name does not end in `.toml` or `.json`.
    #[error("catalogue file {}: unknown format; the name must end in .toml or .json", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The text is not valid TOML or JSON at all (the message gives the line and column).
    #[error("catalogue is not valid {format}: {message}")]
    Syntax {
        /// The format being read.
        format: Format,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The text is valid TOML or JSON but some entries do not have the catalogue's shape
    /// (missing or unknown field, wrong type, unknown variant): one issue per problem, each
    /// naming the entry and the field.
    #[error("malformed {format} catalogue: {}", IssueList(issues))]
    Malformed {
        /// The format being read.
        format: Format,
        /// Every problem found.
        issues: Vec<Issue>,
    },
    /// The catalogue could not be written in the format.
    #[error("cannot write the catalogue as {format}: {message}")]
    Serialize {
        /// The format being written.
        format: Format,
        /// The serializer's message.
        message: String,
    },
    /// The catalogue was read but does not pass [`Catalogue::validate`](super::Catalogue::validate).
    #[error("invalid catalogue: {0}")]
    Invalid(ValidationReport),
    /// An error while reading or writing a file, with the file's name.
    #[error("{}: {error}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        error: Box<CatalogueError>,
    },
}

impl CatalogueError {
    /// The problems carried by a [`Malformed`](Self::Malformed) or
    /// [`Invalid`](Self::Invalid) error (looking through [`File`](Self::File)); empty for
    /// the other kinds.
    pub fn issues(&self) -> &[Issue] {
        match self {
            CatalogueError::Malformed { issues, .. } => issues,
            CatalogueError::Invalid(report) => &report.issues,
            CatalogueError::File { error, .. } => error.issues(),
            _ => &[],
        }
    }
}
