//! The rule language of `pcs constraint location RSC rule ...`, as pcs
//! 0.11's older rule code reads it (`pcs/rule.py`: `RuleParser`,
//! `CibBuilder`): a Pratt parser where `and`/`or` bind at 40 (left to
//! right, no precedence between them), comparisons at 50, `defined` /
//! `not_defined` at 60 and the value types `string`, `integer`, `number`,
//! `version` at 70; parentheses group.
//!
//! Date expressions (`date gt ...`, `date-spec`, `duration`) are not
//! supported here: they are refused with a clear error.

use crate::cib::{BoolOp, Expression, Rule, RuleItem};

const COMPARISONS: &[&str] = &["eq", "ne", "lt", "gt", "lte", "gte"];
const PREFIXES: &[&str] = &["defined", "not_defined"];
const TYPES: &[&str] = &["string", "integer", "number", "version"];
const BOOLEANS: &[&str] = &["and", "or"];

/// The syntax tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    /// `attr OP [type] value`.
    Cmp {
        op: String,
        attr: String,
        value_type: Option<String>,
        value: String,
    },
    /// `defined attr` / `not_defined attr`.
    Defined { op: String, attr: String },
    /// `a and b`, `a or b`.
    Bool {
        op: String,
        left: Box<Tree>,
        right: Box<Tree>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(String),
    Open,
    Close,
    Op(String),
    End,
}

