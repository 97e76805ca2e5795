//! The country register: the source of structural indicators.
//!
//! Structural indicators record a State's commitments (OHCHR: "ratification or adoption of
//! legal instruments and basic institutions"). They do not come from a survey but from a
//! *country register*, a small TOML file kept by the national team, with two kinds of
//! entries:
//!
//! - **instruments** (`[[instrument]]`): UN treaties, ILO conventions and other
//!   international instruments, with status `ratified`, `signed` or `not_ratified` and the
//!   dates of signature, ratification (or accession, succession) and entry into force;
//! - **policies** (`[[policy]]`): national laws and policies, with status `absent`,
//!   `partial` or `complete` (the coding of IOM's Migration Governance Indicators) and the
//!   dates of adoption and last amendment.
//!
//! Every entry carries a `source` (required, non-empty) and an `illustrative` flag: `true`
//! marks an entry whose facts could not be checked in a source and which is there only to
//! make an example run.
//!
//! ```toml
//! country = "MEX"
//! name = "Mexico"
//! as_of = "2024-06"
//!
//! [[instrument]]
//! id = "icrmw"
//! name = "International Convention on the Protection of the Rights of All Migrant Workers"
//! kind = "un_treaty"
//! status = "ratified"
//! signed = "1991-05-22"
//! ratified = "1999-03-08"
//! source = "A/HRC/11/7/Add.2, para. 11"
//!
//! [[policy]]
//! id = "law_health_care_all_migrants"
//! name = "Migration Act, art. 8: health care regardless of migratory status"
//! kind = "law"
//! status = "complete"
//! adopted = "2011-05-25"
//! areas = ["health"]
//! source = "Ley de Migración, DOF 25 May 2011"
//! ```
//!
//! Dates are `"YYYY"`, `"YYYY-MM"` or `"YYYY-MM-DD"` (a string, a bare year, or a TOML date).
//!
//! # Scores of statuses
//!
//! | status | score |
//! |---|---|
//! | `not_ratified` | 0 |
//! | `signed` | 50 |
//! | `ratified` | 100 |
//! | `absent` | 0 |
//! | `partial` | 50 |
//! | `complete` | 100 |
//!
//! (the 0/50/100 coding of MIPEX and of the IOM Migration Governance Indicators).
//!
//! # Status at a round's reference date
//!
//! A round is scored on what held at its reference date, not on today's register
//! ([`Register::structural_value_at`], [`Entry::status_at`]): an instrument is `signed`,
//! `ratified` and `in_force` from the dates recorded (`signed`, `ratified`, `in_force`), a
//! law or policy counts from its `adopted` date and is absent again from its `repealed`
//! date. An event counts when it had certainly happened by the date ([`PartialDate::by`]:
//! an event known to the year counts at any date of that year). When the dates cannot tell
//! the status then (a ratified entry without a ratification date), the value is missing,
//! with the reason.
//!
//! # Illustrative entries
//!
//! An entry marked `illustrative = true` is shown (with its status, in the register and
//! the report) but never scored: [`StructuralValue::score`] is `None`, with the reason.
//! Each date should be checked against a primary source (UN Treaty Collection, ILO
//! NORMLEX, the official gazette) and that source kept in `source`; an entry that cannot be
//! checked stays illustrative.
//!
//! # Missing entries
//!
//! A structural indicator whose entry is not in the register has the value
//! [`StructuralStatus::Missing`]: it has no score and is counted as missing when scores are
//! aggregated. It is never read as "not ratified".

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize, Serializer};

use crate::framework::{Indicator, Measure};

