//! Typed model → element tree.
use super::*;
/// Writes a CIB as a `<cib>` element.
pub fn cib(_cib: &Cib) -> xml::Element {
    unimplemented!("being written")
}
