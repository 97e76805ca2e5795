//! An attribute: an essential element of a right.

use serde::{Deserialize, Serialize};

/// An essential element of a right (e.g. "accessibility to health facilities and
/// essential medicines" for the right to health).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// Stable identifier, unique within the catalogue.
    pub id: String,
    /// The id of the [`Right`](super::Right) this attribute belongs to.
    pub right: String,
    /// Human-readable name.
    pub name: String,
    /// What the attribute covers.
    #[serde(default)]
    pub description: String,
}