/// Errors reading or validating a country register, or looking up a structural value.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The register file could not be read.
    #[error("cannot read register file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The register is not valid TOML or does not have the expected fields.
    #[error("cannot parse register {origin}: {message}")]
    Parse {
        /// The file name, or `<string>` for [`Register::from_toml_str`].
        origin: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A required text field is empty.
    #[error("register entry '{entry}': field '{field}' is empty")]
    EmptyField {
        /// The entry id, or `instrument #n` / `policy #n` (1-based) when the id itself is
        /// empty, or `register` for the header fields.
        entry: String,
        /// The empty field.
        field: &'static str,
    },
    /// Two entries share an id.
    #[error("register entry id '{id}' is used more than once")]
    DuplicateEntry {
        /// The repeated id.
        id: String,
    },
    /// A date is malformed.
    #[error("register entry '{entry}': field '{field}' has invalid date '{value}': {reason}")]
    InvalidDate {
        /// The entry id (or `register` for `as_of`).
        entry: String,
        /// The date field.
        field: &'static str,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The status contradicts the dates (e.g. `not_ratified` with a ratification date).
    #[error("register entry '{entry}': field '{field}': {reason}")]
    Inconsistent {
        /// The entry id.
        entry: String,
        /// The field in contradiction with the status.
        field: &'static str,
        /// The contradiction.
        reason: String,
    },
    /// A status name is not one of the known statuses.
    #[error(
        "unknown status '{status}' (expected ratified, signed, not_ratified, absent, partial or complete)"
    )]
    UnknownStatus {
        /// The status as written.
        status: String,
    },
    /// A structural value was asked for an indicator whose measure is not structural.
    #[error("indicator '{indicator}' is not a structural indicator")]
    NotStructural {
        /// The indicator id.
        indicator: String,
    },
}

/// A date known to the year, the month or the day (`1999`, `1999-03`, `1999-03-08`).
///
/// Ordered chronologically; a less precise date sorts before a more precise one in the same
/// year (month) (`1999` < `1999-03` < `1999-03-08`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartialDate {
    /// The year (1000–9999).
    pub year: i32,
    /// The month (1–12), if known.
    pub month: Option<u8>,
    /// The day of the month, if known (requires the month).
    pub day: Option<u8>,
}

impl PartialDate {
    /// A date known to the year only.
    pub fn from_year(year: i32) -> Self {
        PartialDate {
            year,
            month: None,
            day: None,
        }
    }

    /// A full date. Returns an error message if the date does not exist.
    pub fn ymd(year: i32, month: u8, day: u8) -> Result<Self, String> {
        let date = PartialDate {
            year,
            month: Some(month),
            day: Some(day),
        };
        date.check()?;
        Ok(date)
    }

    /// The last day the date can stand for, as (year, month, day): `2018` → 2018-12-31,
    /// `2018-09` → 2018-09-30.
    pub fn latest(&self) -> (i32, u8, u8) {
        let month = self.month.unwrap_or(12);
        let day = self.day.unwrap_or(match month {
            2 if (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        });
        (self.year, month, day)
    }

    /// Whether an event of this date had certainly happened by `at` (at its latest day):
    /// the event's last possible day is not after `at`'s. An event known to the year counts
    /// at any reference date of that year or later.
    pub fn by(&self, at: PartialDate) -> bool {
        self.latest() <= at.latest()
    }

    fn check(&self) -> Result<(), String> {
        if !(1000..=9999).contains(&self.year) {
            return Err(format!("year {} is not a four-digit year", self.year));
        }
        if let Some(m) = self.month {
            if !(1..=12).contains(&m) {
                return Err(format!("month {m} is not in 1-12"));
            }
            if let Some(d) = self.day {
                let leap = (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0;
                let days = match m {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                if d == 0 || d > days {
                    return Err(format!("day {d} is not in 1-{days} for month {m}"));
                }
            }
        } else if self.day.is_some() {
            return Err("a day without a month".to_string());
        }
        Ok(())
    }
}

impl FromStr for PartialDate {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        if parts.is_empty() || parts.len() > 3 {
            return Err("expected YYYY, YYYY-MM or YYYY-MM-DD".to_string());
        }
        let lens = [4usize, 2, 2];
        let mut nums = [0i32; 3];
        for (i, p) in parts.iter().enumerate() {
            if p.len() != lens[i] || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err("expected YYYY, YYYY-MM or YYYY-MM-DD".to_string());
            }
            nums[i] = p
                .parse::<i32>()
                .map_err(|_| "expected YYYY, YYYY-MM or YYYY-MM-DD".to_string())?;
        }
        // Month and day have two digits, so they fit in u8.
        let date = PartialDate {
            year: nums[0],
            month: (parts.len() > 1).then_some(nums[1] as u8),
            day: (parts.len() > 2).then_some(nums[2] as u8),
        };
        date.check()?;
        Ok(date)
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for PartialDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Status of an international instrument (treaty, ILO convention).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatificationStatus {
    /// Neither signed nor ratified (UN "no action"). Score 0.
    NotRatified,
    /// Signed, not ratified. Score 50.
    Signed,
    /// Ratified, acceded to or succeeded to (the State is a party). Score 100.
    Ratified,
}

impl RatificationStatus {
    /// Score on 0–100: not ratified 0, signed 50, ratified 100.
    pub fn score(self) -> f64 {
        match self {
            RatificationStatus::NotRatified => 0.0,
            RatificationStatus::Signed => 50.0,
            RatificationStatus::Ratified => 100.0,
        }
    }

    /// The name used in files: `not_ratified`, `signed`, `ratified`.
    pub fn as_str(self) -> &'static str {
        match self {
            RatificationStatus::NotRatified => "not_ratified",
            RatificationStatus::Signed => "signed",
            RatificationStatus::Ratified => "ratified",
        }
    }
}

/// Status of a national law or policy, coded as in IOM's Migration Governance Indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    /// No such law or policy. Score 0.
    Absent,
    /// Exists but covers only part of what is asked (some groups of migrants, some
    /// services) or is not fully in force. Score 50.
    Partial,
    /// Exists and covers what is asked. Score 100.
    Complete,
}

impl PolicyStatus {
    /// Score on 0–100: absent 0, partial 50, complete 100.
    pub fn score(self) -> f64 {
        match self {
            PolicyStatus::Absent => 0.0,
            PolicyStatus::Partial => 50.0,
            PolicyStatus::Complete => 100.0,
        }
    }

