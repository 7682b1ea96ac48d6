//! The table of pcs commands: the words that name each, the `--long`
//! options it takes, and its handler. Each handler mirrors the pcs 0.11
//! function named in its doc. Errors are `String`s; [`super::run_words`]
//! adds the command.

use crate::cib::Cib;

use super::constraint::{colocation_add, location_prefers, location_rule, order_add};
use super::flags::{split_flags, Flags};
use super::node::{node_attribute, standby};
use super::property::{property_set, property_unset};
use super::resource::{
    defaults, enable_disable, group_add, resource_create, resource_meta, resource_update,
};

pub(super) type Res<T> = Result<T, String>;

/// One command line, split: the words that named the command, the rest,
/// and the options.
pub(super) struct Call<'a> {
    /// The command's own words (a placeholder's word included).
    pub(super) words: &'a [String],
    /// The words after them.
    pub(super) args: &'a [String],
    pub(super) flags: &'a Flags,
}

/// One pcs command.
struct Command {
    /// The words that name it; [`ANY`] stands for any one word (a
    /// resource id).
    words: &'static [&'static str],
    /// Whether it needs at least one more word (otherwise the words alone
    /// name another, unsupported, command: `pcs resource defaults` lists).
    needs_args: bool,
    /// The `--long` options it takes (`ensure_only_supported`); `--wait` is
    /// always accepted. `None`: any (a refusal that says why first).
    flags: Option<&'static [&'static str]>,
    handler: fn(&mut Cib, &Call) -> Res<()>,
}

/// A placeholder in [`Command::words`].
const ANY: &str = "*";

const FORCE: Option<&[&str]> = Some(&["--force"]);

/// Every supported command; the first whose words match is run, so a
/// longer command comes before a shorter one it extends.
const COMMANDS: &[Command] = &[
    Command {
        words: &["property", "set"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| property_set(cib, c.args, c.flags),
    },
    Command {
        words: &["property", "unset"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| property_unset(cib, c.args, c.flags),
    },
    Command {
        words: &["resource", "create"],
        needs_args: false,
        flags: CREATE_FLAGS,
        handler: |cib, c| resource_create(cib, c.args, c.flags, false),
    },
    Command {
        words: &["stonith", "create"],
        needs_args: false,
        flags: CREATE_FLAGS,
        handler: |cib, c| resource_create(cib, c.args, c.flags, true),
    },
    Command {
        words: &["resource", "group", "add"],
        needs_args: false,
        flags: Some(&["--before", "--after"]),
        handler: |cib, c| group_add(cib, c.args, c.flags),
    },
    Command {
        words: &["resource", "defaults", "update"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| defaults(cib, c.args, false),
    },
    Command {
        words: &["resource", "defaults", "set"],
        needs_args: false,
        flags: None,
        handler: |_, _| {
            Err("'pcs resource defaults set' (rule-based sets) is not supported by pacesim".into())
        },
    },
    Command {
        words: &["resource", "defaults"],
        needs_args: true,
        flags: FORCE,
        handler: |cib, c| defaults(cib, c.args, false),
    },
    Command {
        words: &["resource", "op", "defaults", "update"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| defaults(cib, c.args, true),
    },
    Command {
        words: &["resource", "op", "defaults"],
        needs_args: true,
        flags: FORCE,
        handler: |cib, c| defaults(cib, c.args, true),
    },
    Command {
        words: &["resource", "disable"],
        needs_args: false,
        flags: Some(&[]),
        handler: |cib, c| enable_disable(cib, c.args, false),
    },
    Command {
        words: &["resource", "enable"],
        needs_args: false,
        flags: Some(&[]),
        handler: |cib, c| enable_disable(cib, c.args, true),
    },
    Command {
        words: &["resource", "meta"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| resource_meta(cib, c.args),
    },
    Command {
        words: &["resource", "update"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| resource_update(cib, c.args, c.flags),
    },
    Command {
        words: &["constraint", "location", ANY, "prefers"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| location_prefers(cib, &c.words[2], true, c.args, c.flags),
    },
    Command {
        words: &["constraint", "location", ANY, "avoids"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| location_prefers(cib, &c.words[2], false, c.args, c.flags),
    },
    Command {
        words: &["constraint", "location", ANY, "rule"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| location_rule(cib, &c.words[2], c.args, c.flags),
    },
    Command {
        words: &["constraint", "colocation", "add"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| colocation_add(cib, c.args, c.flags),
    },
    Command {
        words: &["constraint", "order"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| order_add(cib, c.args, c.flags),
    },
    Command {
        words: &["node", "standby"],
        needs_args: false,
        flags: Some(&[]),
        handler: |cib, c| standby(cib, c.args, true),
    },
    Command {
        words: &["node", "unstandby"],
        needs_args: false,
        flags: Some(&[]),
        handler: |cib, c| standby(cib, c.args, false),
    },
    Command {
        words: &["node", "attribute"],
        needs_args: false,
        flags: FORCE,
        handler: |cib, c| node_attribute(cib, c.args),
    },
];

/// What `pcs resource create` and `pcs stonith create` take.
const CREATE_FLAGS: Option<&[&str]> = Some(&[
    "--force",
    "--disabled",
    "--no-default-ops",
    "--group",
    "--before",
    "--after",
]);

impl Command {
    fn matches(&self, args: &[String]) -> bool {
        let n = self.words.len();
        args.len() >= n + usize::from(self.needs_args)
            && self
                .words
                .iter()
                .zip(args)
                .all(|(w, a)| *w == ANY || w == a)
    }
}

/// Runs the command a line's words name.
pub(super) fn dispatch(cib: &mut Cib, words: &[String]) -> Res<()> {
    let (args, flags) = split_flags(words)?;
    let Some(command) = COMMANDS.iter().find(|c| c.matches(&args)) else {
        if args.is_empty() {
            return Err("no command given".into());
        }
        return Err(format!(
            "unknown or unsupported command '{}'",
            args.iter().take(3).cloned().collect::<Vec<_>>().join(" ")
        ));
    };
    if let Some(allowed) = command.flags {
        flags.only(allowed)?;
    }
    let (words, args) = args.split_at(command.words.len());
    let call = Call {
        words,
        args,
        flags: &flags,
    };
    (command.handler)(cib, &call)
}
