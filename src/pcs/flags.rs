//! A command line's words: the `--long` options pcs reads wherever they
//! stand, `NAME=VALUE` options, and the groups that keywords (`op`, `meta`,
//! ...) open.

use super::commands::Res;
use indexmap::IndexMap;

/// The `--long` options of the command line (pcs reads them with getopt
/// wherever they stand). Words starting with one `-` are positional, as pcs
/// keeps `-INFINITY` and other negative scores.
#[derive(Default)]
pub(super) struct Flags {
    pub(super) force: bool,
    pub(super) disabled: bool,
    pub(super) no_default_ops: bool,
    pub(super) group: Option<String>,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
    pub(super) given: Vec<&'static str>,
}

pub(super) fn split_flags(words: &[String]) -> Res<(Vec<String>, Flags)> {
    let mut flags = Flags::default();
    let mut args = Vec::new();
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if w == "--" {
            args.extend(it.by_ref().cloned());
            break;
        }
        if w == "-f" {
            return Err("option '-f' is not supported: pacesim edits its own CIB".into());
        }
        let Some(opt) = w.strip_prefix("--") else {
            args.push(w.clone());
            continue;
        };
        let (name, inline) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (opt, None),
        };
        let mut value = |name: &str| -> Res<String> {
            match &inline {
                Some(v) => Ok(v.clone()),
                None => it
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("option '--{name}' requires a value")),
            }
        };
        let key: &'static str = match name {
            "force" => {
                flags.force = true;
                "--force"
            }
            "disabled" => {
                flags.disabled = true;
                "--disabled"
            }
            "no-default-ops" => {
                flags.no_default_ops = true;
                "--no-default-ops"
            }
            "group" => {
                flags.group = Some(value(name)?);
                "--group"
            }
            "before" => {
                flags.before = Some(value(name)?);
                "--before"
            }
            "after" => {
                flags.after = Some(value(name)?);
                "--after"
            }
            // Waiting for the cluster has no meaning on a CIB being edited.
            "wait" => "--wait",
            _ => return Err(format!("unknown option '{w}'")),
        };
        flags.given.push(key);
    }
    Ok((args, flags))
}

impl Flags {
    /// `ensure_only_supported`.
    pub(super) fn only(&self, allowed: &[&str]) -> Res<()> {
        for g in &self.given {
            if !allowed.contains(g) && *g != "--wait" {
                return Err(format!(
                    "specified option '{g}' is not supported in this command"
                ));
            }
        }
        Ok(())
    }
}

/// `split_option`: `NAME=VALUE` at the first `=`.
pub(super) fn split_option(arg: &str, allow_empty: bool) -> Res<(String, String)> {
    let Some((k, v)) = arg.split_once('=') else {
        return Err(format!("missing value of '{arg}' option"));
    };
    if k.is_empty() {
        return Err(format!("missing key in '{arg}' option"));
    }
    if v.is_empty() && !allow_empty {
        return Err(format!("value of '{k}' option is empty"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// `prepare_options`: a name given twice must have the same value.
pub(super) fn prepare_options(args: &[String]) -> Res<IndexMap<String, String>> {
    let mut out: IndexMap<String, String> = IndexMap::new();
    for a in args {
        let (k, v) = split_option(a, true)?;
        match out.get(&k) {
            Some(old) if *old != v => {
                return Err(format!(
                    "duplicate option '{k}' with different values '{old}' and '{v}'"
                ))
            }
            Some(_) => {}
            None => {
                out.insert(k, v);
            }
        }
    }
    Ok(out)
}

/// `group_by_keywords` with an implicit first group and `op` repeated.
pub(super) struct Groups {
    pub(super) options: Vec<String>,
    /// Keyword → its words, in first-appearance order; `op` is in `ops`.
    pub(super) named: IndexMap<String, Vec<String>>,
    pub(super) ops: Vec<Vec<String>>,
}

pub(super) fn group_by_keywords(args: &[String], keywords: &[&str], implicit: bool) -> Res<Groups> {
    let mut g = Groups {
        options: Vec::new(),
        named: IndexMap::new(),
        ops: Vec::new(),
    };
    let mut current: Option<String> = None;
    if let Some(first) = args.first() {
        if !keywords.contains(&first.as_str()) && !implicit {
            return Err(format!("unexpected '{first}'"));
        }
    }
    for a in args {
        if keywords.contains(&a.as_str()) {
            if a == "op" {
                g.ops.push(Vec::new());
            } else {
                g.named.entry(a.clone()).or_default();
            }
            current = Some(a.clone());
            continue;
        }
        match current.as_deref() {
            None => g.options.push(a.clone()),
            Some("op") => g.ops.last_mut().expect("op group").push(a.clone()),
            Some(k) => g.named.get_mut(k).expect("group").push(a.clone()),
        }
    }
    Ok(g)
}
