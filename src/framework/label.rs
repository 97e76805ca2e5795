//! The group labels that the standard derivations write and that the writers recognise
//! (readable names, colours, SDMX codes): one definition each, shared by every layer.

/// Native-born citizens: the reference group of migratory status.
pub const NATIVE_BORN_CITIZEN: &str = "native_born_citizen";
/// Persons born abroad (international migrants in the UN sense).
pub const FOREIGN_BORN: &str = "foreign_born";
/// Native-born persons without the country's citizenship.
pub const FOREIGN_CITIZEN: &str = "foreign_citizen";
/// Citizens who lived abroad and came back.
pub const RETURN_MIGRANT: &str = "return_migrant";
