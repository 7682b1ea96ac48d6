//! A small XML element tree with source positions.
//!
//! The CIB is XML, and Pacemaker keeps whatever a CIB holds, known or not. This
//! tree is the layer between quick-xml and the typed model in [`super::model`]:
//! parsing keeps every element, attribute and text run (with the line and column
//! it came from, for error messages); writing emits them back in order.

use std::fmt::Write as _;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A position in the source text, 1-based, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub struct Pos {
    /// Line, counting from 1.
    pub line: u32,
    /// Column in characters, counting from 1.
    pub col: u32,
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One XML element: its name, attributes in document order, children and text.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Tag name.
    pub name: String,
    /// Attributes in the order written.
    pub attrs: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Concatenated non-whitespace text content, if any.
    pub text: Option<String>,
    /// Where the element's start tag begins.
    pub pos: Pos,
}

/// Elements compare by content only: where they were read is not part of a CIB.
impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.attrs == other.attrs
            && self.children == other.children
            && self.text == other.text
    }
}

/// A syntax error in an XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// Where the problem was found.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

impl Element {
    /// A new element with no attributes or children.
    pub fn new(name: &str) -> Self {
        Element {
            name: name.to_string(),
            ..Default::default()
        }
    }

    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets attribute `name`, replacing an existing value in place.
    pub fn set_attr(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.attrs.push((name.to_string(), value)),
        }
    }

    /// Builder form of [`Element::set_attr`] that skips `None`.
    pub fn with_attr(mut self, name: &str, value: Option<impl Into<String>>) -> Self {
        if let Some(v) = value {
            self.set_attr(name, v);
        }
        self
    }

    /// Removes attribute `name`, returning its value.
    pub fn remove_attr(&mut self, name: &str) -> Option<String> {
        let idx = self.attrs.iter().position(|(k, _)| k == name)?;
        Some(self.attrs.remove(idx).1)
    }

    /// Child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Mutable access to the first child named `name`.
    pub fn child_mut(&mut self, name: &str) -> Option<&mut Element> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// Parses a whole document and returns its root element.
    pub fn parse(text: &str) -> Result<Element, XmlError> {
        let lines = LineIndex::new(text);
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        let mut stack: Vec<Element> = Vec::new();
        let mut root: Option<Element> = None;
        loop {
            let at = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|e| XmlError {
                pos: lines.pos(reader.error_position() as usize),
                message: e.to_string(),
            })?;
            match event {
                Event::Start(start) => {
                    let el = start_element(&start, lines.pos(at), &lines)?;
                    stack.push(el);
                }
                Event::Empty(start) => {
                    let el = start_element(&start, lines.pos(at), &lines)?;
                    attach(&mut stack, &mut root, el, &lines, at)?;
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or_else(|| XmlError {
                        pos: lines.pos(at),
                        message: "closing tag without an opening tag".into(),
                    })?;
                    attach(&mut stack, &mut root, el, &lines, at)?;
                }
                Event::Text(t) => {
                    let s = t.unescape().map_err(|e| XmlError {
                        pos: lines.pos(at),
                        message: e.to_string(),
                    })?;
                    let trimmed = s.trim();
                    if !trimmed.is_empty() {
                        match stack.last_mut() {
                            Some(parent) => parent
                                .text
                                .get_or_insert_with(String::new)
                                .push_str(trimmed),
                            None => {
                                return Err(XmlError {
                                    pos: lines.pos(at),
                                    message: "text outside the root element".into(),
                                })
                            }
                        }
                    }
                }
                Event::CData(t) => {
                    if let Some(parent) = stack.last_mut() {
                        let s = String::from_utf8_lossy(&t).into_owned();
                        parent.text.get_or_insert_with(String::new).push_str(&s);
                    }
                }
                Event::Eof => break,
                // Comments, processing instructions, declarations and doctypes carry
                // nothing Pacemaker reads.
                _ => {}
            }
        }
        if let Some(open) = stack.last() {
            return Err(XmlError {
                pos: open.pos,
                message: format!("element <{}> is never closed", open.name),
            });
        }
        root.ok_or_else(|| XmlError {
            pos: Pos { line: 1, col: 1 },
            message: "the document is empty: no root element".into(),
        })
    }

    /// Writes the element as indented XML (two spaces a level), with a final newline.
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out, 0);
        out
    }

    fn write_into(&self, out: &mut String, depth: usize) {
        for _ in 0..depth {
            out.push_str("  ");
        }
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {}=\"{}\"", k, escape(v));
        }
        if self.children.is_empty() && self.text.is_none() {
            out.push_str("/>\n");
            return;
        }
        out.push('>');
        if let Some(t) = &self.text {
            out.push_str(&escape(t));
        }
        if !self.children.is_empty() {
            out.push('\n');
            for c in &self.children {
                c.write_into(out, depth + 1);
            }
            for _ in 0..depth {
                out.push_str("  ");
            }
        }
        let _ = writeln!(out, "</{}>", self.name);
    }
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    el: Element,
    lines: &LineIndex,
    at: usize,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => {
            return Err(XmlError {
                pos: lines.pos(at),
                message: "more than one root element".into(),
            })
        }
    }
    Ok(())
}

fn start_element(start: &BytesStart<'_>, pos: Pos, lines: &LineIndex) -> Result<Element, XmlError> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut el = Element {
        name,
        pos,
        ..Default::default()
    };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError {
            pos,
            message: format!("bad attribute in <{}>: {e}", el.name),
        })?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value()
            .map_err(|e| XmlError {
                pos,
                message: format!("bad value of attribute {key}: {e}"),
            })?
            .into_owned();
        if el.attr(&key).is_some() {
            return Err(XmlError {
                pos,
                message: format!("attribute {key} given twice in <{}>", el.name),
            });
        }
        el.attrs.push((key, value));
    }
    let _ = lines;
    Ok(el)
}

/// Escapes the five XML special characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// Maps byte offsets to line and column.
struct LineIndex {
    starts: Vec<usize>,
    text_len: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            starts,
            text_len: text.len(),
        }
    }

    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text_len);
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        Pos {
            line: line as u32 + 1,
            col: (offset - self.starts[line]) as u32 + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_write_round_trip() {
        let text = "<cib a=\"1\">\n  <x b=\"&lt;&amp;\"/>\n  <y>t</y>\n</cib>\n";
        let el = Element::parse(text).unwrap();
        assert_eq!(el.children.len(), 2);
        assert_eq!(el.children[0].attr("b"), Some("<&"));
        assert_eq!(el.children[1].pos, Pos { line: 3, col: 3 });
        assert_eq!(Element::parse(&el.to_xml()).unwrap(), el);
    }

    #[test]
    fn errors_have_positions() {
        let err = Element::parse("<a>\n  <b>\n</a>").unwrap_err();
        assert_eq!(err.pos.line, 3, "{err:?}");
        assert!(Element::parse("").is_err());
        assert!(Element::parse("<a/><b/>").is_err());
        assert!(Element::parse("<a x='1' x='2'/>").is_err());
    }
}