    /// The name used in files: `absent`, `partial`, `complete`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyStatus::Absent => "absent",
            PolicyStatus::Partial => "partial",
            PolicyStatus::Complete => "complete",
        }
    }
}

/// The status of any register entry: an instrument's or a policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Status of an international instrument.
    Ratification(RatificationStatus),
    /// Status of a national law or policy.
    Policy(PolicyStatus),
}

impl Status {
    /// Score on 0–100 (see the [module table](self)).
    pub fn score(self) -> f64 {
        match self {
            Status::Ratification(s) => s.score(),
            Status::Policy(s) => s.score(),
        }
    }

    /// The name used in files (`ratified`, `partial`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ratification(s) => s.as_str(),
            Status::Policy(s) => s.as_str(),
        }
    }

    /// Whether this status reaches `target`: `Some(score(self) >= score(target))` when both
    /// are of the same family (two instrument statuses or two policy statuses), `None`
    /// otherwise.
    pub fn meets(self, target: Status) -> Option<bool> {
        match (self, target) {
            (Status::Ratification(a), Status::Ratification(b)) => Some(a >= b),
            (Status::Policy(a), Status::Policy(b)) => Some(a >= b),
            _ => None,
        }
    }
}

impl FromStr for Status {
    type Err = RegisterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "not_ratified" => Status::Ratification(RatificationStatus::NotRatified),
            "signed" => Status::Ratification(RatificationStatus::Signed),
            "ratified" => Status::Ratification(RatificationStatus::Ratified),
            "absent" => Status::Policy(PolicyStatus::Absent),
            "partial" => Status::Policy(PolicyStatus::Partial),
            "complete" => Status::Policy(PolicyStatus::Complete),
            other => {
                return Err(RegisterError::UnknownStatus {
                    status: other.to_string(),
                });
            }
        })
    }
}

impl Serialize for Status {
    /// Serialised as its name (`"ratified"`, `"partial"`, ...).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of international instrument an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKind {
    /// A UN core human-rights treaty or protocol.
    UnTreaty,
    /// An ILO convention or protocol.
    IloConvention,
    /// Any other international or regional instrument (refugee convention, Palermo
    /// protocols, regional charters).
    OtherTreaty,
}

impl InstrumentKind {
    /// The `snake_case` name, as in the register's TOML (`un_treaty`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            InstrumentKind::UnTreaty => "un_treaty",
            InstrumentKind::IloConvention => "ilo_convention",
            InstrumentKind::OtherTreaty => "other_treaty",
        }
    }
}

/// What kind of national measure a policy entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyKind {
    /// A constitutional provision.
    Constitution,
    /// A law (or a provision of a law).
    Law,
    /// A regulation, decree or administrative rule.
    Regulation,
    /// A policy, strategy, plan or programme.
    Policy,
}

impl PolicyKind {
    /// The `snake_case` name, as in the register's TOML (`constitution`, `law`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Constitution => "constitution",
            PolicyKind::Law => "law",
            PolicyKind::Regulation => "regulation",
            PolicyKind::Policy => "policy",
        }
    }
}

