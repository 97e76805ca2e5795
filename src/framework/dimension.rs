//! Disaggregation dimensions: the groups at risk of discrimination.

use serde::{Deserialize, Serialize};

/// The group label of a row whose value of a dimension cannot be determined from its
/// inputs (given by every derivation of [`crate::derive`], coded `_U` in SDMX-CSV).
pub const UNKNOWN: &str = "unknown";

/// A named disaggregation concept that a catalogue maps to a survey column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Migratory status (native-born, foreign-born, return migrant, ...).
    MigratoryStatus,
    /// Sex.
    Sex,
    /// Age group.
    AgeGroup,
    /// Disability status (Washington Group Short Set).
    Disability,
    /// Citizenship.
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
}

impl Dimension {
    /// Every dimension, in declaration order.
    pub const ALL: [Dimension; 11] = [
        Dimension::MigratoryStatus,
        Dimension::Sex,
        Dimension::AgeGroup,
        Dimension::Disability,
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
            Dimension::Sex => "sex",
            Dimension::AgeGroup => "age_group",
            Dimension::Disability => "disability",
            Dimension::Citizenship => "citizenship",
            Dimension::CountryOfBirth => "country_of_birth",
            Dimension::LegalStatus => "legal_status",
            Dimension::DurationOfStay => "duration_of_stay",
            Dimension::UrbanRural => "urban_rural",
            Dimension::Region => "region",
            Dimension::IncomeQuintile => "income_quintile",
        }
    }
}

/// One disaggregation: a single dimension, or several crossed (e.g. status × sex). It must
/// not be empty: the whole population ("total") is always computed.
pub type Disaggregation = Vec<Dimension>;
