//! The integration tests of the survey engine, in one binary so that polars links once.

mod calibration;
mod design;
mod estimate_errors;
mod estimate_properties;
mod keyed;
mod r_reference;
mod reference;