/// An international instrument in the register (`[[instrument]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Instrument {
    /// Entry id, referred to by structural indicators (e.g. `"icrmw"`, `"ilo_c189"`).
    pub id: String,
    /// Full name of the instrument.
    pub name: String,
    /// UN treaty, ILO convention or other.
    pub kind: InstrumentKind,
    /// Ratified, signed or not ratified.
    pub status: RatificationStatus,
    /// Date of signature.
    pub signed: Option<PartialDate>,
    /// Date of ratification, accession or succession.
    pub ratified: Option<PartialDate>,
    /// Date of entry into force for the State.
    pub in_force: Option<PartialDate>,
    /// Where the facts come from (URL, document symbol, dataset).
    pub source: String,
    /// `true` when the facts could not be checked in a source (example data only).
    pub illustrative: bool,
    /// Free notes (reservations, withdrawals, caveats).
    pub notes: Option<String>,
}

/// A national law or policy in the register (`[[policy]]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    /// Entry id, referred to by structural indicators.
    pub id: String,
    /// Name of the law or policy (and provision).
    pub name: String,
    /// Constitution, law, regulation or policy.
    pub kind: PolicyKind,
    /// Absent, partial or complete.
    pub status: PolicyStatus,
    /// Date of adoption (or promulgation).
    pub adopted: Option<PartialDate>,
    /// Date of the last amendment considered.
    pub amended: Option<PartialDate>,
    /// Date of repeal, if the law or policy was repealed (it counts as absent from then on).
    pub repealed: Option<PartialDate>,
    /// Rights or areas covered (e.g. `["health"]`), free labels.
    pub areas: Vec<String>,
    /// Where the facts come from.
    pub source: String,
    /// `true` when the facts or the status coding could not be checked in a source.
    pub illustrative: bool,
    /// Free notes (what makes it partial, implementation caveats).
    pub notes: Option<String>,
}

/// A country register: instruments and national laws and policies.
///
/// Build it with [`Register::from_toml_str`] or [`Register::from_path`] (which validate), or
/// by hand and then call [`Register::validate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Register {
    /// Country code (ISO 3166-1 alpha-3, e.g. `"MEX"`).
    pub country: String,
    /// Country name.
    pub name: String,
    /// Date at which the register's facts were checked.
    pub as_of: Option<PartialDate>,
    /// Free notes about the register.
    pub notes: Option<String>,
    /// International instruments.
    #[serde(rename = "instrument")]
    pub instruments: Vec<Instrument>,
    /// National laws and policies.
    #[serde(rename = "policy")]
    pub policies: Vec<Policy>,
}

