//! Disaggregation dimensions: the groups at risk of discrimination.

use std::collections::BTreeSet;
use std::sync::{Mutex, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The group label of a row whose value of a dimension cannot be determined from its
/// inputs (given by every derivation of [`crate::derive`], coded `_U` in SDMX-CSV).
pub const UNKNOWN: &str = "unknown";

/// A named disaggregation concept that a catalogue maps to a survey column: one of the
/// thirteen built-in dimensions (whose derivations and SDMX codes are standard), or a
/// dimension the catalogue declares itself with a label in its `[dimension_labels]`
/// ([`Dimension::Other`]: ethnicity, indigenous status, religion, education level, household
/// type, an office's own migrant variable).
///
/// In files a dimension is its snake_case name ([`as_str`](Self::as_str)); any other name of
/// lower-case ASCII letters, digits and `_` (starting with a letter) reads as
/// [`Dimension::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// Migratory status (native-born, foreign-born, return migrant, ...).
    MigratoryStatus,
    /// Place of birth, the roll-up of migratory status by birth: `native_born` /
    /// `foreign_born` (the international migrants of the UN stock definition), written by
    /// [`crate::derive::migratory_status`] as `{output}_place_of_birth`.
    PlaceOfBirth,
    /// Sex.
    Sex,
    /// Age group.
    AgeGroup,
    /// Disability status (Washington Group Short Set, WG-SS): designed for adults (18+);
    /// a catalogue may not break a universe of children down by it.
    Disability,
    /// Functional difficulty of children aged 2–17 (UNICEF/Washington Group Child
    /// Functioning Module, CFM), derived by [`crate::derive::child_functioning`]: the
    /// disability breakdown of a universe of children.
    ChildFunctioning,
    /// Citizenship: `citizen` / `non_citizen` (the roll-up of migratory status by
    /// citizenship, written as `{output}_citizenship`), or a survey's own coding.
    Citizenship,
    /// Country of birth.
    CountryOfBirth,
    /// Legal (migration) status: regular or irregular.
    LegalStatus,
    /// Duration of stay in the country.
    DurationOfStay,
    /// Urban or rural residence.
    UrbanRural,
    /// Region of residence.
    Region,
    /// Household income quintile.
    IncomeQuintile,
    /// A dimension declared by a catalogue (the name, interned for the program's life).
    Other(&'static str),
}

impl Dimension {
    /// Every dimension, in declaration order.
    pub const ALL: [Dimension; 13] = [
        Dimension::MigratoryStatus,
        Dimension::PlaceOfBirth,
        Dimension::Sex,
        Dimension::AgeGroup,
        Dimension::Disability,
        Dimension::ChildFunctioning,
        Dimension::Citizenship,
        Dimension::CountryOfBirth,
        Dimension::LegalStatus,
        Dimension::DurationOfStay,
        Dimension::UrbanRural,
        Dimension::Region,
        Dimension::IncomeQuintile,
    ];

    /// The snake_case name used in files (`"migratory_status"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::MigratoryStatus => "migratory_status",
            Dimension::PlaceOfBirth => "place_of_birth",
            Dimension::Sex => "sex",
            Dimension::AgeGroup => "age_group",
            Dimension::Disability => "disability",
            Dimension::ChildFunctioning => "child_functioning",
            Dimension::Citizenship => "citizenship",
            Dimension::CountryOfBirth => "country_of_birth",
            Dimension::LegalStatus => "legal_status",
            Dimension::DurationOfStay => "duration_of_stay",
            Dimension::UrbanRural => "urban_rural",
            Dimension::Region => "region",
            Dimension::IncomeQuintile => "income_quintile",
            Dimension::Other(name) => name,
        }
    }

    /// The built-in dimension of this name.
    pub fn builtin(name: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The name in upper case (`INDIGENOUS`), for SDMX concepts of declared dimensions.
    pub fn upper_name(self) -> &'static str {
        intern(&self.as_str().to_ascii_uppercase())
    }

    /// Whether this is one of the thirteen built-in dimensions.
    pub fn is_builtin(self) -> bool {
        !matches!(self, Dimension::Other(_))
    }

    /// The dimension of this name: a built-in one, or [`Dimension::Other`] for any other
    /// valid name (lower-case ASCII letters, digits and `_`, starting with a letter); `None`
    /// for an invalid name.
    pub fn named(name: &str) -> Option<Dimension> {
        if let Some(d) = Dimension::builtin(name) {
            return Some(d);
        }
        let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && name.len() <= 64;
        valid.then(|| Dimension::Other(intern(name)))
    }
}

/// The one `'static` copy of a declared dimension's name (a catalogue declares a handful;
/// each distinct name is kept once for the program's life).
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(|| Mutex::new(BTreeSet::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.insert(leaked);
    leaked
}

impl Serialize for Dimension {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Dimension {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Dimension::named(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{name}` is not a dimension name (lower-case letters, digits and _, starting with a letter)"
            ))
        })
    }
}

/// One disaggregation: a single dimension, or several crossed (e.g. status × sex). It must
/// not be empty: the whole population ("total") is always computed.
pub type Disaggregation = Vec<Dimension>;