impl Tok {
    fn label(&self) -> String {
        match self {
            Tok::Lit(s) | Tok::Op(s) => s.clone(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
            Tok::End => "end".into(),
        }
    }
    fn binding(&self) -> u8 {
        match self {
            Tok::Op(o) if BOOLEANS.contains(&o.as_str()) => 40,
            Tok::Op(o) if COMPARISONS.contains(&o.as_str()) => 50,
            _ => 0,
        }
    }
}

/// Splits words further at parentheses (`TokenPreprocessor.separate_parenthesis`)
/// and marks the operators; a word right after a type keyword is always a
/// value.
fn tokens(words: &[String]) -> Result<Vec<Tok>, String> {
    let mut raw = Vec::new();
    for w in words {
        if !w.contains(['(', ')']) {
            raw.push(w.clone());
            continue;
        }
        let mut part = String::new();
        for c in w.chars() {
            if c == '(' || c == ')' {
                if !part.is_empty() {
                    raw.push(std::mem::take(&mut part));
                }
                raw.push(c.to_string());
            } else {
                part.push(c);
            }
        }
        if !part.is_empty() {
            raw.push(part);
        }
    }
    let mut out: Vec<Tok> = Vec::new();
    for w in raw {
        let after_type = matches!(out.last(), Some(Tok::Op(o)) if TYPES.contains(&o.as_str()));
        let tok = if after_type {
            Tok::Lit(w)
        } else if w == "(" {
            Tok::Open
        } else if w == ")" {
            Tok::Close
        } else if ["date", "date-spec", "duration", "in_range", "to"].contains(&w.as_str()) {
            return Err(format!(
                "date expressions ('{w}') are not supported by pacesim's pcs"
            ));
        } else if COMPARISONS.contains(&w.as_str())
            || PREFIXES.contains(&w.as_str())
            || TYPES.contains(&w.as_str())
            || BOOLEANS.contains(&w.as_str())
        {
            Tok::Op(w)
        } else {
            Tok::Lit(w)
        };
        out.push(tok);
    }
    out.push(Tok::End);
    Ok(out)
}

/// An intermediate node: a literal, a typed value, or a finished tree.
#[derive(Debug, Clone)]
enum Node {
    Lit(String),
    Typed(String, String),
    Tree(Tree),
}

impl Node {
    fn label(&self) -> String {
        match self {
            Node::Lit(s) => s.clone(),
            Node::Typed(t, _) => t.clone(),
            Node::Tree(Tree::Cmp { op, .. })
            | Node::Tree(Tree::Defined { op, .. })
            | Node::Tree(Tree::Bool { op, .. }) => op.clone(),
        }
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn cur(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn advance(&mut self) -> Result<(), String> {
        self.pos += 1;
        if self.pos >= self.toks.len() {
            return Err("unexpected end of rule".into());
        }
        Ok(())
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, String> {
        let tok = self.cur().clone();
        self.advance()?;
        let mut left = self.nud(tok)?;
        while rbp < self.cur().binding() {
            let tok = self.cur().clone();
            self.advance()?;
            left = self.led(tok, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, tok: Tok) -> Result<Node, String> {
        match tok {
            Tok::Lit(s) => Ok(Node::Lit(s)),
            Tok::Open => {
                let e = self.expression(0)?;
                match self.cur() {
                    Tok::Close => {
                        self.advance()?;
                        Ok(e)
                    }
                    Tok::End => Err("missing ')'".into()),
                    t => Err(format!("expecting ')', got '{}'", t.label())),
                }
            }
            Tok::Op(o) if PREFIXES.contains(&o.as_str()) => {
                let child = self.expression(60)?;
                match child {
                    Node::Lit(attr) => Ok(Node::Tree(Tree::Defined { op: o, attr })),
                    other => Err(format!("unexpected '{}' after '{o}'", other.label())),
                }
            }
            Tok::Op(o) if TYPES.contains(&o.as_str()) => {
                let child = self.expression(70)?;
                let Node::Lit(v) = child else {
                    return Err(format!("unexpected '{}' after '{o}'", child.label()));
                };
                let valid = match o.as_str() {
                    "integer" => is_integer(&v),
                    "number" => is_number(&v),
                    "version" => {
                        !v.is_empty()
                            && v.split('.')
                                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                    }
                    _ => true,
                };
                if !valid {
                    return Err(format!("invalid {o} value '{v}'"));
                }
                Ok(Node::Typed(o, v))
            }
            t => Err(format!("unexpected '{}'", t.label())),
        }
    }

    fn led(&mut self, tok: Tok, left: Node) -> Result<Node, String> {
        let Tok::Op(op) = tok else {
            return Err(format!(
                "unexpected '{}' after '{}'",
                tok.label(),
                left.label()
            ));
        };
        if BOOLEANS.contains(&op.as_str()) {
            let l = match left {
                Node::Tree(t) => t,
                other => return Err(format!("unexpected '{}' before '{op}'", other.label())),
            };
            let right = self.expression(40)?;
            let r = match right {
                Node::Tree(t) => t,
                other => return Err(format!("unexpected '{}' after '{op}'", other.label())),
            };
            return Ok(Node::Tree(Tree::Bool {
                op,
                left: Box::new(l),
                right: Box::new(r),
            }));
        }
        // A comparison.
        let Node::Lit(attr) = left else {
            return Err(format!("unexpected '{}' before '{op}'", left.label()));
        };
        let right = self.expression(50)?;
        let (value_type, value) = match right {
            Node::Lit(v) => (None, v),
            Node::Typed(t, v) => (Some(t), v),
            other => return Err(format!("unexpected '{}' after '{op}'", other.label())),
        };
        Ok(Node::Tree(Tree::Cmp {
            op,
            attr,
            value_type,
            value,
        }))
    }
}

fn is_integer(v: &str) -> bool {
    let d = v.strip_prefix(['+', '-']).unwrap_or(v);
    !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())
}

fn is_number(v: &str) -> bool {
    let d = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (mant, exp) = match d.find(['e', 'E']) {
        Some(i) => (&d[..i], Some(&d[i + 1..])),
        None => (d, None),
    };
    let mant_ok = match mant.split_once('.') {
        None => !mant.is_empty() && mant.bytes().all(|b| b.is_ascii_digit()),
        Some((a, b)) => {
            (!a.is_empty() || !b.is_empty())
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
    };
    mant_ok && exp.is_none_or(is_integer)
}

/// Parses the rule words; the error text follows pcs's.
pub fn parse(words: &[String]) -> Result<Tree, String> {
    let mut p = Parser {
        toks: tokens(words)?,
        pos: 0,
    };
    let node = p.expression(0)?;
    if !matches!(p.cur(), Tok::End) {
        return Err(format!("unexpected '{}'", p.cur().label()));
    }
    match node {
        Node::Tree(t) => Ok(t),
        _ => Err("missing one of 'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in_range', 'defined', 'not_defined', 'date-spec'".into()),
    }
}

/// Builds the `<rule>` as `CibBuilder.build` does: the rule gets `id`, each
/// expression `<parent id>-expr` made unique by `unique`; a boolean whose
/// operand is the other boolean nests a rule `<parent id>-rule`, an operand
/// with the same operator is flattened into the parent.
pub fn build(tree: &Tree, rule_id: String, unique: &mut dyn FnMut(&str) -> String) -> Rule {
    let mut rule = Rule {
        id: Some(rule_id),
        ..Rule::default()
    };
    build_into(&mut rule, tree, unique);
    rule
}

fn build_into(rule: &mut Rule, tree: &Tree, unique: &mut dyn FnMut(&str) -> String) {
    let rid = rule.id.clone().unwrap_or_default();
    match tree {
        Tree::Bool { op, left, right } => {
            rule.boolean_op = if op == "or" { BoolOp::Or } else { BoolOp::And };
            // pcs writes boolean-op even when it is "and"; the model leaves
            // the default unwritten, so the explicit value rides in `extra`.
            if op == "and" {
                rule.extra.push(("boolean-op".into(), "and".into()));
            }
            for sub in [left, right] {
                match sub.as_ref() {
                    Tree::Bool { op: sop, .. } if sop != op => {
                        let id = unique(&format!("{rid}-rule"));
                        let mut nested = Rule {
                            id: Some(id),
                            ..Rule::default()
                        };
                        build_into(&mut nested, sub, unique);
                        rule.items.push(RuleItem::Rule(nested));
                    }
                    _ => build_into(rule, sub, unique),
                }
            }
        }
        Tree::Cmp {
            op,
            attr,
            value_type,
            value,
        } => rule.items.push(RuleItem::Expr(Expression {
            id: Some(unique(&format!("{rid}-expr"))),
            attribute: attr.clone(),
            operation: op.clone(),
            value: Some(value.clone()),
            value_type: value_type.clone(),
            ..Expression::default()
        })),
        Tree::Defined { op, attr } => rule.items.push(RuleItem::Expr(Expression {
            id: Some(unique(&format!("{rid}-expr"))),
            attribute: attr.clone(),
            operation: op.clone(),
            ..Expression::default()
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn and_or_are_left_associative_without_precedence() {
        let t = parse(&w("a gt 5 and b ne x or not_defined c")).unwrap();
        let Tree::Bool { op, left, .. } = t else {
            panic!()
        };
        assert_eq!(op, "or");
        assert!(matches!(*left, Tree::Bool { ref op, .. } if op == "and"));
        let t = parse(&w("a eq 1 and (b eq 2 or c eq 3)")).unwrap();
        assert!(matches!(t, Tree::Bool { ref op, .. } if op == "and"));
    }

    #[test]
    fn typed_values() {
        let t = parse(&w("a gt integer 5")).unwrap();
        assert!(matches!(t, Tree::Cmp { value_type: Some(ref ty), .. } if ty == "integer"));
        assert!(parse(&w("a gt integer x"))
            .unwrap_err()
            .contains("invalid integer"));
        assert!(parse(&w("a eq string and")).is_ok());
    }

    #[test]
    fn errors() {
        assert!(parse(&w("a")).is_err());
        assert!(parse(&w("a eq")).is_err());
        assert!(parse(&w("eq a")).is_err());
        assert!(parse(&w("a eq 1 b")).is_err());
        assert!(parse(&w("(a eq 1")).is_err());
        assert!(parse(&w("date gt 2020-01-01"))
            .unwrap_err()
            .contains("not supported"));
    }
}