/// A borrowed view of any register entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry<'a> {
    /// An international instrument.
    Instrument(&'a Instrument),
    /// A national law or policy.
    Policy(&'a Policy),
}

impl<'a> Entry<'a> {
    /// The entry id.
    pub fn id(&self) -> &'a str {
        match self {
            Entry::Instrument(i) => &i.id,
            Entry::Policy(p) => &p.id,
        }
    }

    /// The entry name.
    pub fn name(&self) -> &'a str {
        match self {
            Entry::Instrument(i) => &i.name,
            Entry::Policy(p) => &p.name,
        }
    }

    /// The entry status.
    pub fn status(&self) -> Status {
        match self {
            Entry::Instrument(i) => Status::Ratification(i.status),
            Entry::Policy(p) => Status::Policy(p.status),
        }
    }

    /// The date of the current status: the ratification date of a ratified instrument, the
    /// signature date of a signed one, the adoption date of a law or policy; `None` for a
    /// not-ratified instrument or an absent policy, or when the date is not recorded.
    pub fn date(&self) -> Option<PartialDate> {
        match self {
            Entry::Instrument(i) => match i.status {
                RatificationStatus::Ratified => i.ratified,
                RatificationStatus::Signed => i.signed,
                RatificationStatus::NotRatified => None,
            },
            Entry::Policy(p) => match p.status {
                PolicyStatus::Absent => None,
                _ => p.adopted,
            },
        }
    }

    /// The entry's status at a reference date (a round's), from its dates: an instrument is
    /// `in_force` (status ratified) from its entry into force, `ratified` from its
    /// ratification (accession, succession), `signed` from its signature, `not_ratified`
    /// before; a law or policy has its recorded status (partial or complete) from its
    /// adoption (`adopted`), is `not_yet_adopted` (absent) before and `repealed` (absent)
    /// from its repeal. An event counts when it had certainly happened by the date
    /// ([`PartialDate::by`]). `Err` with the reason when a date the answer needs is not
    /// recorded.
    pub fn status_at(&self, at: PartialDate) -> Result<DatedStatus, String> {
        let by = |d: Option<PartialDate>| d.filter(|d| d.by(at));
        match self {
            Entry::Instrument(i) => {
                let ratified = || DatedStatus {
                    status: Status::Ratification(RatificationStatus::Ratified),
                    stage: "ratified",
                    since: i.ratified,
                };
                match i.status {
                    RatificationStatus::NotRatified => Ok(DatedStatus {
                        status: Status::Ratification(RatificationStatus::NotRatified),
                        stage: "not_ratified",
                        since: None,
                    }),
                    RatificationStatus::Ratified
                        if i.ratified.is_none() && i.in_force.is_none() =>
                    {
                        Err(format!(
                            "'{}' is ratified but its ratification date is not recorded: its status at {at} cannot be told",
                            i.id
                        ))
                    }
                    RatificationStatus::Signed if i.signed.is_none() => Err(format!(
                        "'{}' is signed but its signature date is not recorded: its status at {at} cannot be told",
                        i.id
                    )),
                    status => Ok(
                        if let Some(d) =
                            by(i.in_force).filter(|_| status == RatificationStatus::Ratified)
                        {
                            DatedStatus {
                                since: Some(d),
                                stage: "in_force",
                                ..ratified()
                            }
                        } else if by(i.ratified).is_some() && status == RatificationStatus::Ratified
                        {
                            ratified()
                        } else if let Some(d) = by(i.signed) {
                            DatedStatus {
                                status: Status::Ratification(RatificationStatus::Signed),
                                stage: "signed",
                                since: Some(d),
                            }
                        } else if status == RatificationStatus::Ratified
                            && i.ratified.is_none()
                            && i.in_force.is_some_and(|d| !d.by(at))
                        {
                            return Err(format!(
                                "'{}' has no ratification date and was not in force at {at}: its status then cannot be told",
                                i.id
                            ));
                        } else {
                            DatedStatus {
                                status: Status::Ratification(RatificationStatus::NotRatified),
                                stage: "not_ratified",
                                since: None,
                            }
                        },
                    ),
                }
            }
            Entry::Policy(p) => {
                let absent = |stage: &'static str, since: Option<PartialDate>| DatedStatus {
                    status: Status::Policy(PolicyStatus::Absent),
                    stage,
                    since,
                };
                if let Some(d) = by(p.repealed) {
                    return Ok(absent("repealed", Some(d)));
                }
                match (p.status, p.adopted) {
                    (PolicyStatus::Absent, _) => Ok(absent("absent", None)),
                    (_, None) => Err(format!(
                        "'{}' has no adoption date: its status at {at} cannot be told",
                        p.id
                    )),
                    (status, Some(d)) if d.by(at) => Ok(DatedStatus {
                        status: Status::Policy(status),
                        stage: "adopted",
                        since: Some(d),
                    }),
                    _ => Ok(absent("not_yet_adopted", None)),
                }
            }
        }
    }

    /// The source of the entry.
    pub fn source(&self) -> &'a str {
        match self {
            Entry::Instrument(i) => &i.source,
            Entry::Policy(p) => &p.source,
        }
    }

    /// Whether the entry is illustrative (not checked in a source).
    pub fn illustrative(&self) -> bool {
        match self {
            Entry::Instrument(i) => i.illustrative,
            Entry::Policy(p) => p.illustrative,
        }
    }

    /// The entry's notes.
    pub fn notes(&self) -> Option<&'a str> {
        match self {
            Entry::Instrument(i) => i.notes.as_deref(),
            Entry::Policy(p) => p.notes.as_deref(),
        }
    }
}

/// An entry's status at a reference date ([`Entry::status_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatedStatus {
    /// The status then, as scored.
    pub status: Status,
    /// The stage reached: `in_force`, `ratified`, `signed`, `not_ratified` (instruments);
    /// `adopted`, `not_yet_adopted`, `repealed`, `absent` (laws and policies).
    pub stage: &'static str,
    /// The date of that stage, when recorded.
    pub since: Option<PartialDate>,
}

/// The status of a structural indicator: known from its register entry, or missing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StructuralStatus {
    /// The entry is in the register with this status.
    Known(Status),
    /// The entry is not in the register (or there is no register). Not the same as "not
    /// ratified": it has no score.
    Missing,
}

