//! Element tree → typed model.
//!
//! The rule throughout: nothing in the document is silently lost. Attributes a
//! struct does not model go to its `extra`, child elements it does not model go
//! to its `unknown`. Where a struct has no `unknown` (an `<expression>`, a
//! `<rsc_location>`, a `<tag>`...), an element that does not fit it is kept
//! whole one level up instead (as [`RuleItem::Unknown`], [`Constraint::Unknown`],
//! in the parent's `unknown`, ...). Only where there is no such place either is
//! the misfit an error, naming line:column. Re-reading what [`super::write`]
//! produced gives the same decisions, hence an equal model.
//!
//! The one exception is the `id` (and any other attribute) of the wrappers
//! `<transient_attributes>`, `<lrm>` and `<lrm_resources>` in a `<node_state>`:
//! the model has no field for them, Pacemaker never reads them, and the corpus
//! is full of generated values like `lrm.auto-2`. They are written back as the
//! node's id.

mod constraints;
mod resources;
mod rules;
mod sections;
mod status;
#[cfg(test)]
mod tests;

use constraints::*;
use resources::*;
use rules::*;
use sections::*;
use status::*;

use super::xml::Element;
use super::*;

/// Why an element could not be read into its typed struct.
#[derive(Debug)]
enum Fail {
    /// The document is wrong (e.g. a score that is not a score): give up.
    Error(CibError),
    /// The element is fine but holds something its struct cannot keep: the
    /// caller keeps it whole as unknown if it can, otherwise reports the error.
    Misfit(CibError),
}

impl From<CibError> for Fail {
    fn from(e: CibError) -> Self {
        Fail::Error(e)
    }
}

impl Fail {
    /// For callers with nowhere to keep a misfit: every failure is an error.
    fn into_error(self) -> CibError {
        match self {
            Fail::Error(e) | Fail::Misfit(e) => e,
        }
    }
}

type Res<T> = Result<T, Fail>;

/// An error about element `el`, at its position and naming its id if it has one.
fn error_at(el: &Element, message: impl Into<String>) -> CibError {
    let mut e = CibError::at(el.pos, message);
    e.id = el.attr("id").map(str::to_string);
    e
}

/// Runs a parser where a misfit has nowhere else to go, so it is an error.
fn strict<T>(r: Res<T>) -> Result<T, CibError> {
    r.map_err(Fail::into_error)
}

/// Wraps a child parser for a place with nowhere to keep a misfit: the child's
/// own reason becomes the error, rather than a vaguer one about its parent.
fn must<T>(parse: impl Fn(&Element) -> Res<T>) -> impl Fn(&Element) -> Res<T> {
    move |e| parse(e).map_err(|f| Fail::Error(f.into_error()))
}

/// Takes an element apart: the typed parser asks for the attributes and
/// children it knows, and whatever nobody asked for is left over as `extra`
/// and `unknown`. This keeps each parser to the list of what it models.
struct Parts<'a> {
    el: &'a Element,
    attr_taken: Vec<bool>,
    child_taken: Vec<bool>,
}

impl<'a> Parts<'a> {
    /// Starts on `el`. No typed struct holds text, so text is a misfit.
    fn new(el: &'a Element) -> Res<Self> {
        if el.text.is_some() {
            return Err(Fail::Misfit(error_at(
                el,
                format!("<{}> holds text, which it cannot have", el.name),
            )));
        }
        Ok(Parts {
            el,
            attr_taken: vec![false; el.attrs.len()],
            child_taken: vec![false; el.children.len()],
        })
    }

    /// An error about this element.
    fn error(&self, message: impl Into<String>) -> CibError {
        error_at(self.el, message)
    }

