//! The group labels that the standard derivations write and that the writers recognise
//! (readable names, colours, SDMX codes): one definition each, shared by every layer.
//!
//! Migratory status follows the UN Expert Group on Migration Statistics (the two-step
//! identification of its 2017 report, after the UN *Recommendations on Statistics of
//! International Migration, Revision 1*, 1998, and the CES/UNECE recommendations): step 1
//! crosses place of birth with citizenship; step 2 adds the migration history (return).

/// Native-born citizens who never lived abroad for the return threshold: the reference
/// group of migratory status.
pub const NATIVE_BORN_CITIZEN: &str = "native_born_citizen";
/// Native-born persons without the country's citizenship (stateless persons included).
pub const NATIVE_BORN_NON_CITIZEN: &str = "native_born_non_citizen";
/// Foreign-born citizens of the country (naturalised, or citizens by descent born abroad).
pub const FOREIGN_BORN_CITIZEN: &str = "foreign_born_citizen";
/// Foreign-born persons without the country's citizenship (stateless persons included).
pub const FOREIGN_BORN_NON_CITIZEN: &str = "foreign_born_non_citizen";
/// Native-born citizens back after living abroad at least the return threshold.
pub const RETURN_MIGRANT: &str = "return_migrant";

/// Roll-up (dimension `place_of_birth`): every person born abroad, the international
/// migrants of the UN stock definition (`foreign_born_citizen` ∪ `foreign_born_non_citizen`).
pub const FOREIGN_BORN: &str = "foreign_born";
/// Roll-up (dimension `place_of_birth`): every person born in the country.
pub const NATIVE_BORN: &str = "native_born";
/// Roll-up (dimension `citizenship`): every person without the country's citizenship,
/// wherever born (`native_born_non_citizen` ∪ `foreign_born_non_citizen`).
pub const NON_CITIZEN: &str = "non_citizen";
/// Roll-up (dimension `citizenship`): every citizen of the country, wherever born.
pub const CITIZEN: &str = "citizen";