impl Serialize for StructuralStatus {
    /// Serialised as the status name, or `"missing"`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl StructuralStatus {
    /// The status score on 0–100, `None` when missing.
    pub fn score(&self) -> Option<f64> {
        match self {
            StructuralStatus::Known(s) => Some(s.score()),
            StructuralStatus::Missing => None,
        }
    }

    /// The status name, or `"missing"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StructuralStatus::Known(s) => s.as_str(),
            StructuralStatus::Missing => "missing",
        }
    }

    /// Whether the status is missing.
    pub fn is_missing(&self) -> bool {
        matches!(self, StructuralStatus::Missing)
    }
}

/// The value of one structural indicator, read from the register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StructuralValue {
    /// Indicator id.
    pub indicator: String,
    /// Register entry id the indicator reads.
    pub entry: String,
    /// The entry's status, or [`StructuralStatus::Missing`].
    pub status: StructuralStatus,
    /// Date of the status (see [`Entry::date`]).
    pub date: Option<PartialDate>,
    /// The entry's source (`None` when missing).
    pub source: Option<String>,
    /// Whether the entry is illustrative.
    pub illustrative: bool,
    /// Why the value is missing (`None` when known).
    pub reason: Option<String>,
    /// The reference date the status is taken at (`None`: the register's current status).
    pub at: Option<PartialDate>,
    /// The stage reached at that date ([`DatedStatus::stage`]).
    pub stage: Option<&'static str>,
}

impl StructuralValue {
    /// The score on 0–100: `None` when missing, and when the entry is illustrative (shown,
    /// never scored).
    pub fn score(&self) -> Option<f64> {
        if self.illustrative {
            None
        } else {
            self.status.score()
        }
    }

    /// Why [`score`](Self::score) is `None`, when it is.
    pub fn score_reason(&self) -> Option<String> {
        if self.status.is_missing() {
            Some(
                self.reason
                    .clone()
                    .unwrap_or_else(|| "the status is missing".to_string()),
            )
        } else if self.illustrative {
            Some(
                "illustrative register entry (not checked in a primary source): shown, not scored"
                    .to_string(),
            )
        } else {
            None
        }
    }

    /// The value of a structural indicator when there is no register at all.
    pub fn without_register(indicator: &Indicator) -> Result<Self, RegisterError> {
        let entry = structural_entry(indicator)?;
        Ok(StructuralValue {
            indicator: indicator.id.clone(),
            entry: entry.to_string(),
            status: StructuralStatus::Missing,
            date: None,
            source: None,
            illustrative: false,
            reason: Some("no country register was given".to_string()),
            at: None,
            stage: None,
        })
    }
}

fn structural_entry(indicator: &Indicator) -> Result<&str, RegisterError> {
    match &indicator.measure {
        Measure::Structural { entry } => Ok(entry),
        _ => Err(RegisterError::NotStructural {
            indicator: indicator.id.clone(),
        }),
    }
}

