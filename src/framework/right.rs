//! A human right, the top level of the framework.

use serde::{Deserialize, Serialize};

/// A human right (e.g. the right to health), split into [`Attribute`](super::Attribute)s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Right {
    /// Stable identifier used by attributes and indicators (e.g. `"health"`).
    pub id: String,
    /// Human-readable name (e.g. "Right to health").
    pub name: String,
    /// What the right covers, in plain words.
    #[serde(default)]
    pub description: String,
}