    /// Takes attribute `name`.
    fn attr(&mut self, name: &str) -> Option<String> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        self.attr_taken[i] = true;
        Some(self.el.attrs[i].1.clone())
    }

    /// Takes an attribute the schema requires; absent reads as empty.
    fn required(&mut self, name: &str) -> String {
        self.attr(name).unwrap_or_default()
    }

    /// Takes attribute `name` if it parses as a `T`; a value that does not
    /// (e.g. a number written oddly in an old CIB) stays in `extra`.
    fn parsed<T: std::str::FromStr>(&mut self, name: &str) -> Option<T> {
        let i = self.el.attrs.iter().position(|(k, _)| k == name)?;
        let v = self.el.attrs[i].1.trim().parse().ok()?;
        self.attr_taken[i] = true;
        Some(v)
    }

    /// Takes a score attribute. A value that is not a score is an error,
    /// because Pacemaker would read it as something the author did not mean.
    fn score(&mut self, name: &str) -> Result<Option<Score>, CibError> {
        match self.attr(name) {
            None => Ok(None),
            Some(v) => Score::parse(&v).map(Some).ok_or_else(|| {
                self.error(format!(
                    "{name}=\"{v}\" in <{}> is not a score \
                     (an integer, INFINITY, +INFINITY, -INFINITY, red, yellow or green)",
                    self.el.name
                ))
            }),
        }
    }

    /// Takes the children named `name` that `parse` can read, in order.
    /// Misfits stay behind for `unknown` (or make this element a misfit).
    fn children<T>(&mut self, name: &str, parse: impl Fn(&Element) -> Res<T>) -> Res<Vec<T>> {
        self.children_where(|c| c.name == name, parse)
    }

    /// Like [`Parts::children`], over the children `pick` chooses.
    fn children_where<T>(
        &mut self,
        pick: impl Fn(&Element) -> bool,
        parse: impl Fn(&Element) -> Res<T>,
    ) -> Res<Vec<T>> {
        let mut out = Vec::new();
        for (i, c) in self.el.children.iter().enumerate() {
            if self.child_taken[i] || !pick(c) {
                continue;
            }
            match parse(c) {
                Ok(v) => {
                    self.child_taken[i] = true;
                    out.push(v);
                }
                Err(Fail::Misfit(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Takes the first child named `name` that `parse` can read; later ones
    /// (a second `<operations>`, say) stay behind for `unknown`.
    fn first<T>(&mut self, name: &str, parse: impl Fn(&Element) -> Res<T>) -> Res<Option<T>> {
        self.first_where(|c| c.name == name, parse)
    }

    /// Like [`Parts::first`], over the children `pick` chooses.
    fn first_where<T>(
        &mut self,
        pick: impl Fn(&Element) -> bool,
        parse: impl Fn(&Element) -> Res<T>,
    ) -> Res<Option<T>> {
        for (i, c) in self.el.children.iter().enumerate() {
            if self.child_taken[i] || !pick(c) {
                continue;
            }
            match parse(c) {
                Ok(v) => {
                    self.child_taken[i] = true;
                    return Ok(Some(v));
                }
                Err(Fail::Misfit(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The attributes nobody took, in document order.
    fn extra(&self) -> Attrs {
        self.el
            .attrs
            .iter()
            .zip(&self.attr_taken)
            .filter(|(_, taken)| !**taken)
            .map(|(kv, _)| kv.clone())
            .collect()
    }

    /// The children nobody took, in document order.
    fn unknown(&self) -> Vec<Element> {
        self.el
            .children
            .iter()
            .zip(&self.child_taken)
            .filter(|(_, taken)| !**taken)
            .map(|(c, _)| c.clone())
            .collect()
    }

    /// For structs without `unknown`: leftover children make this a misfit.
    fn no_unknown(&self) -> Res<()> {
        match self.unknown().first() {
            None => Ok(()),
            Some(c) => Err(Fail::Misfit(self.error(format!(
                "<{}> cannot hold <{}> (at {})",
                self.el.name, c.name, c.pos
            )))),
        }
    }

    /// For elements with neither `extra` nor `unknown`: anything left over is
    /// a misfit.
    fn nothing_left(&self) -> Res<()> {
        if let Some((k, _)) = self.extra().first() {
            return Err(Fail::Misfit(
                self.error(format!("<{}> cannot hold attribute {k}", self.el.name)),
            ));
        }
        self.no_unknown()
    }
}

/// Parses a `<cib>` element.
pub fn cib(root: &Element) -> Result<Cib, CibError> {
    if root.name != "cib" {
        return Err(error_at(
            root,
            format!("the root element is <{}>, not <cib>", root.name),
        ));
    }
    let mut p = strict(Parts::new(root))?;
    let attrs = root.attrs.clone();
    let configuration =
        strict(p.first("configuration", |e| configuration(e).map_err(Fail::Error)))?
            .ok_or_else(|| error_at(root, "<cib> has no <configuration>"))?;
    let status = strict(p.first("status", |e| status(e).map_err(Fail::Error)))?.unwrap_or_default();
    Ok(Cib {
        attrs,
        configuration: std::sync::Arc::new(configuration),
        status,
        unknown: p.unknown(),
    })
}

/// Sections that hold no attributes in the schema and have no field for them:
/// an attribute there would be lost, so it is an error.
fn no_attrs(el: &Element) -> Result<(), CibError> {
    match el.attrs.first() {
        None => Ok(()),
        Some((k, _)) => Err(error_at(
            el,
            format!("<{}> cannot have attributes (found {k})", el.name),
        )),
    }
}

/// Children of a required section that are not what the section holds: the
/// model has nowhere to keep them, so they are an error.
fn only_known(p: &Parts<'_>) -> Result<(), CibError> {
    match p.unknown().first() {
        None => Ok(()),
        Some(c) => Err(error_at(
            c,
            format!("<{}> cannot hold <{}>", p.el.name, c.name),
        )),
    }
}

fn configuration(el: &Element) -> Result<Configuration, CibError> {
    no_attrs(el)?;
    let mut p = strict(Parts::new(el))?;
    // The sections every CIB has: if one does not fit, that is an error.
    let crm_config = strict(p.first(
        "crm_config",
        must(|e| nvset_section(e, &["cluster_property_set"])),
    ))?;
    let nodes = strict(p.first("nodes", |e| nodes(e).map_err(Fail::Error)))?;
    let resources = strict(p.first("resources", |e| resources(e).map_err(Fail::Error)))?;
    let constraints = strict(p.first("constraints", must(constraints)))?;
    let defaults = must(|e| nvset_section(e, &["meta_attributes", "instance_attributes"]));
    let rsc_defaults = strict(p.first("rsc_defaults", &defaults))?;
    let op_defaults = strict(p.first("op_defaults", &defaults))?;
    // The optional sections fall back to `unknown` whole when they do not fit.
    let fencing_topology = strict(p.first("fencing-topology", fencing_topology))?;
    let tags = strict(p.first("tags", tags))?;
    let alerts = strict(p.first("alerts", alerts))?;
    Ok(Configuration {
        crm_config: crm_config.unwrap_or_default(),
        nodes: nodes.unwrap_or_default(),
        resources: resources.unwrap_or_default(),
        constraints: constraints.unwrap_or_default(),
        rsc_defaults: rsc_defaults.unwrap_or_default(),
        op_defaults: op_defaults.unwrap_or_default(),
        fencing_topology,
        tags,
        alerts,
        unknown: p.unknown(),
    })
}