impl Register {
    /// Parses and validates a register from TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, RegisterError> {
        Self::parse(text, "<string>")
    }

    /// Reads, parses and validates a register file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, RegisterError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RegisterError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, origin: &str) -> Result<Self, RegisterError> {
        let raw: raw::Register = toml::from_str(text).map_err(|e| RegisterError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let register = raw.into_register()?;
        register.validate()?;
        Ok(register)
    }

    /// Checks the register: non-empty country, ids and sources; unique ids across
    /// instruments and policies; statuses consistent with dates (no ratification date on a
    /// `signed` or `not_ratified` instrument, no signature date on a `not_ratified` one,
    /// ratification not before signature, no adoption date on an `absent` policy).
    pub fn validate(&self) -> Result<(), RegisterError> {
        if self.country.trim().is_empty() {
            return Err(RegisterError::EmptyField {
                entry: "register".to_string(),
                field: "country",
            });
        }
        let mut seen = std::collections::HashSet::new();
        for (n, i) in self.instruments.iter().enumerate() {
            check_common(&i.id, &i.source, "instrument", n, &mut seen)?;
            let bad = |field: &'static str, reason: &str| {
                Err(RegisterError::Inconsistent {
                    entry: i.id.clone(),
                    field,
                    reason: reason.to_string(),
                })
            };
            match i.status {
                RatificationStatus::NotRatified => {
                    if i.ratified.is_some() {
                        return bad(
                            "ratified",
                            "a ratification date on a not_ratified instrument",
                        );
                    }
                    if i.signed.is_some() {
                        return bad(
                            "signed",
                            "a signature date on a not_ratified instrument (use status = \"signed\")",
                        );
                    }
                    if i.in_force.is_some() {
                        return bad(
                            "in_force",
                            "an entry-into-force date on a not_ratified instrument",
                        );
                    }
                }
                RatificationStatus::Signed => {
                    if i.ratified.is_some() {
                        return bad(
                            "ratified",
                            "a ratification date on a signed instrument (use status = \"ratified\")",
                        );
                    }
                }
                RatificationStatus::Ratified => {}
            }
            if let (Some(s), Some(r)) = (i.signed, i.ratified)
                && r.year < s.year
            {
                return bad("ratified", "ratification dated before signature");
            }
        }
        for (n, p) in self.policies.iter().enumerate() {
            check_common(&p.id, &p.source, "policy", n, &mut seen)?;
            if p.status == PolicyStatus::Absent && p.adopted.is_some() {
                return Err(RegisterError::Inconsistent {
                    entry: p.id.clone(),
                    field: "adopted",
                    reason: "an adoption date on an absent law or policy".to_string(),
                });
            }
        }
        Ok(())
    }

    /// The entry with this id, if any.
    pub fn get(&self, id: &str) -> Option<Entry<'_>> {
        self.instruments
            .iter()
            .find(|i| i.id == id)
            .map(Entry::Instrument)
            .or_else(|| self.policies.iter().find(|p| p.id == id).map(Entry::Policy))
    }

    /// The status of an entry, [`StructuralStatus::Missing`] if it is not in the register.
    pub fn status(&self, id: &str) -> StructuralStatus {
        self.get(id)
            .map(|e| StructuralStatus::Known(e.status()))
            .unwrap_or(StructuralStatus::Missing)
    }

    /// All entries: instruments first, then policies, each in file order.
    pub fn entries(&self) -> impl Iterator<Item = Entry<'_>> {
        self.instruments
            .iter()
            .map(Entry::Instrument)
            .chain(self.policies.iter().map(Entry::Policy))
    }

    /// The value of a structural indicator: the status of its entry, or
    /// [`StructuralStatus::Missing`] (with a reason) when the entry is not in the register.
    /// Errors if the indicator is not structural.
    pub fn structural_value(
        &self,
        indicator: &Indicator,
    ) -> Result<StructuralValue, RegisterError> {
        let entry = structural_entry(indicator)?;
        Ok(match self.get(entry) {
            Some(e) => StructuralValue {
                indicator: indicator.id.clone(),
                entry: entry.to_string(),
                status: StructuralStatus::Known(e.status()),
                date: e.date(),
                source: Some(e.source().to_string()),
                illustrative: e.illustrative(),
                reason: None,
                at: None,
                stage: None,
            },
            None => StructuralValue {
                indicator: indicator.id.clone(),
                entry: entry.to_string(),
                status: StructuralStatus::Missing,
                date: None,
                source: None,
                illustrative: false,
                reason: Some(format!(
                    "entry '{entry}' is not in the register of {}",
                    self.country
                )),
                at: None,
                stage: None,
            },
        })
    }

    /// The value of a structural indicator at a reference date (a round's): the entry's
    /// status then ([`Entry::status_at`]); missing, with the reason, when the register cannot
    /// tell it. `at = None` is [`structural_value`](Self::structural_value).
    pub fn structural_value_at(
        &self,
        indicator: &Indicator,
        at: Option<PartialDate>,
    ) -> Result<StructuralValue, RegisterError> {
        let mut value = self.structural_value(indicator)?;
        let (Some(at), Some(e)) = (at, self.get(&value.entry)) else {
            return Ok(value);
        };
        match e.status_at(at) {
            Ok(d) => {
                value.status = StructuralStatus::Known(d.status);
                value.date = d.since;
                value.stage = Some(d.stage);
            }
            Err(reason) => {
                value.status = StructuralStatus::Missing;
                value.date = None;
                value.reason = Some(reason);
            }
        }
        value.at = Some(at);
        Ok(value)
    }

    /// The values of every structural indicator among `indicators` (others are skipped), in
    /// order.
    pub fn structural_values(&self, indicators: &[Indicator]) -> Vec<StructuralValue> {
        indicators
            .iter()
            .filter_map(|i| self.structural_value(i).ok())
            .collect()
    }
}

