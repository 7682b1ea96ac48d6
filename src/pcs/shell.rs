//! Splitting a command line into words as a POSIX shell does (without
//! expansions): blanks separate words; single quotes keep everything
//! literally; double quotes keep everything but `\` before `"`, `\`, `$`,
//! `` ` `` and newline; an unquoted backslash quotes the next character and a
//! backslash-newline pair is removed.
//!
//! Scenario files write pcs commands as strings; splitting them exactly as a
//! shell would is what makes `pcmk_host_map='node1:1;node2:2'` one word, as
//! it is when the same line is typed at a prompt. No crate is needed for
//! these few rules, and owning them lets errors say where the line is wrong.

use std::fmt;

/// A line that a shell would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    /// Byte offset in the line where the unfinished construct starts.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ShellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at column {}: {}", self.offset + 1, self.message)
    }
}

impl std::error::Error for ShellError {}

/// Splits `line` into words. Shell operators (`;`, `|`, `&`, redirections),
/// expansions (`$`, backquotes, globs) and comments are not interpreted: a
/// pcs command has no use for them, and treating them as plain characters
/// is safer than guessing (so `#uname` stays a word, as rules need).
pub fn split(line: &str) -> Result<Vec<String>, ShellError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Whether a word has been started (an empty quoted string is a word).
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\\' => match chars.next() {
                Some((_, '\n')) => {}
                Some((_, next)) => {
                    word.push(next);
                    in_word = true;
                }
                None => {
                    return Err(ShellError {
                        offset: i,
                        message: "a backslash ends the line".into(),
                    })
                }
            },
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, ch)) => word.push(ch),
                        None => {
                            return Err(ShellError {
                                offset: i,
                                message: "unterminated single quote".into(),
                            })
                        }
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.peek() {
                            Some(&(_, n @ ('"' | '\\' | '$' | '`'))) => {
                                word.push(n);
                                chars.next();
                            }
                            Some(&(_, '\n')) => {
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        Some((_, ch)) => word.push(ch),
                        None => {
                            return Err(ShellError {
                                offset: i,
                                message: "unterminated double quote".into(),
                            })
                        }
                    }
                }
            }
            _ => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    fn ok(line: &str) -> Vec<String> {
        split(line).unwrap()
    }

    #[test]
    fn blanks_separate_words() {
        assert_eq!(
            ok("  pcs  resource\tcreate \n x "),
            ["pcs", "resource", "create", "x"]
        );
        assert!(ok("").is_empty());
        assert!(ok("   ").is_empty());
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(
            ok("pcmk_host_map='node1:1;node2:2'"),
            ["pcmk_host_map=node1:1;node2:2"]
        );
        assert_eq!(ok(r"'a\b' 'c\'"), [r"a\b", r"c\"]);
        assert_eq!(ok("'a \"b\" c'"), ["a \"b\" c"]);
    }

    #[test]
    fn double_quotes_escape_only_some() {
        assert_eq!(ok(r#""a \"b\" \\ \$x \n""#), [r#"a "b" \ $x \n"#]);
        assert_eq!(ok("\"it's\""), ["it's"]);
    }

    #[test]
    fn backslash_quotes_one_character() {
        assert_eq!(ok(r"a\ b c\\d \#e"), ["a b", r"c\d", "#e"]);
        assert_eq!(ok("a\\\nb"), ["ab"]);
    }

    #[test]
    fn adjacent_parts_join_and_empty_quotes_are_words() {
        assert_eq!(ok(r#"x='1 2'"3"\ 4"#), ["x=1 23 4"]);
        assert_eq!(ok("a '' \"\" b"), ["a", "", "", "b"]);
        assert_eq!(ok("target-role="), ["target-role="]);
    }

    #[test]
    fn unfinished_constructs_are_errors() {
        let e = split("a 'b").unwrap_err();
        assert_eq!(e.offset, 2);
        assert!(e.message.contains("single quote"));
        assert!(split("a \"b").unwrap_err().message.contains("double quote"));
        assert!(split("a \\").unwrap_err().message.contains("backslash"));
    }

    #[test]
    fn operators_are_plain_characters() {
        assert_eq!(ok("a;b | c"), ["a;b", "|", "c"]);
        assert_eq!(ok("#uname eq n1"), ["#uname", "eq", "n1"]);
    }
}
