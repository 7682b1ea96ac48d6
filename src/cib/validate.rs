//! Checks beyond syntax.
use super::*;
/// Checks ids and references.
pub fn check(_cib: &Cib) -> Result<(), CibError> {
    Ok(())
}