fn check_common(
    id: &str,
    source: &str,
    section: &str,
    index: usize,
    seen: &mut std::collections::HashSet<String>,
) -> Result<(), RegisterError> {
    if id.trim().is_empty() {
        return Err(RegisterError::EmptyField {
            entry: format!("{section} #{}", index + 1),
            field: "id",
        });
    }
    if source.trim().is_empty() {
        return Err(RegisterError::EmptyField {
            entry: id.to_string(),
            field: "source",
        });
    }
    if !seen.insert(id.to_string()) {
        return Err(RegisterError::DuplicateEntry { id: id.to_string() });
    }
    Ok(())
}

/// The file format, as read; dates are converted and checked into the public types.
mod raw {
    use serde::Deserialize;

    use super::{
        InstrumentKind, PartialDate, PolicyKind, PolicyStatus, RatificationStatus, RegisterError,
    };

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Register {
        country: String,
        #[serde(default)]
        name: String,
        #[serde(default)]
        as_of: Option<DateInput>,
        #[serde(default)]
        notes: Option<String>,
        #[serde(default)]
        instrument: Vec<Instrument>,
        #[serde(default)]
        policy: Vec<Policy>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Instrument {
        id: String,
        name: String,
        kind: InstrumentKind,
        status: RatificationStatus,
        #[serde(default)]
        signed: Option<DateInput>,
        #[serde(default)]
        ratified: Option<DateInput>,
        #[serde(default)]
        in_force: Option<DateInput>,
        source: String,
        #[serde(default)]
        illustrative: bool,
        #[serde(default)]
        notes: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Policy {
        id: String,
        name: String,
        kind: PolicyKind,
        status: PolicyStatus,
        #[serde(default)]
        adopted: Option<DateInput>,
        #[serde(default)]
        amended: Option<DateInput>,
        #[serde(default)]
        repealed: Option<DateInput>,
        #[serde(default)]
        areas: Vec<String>,
        source: String,
        #[serde(default)]
        illustrative: bool,
        #[serde(default)]
        notes: Option<String>,
    }

    /// A date as written: `"1999-03-08"`, `1999`, or a TOML date `1999-03-08`.
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateInput {
        Year(i64),
        Text(String),
        Toml(toml::value::Datetime),
    }

    fn date(
        input: Option<DateInput>,
        entry: &str,
        field: &'static str,
    ) -> Result<Option<PartialDate>, RegisterError> {
        let Some(input) = input else {
            return Ok(None);
        };
        let text = match input {
            DateInput::Year(y) => y.to_string(),
            DateInput::Text(s) => s,
            DateInput::Toml(dt) => match (dt.date, dt.time) {
                (Some(d), None) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
                _ => {
                    return Err(RegisterError::InvalidDate {
                        entry: entry.to_string(),
                        field,
                        value: dt.to_string(),
                        reason: "a date without a time is expected".to_string(),
                    });
                }
            },
        };
        text.parse::<PartialDate>()
            .map(Some)
            .map_err(|reason| RegisterError::InvalidDate {
                entry: entry.to_string(),
                field,
                value: text.clone(),
                reason,
            })
    }

    impl Register {
        pub(super) fn into_register(self) -> Result<super::Register, RegisterError> {
            let instruments = self
                .instrument
                .into_iter()
                .map(|i| {
                    Ok(super::Instrument {
                        signed: date(i.signed, &i.id, "signed")?,
                        ratified: date(i.ratified, &i.id, "ratified")?,
                        in_force: date(i.in_force, &i.id, "in_force")?,
                        id: i.id,
                        name: i.name,
                        kind: i.kind,
                        status: i.status,
                        source: i.source,
                        illustrative: i.illustrative,
                        notes: i.notes,
                    })
                })
                .collect::<Result<Vec<_>, RegisterError>>()?;
            let policies = self
                .policy
                .into_iter()
                .map(|p| {
                    Ok(super::Policy {
                        adopted: date(p.adopted, &p.id, "adopted")?,
                        amended: date(p.amended, &p.id, "amended")?,
                        repealed: date(p.repealed, &p.id, "repealed")?,
                        id: p.id,
                        name: p.name,
                        kind: p.kind,
                        status: p.status,
                        areas: p.areas,
                        source: p.source,
                        illustrative: p.illustrative,
                        notes: p.notes,
                    })
                })
                .collect::<Result<Vec<_>, RegisterError>>()?;
            Ok(super::Register {
                as_of: date(self.as_of, "register", "as_of")?,
                country: self.country,
                name: self.name,
                notes: self.notes,
                instruments,
                policies,
            })
        }
    }
}
