//! The CIB (Cluster Information Base): Pacemaker's XML holding the cluster's
//! configuration and its status, read into a typed model and written back.
//!
//! - [`xml`]: a plain element tree with source positions (quick-xml underneath);
//! - [`model`]: the typed configuration and status;
//! - [`options`]: the cluster options: name, type, default;
//! - [`parse`]: element tree → model, with errors naming line:column or id;
//! - [`write`]: model → element tree → XML text;
//! - [`status_edit`]: the status section's changes the controller and
//!   `crm_simulate` make (node states, operation history, fail counts);
//! - [`validate`]: the checks a CIB must pass before the scheduler sees it
//!   (unique ids, references that resolve), with Pacemaker's own leniencies.

pub mod model;
pub mod options;
pub mod parse;
mod score;
pub mod status_edit;
pub mod validate;
pub mod values;
pub mod write;
pub mod xml;

pub use model::*;
pub use score::{Score, INFINITY};

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a CIB could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CibError {
    /// The file, when the CIB came from one.
    pub file: Option<PathBuf>,
    /// Where in the text, when known.
    pub pos: Option<xml::Pos>,
    /// The id of the offending element, when it has one.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl CibError {
    /// An error at a position in the text.
    pub fn at(pos: xml::Pos, message: impl Into<String>) -> Self {
        CibError {
            file: None,
            pos: Some(pos),
            id: None,
            message: message.into(),
        }
    }

    /// An error about the element with this id.
    pub fn for_id(id: &str, message: impl Into<String>) -> Self {
        CibError {
            file: None,
            pos: None,
            id: Some(id.to_string()),
            message: message.into(),
        }
    }

    /// The same error, naming the file it came from.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for CibError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(pos) = self.pos {
                write!(f, ":{pos}")?;
            }
            write!(f, ": ")?;
        } else if let Some(pos) = self.pos {
            write!(f, "{pos}: ")?;
        }
        if let Some(id) = &self.id {
            write!(f, "id '{id}': ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for CibError {}

/// `cibadmin --empty` of Pacemaker 2.1.5: an empty configuration.
pub const EMPTY_CIB: &str = r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#;

/// Parses a CIB from XML text.
pub fn from_str(text: &str) -> Result<Cib, CibError> {
    let root = xml::Element::parse(text).map_err(|e| CibError::at(e.pos, e.message))?;
    parse::cib(&root)
}

/// Reads, parses and validates a CIB file; errors name the file.
pub fn load(path: &Path) -> Result<Cib, CibError> {
    let text = std::fs::read_to_string(path).map_err(|e| CibError {
        file: Some(path.to_path_buf()),
        pos: None,
        id: None,
        message: format!("cannot read: {e}"),
    })?;
    let cib = from_str(&text).map_err(|e| e.in_file(path))?;
    validate::check(&cib).map_err(|e| e.in_file(path))?;
    Ok(cib)
}

impl Cib {
    /// Writes the CIB as XML text.
    pub fn to_xml(&self) -> String {
        write::cib(self).to_xml()
    }
}
