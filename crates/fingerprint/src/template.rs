//! Assertion values that interpolate regex capture groups: `"{1}"`, `"{model}"`, `"{0}"` (the
//! whole match), with `{{` and `}}` for literal braces.

use regex::{Captures, Regex};

/// Longest value (in characters) an interpolated assertion may produce; longer ones are cut.
pub const MAX_VALUE_CHARS: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Index(usize),
    Name(String),
}

/// A parsed assertion value, checked against the regex whose captures it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parse `text` and check that every group it names exists in `regex`.
    pub fn parse(text: &str, regex: &Regex) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for n in chars.by_ref() {
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        name.push(n);
                    }
                    if !closed {
                        return Err(format!("unclosed `{{` in value {text:?}"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(group_piece(&name, regex, text)?);
                }
                '}' => return Err(format!("unmatched `}}` in value {text:?} (write `}}}}`)")),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template { pieces })
    }

    /// Expand against `caps`. Groups that did not participate expand to nothing. The result
    /// is trimmed, made printable and bounded; `None` when it comes out empty.
    pub fn expand(&self, caps: &Captures<'_>) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Index(i) => out.push_str(caps.get(*i).map_or("", |m| m.as_str())),
                Piece::Name(n) => out.push_str(caps.name(n).map_or("", |m| m.as_str())),
            }
            if out.len() > MAX_VALUE_CHARS * 4 {
                break;
            }
        }
        let clean = camguard_model::sanitize_text(out.trim().as_bytes(), MAX_VALUE_CHARS);
        let clean = clean.trim();
        (!clean.is_empty()).then(|| clean.to_string())
    }
}

fn group_piece(name: &str, regex: &Regex, text: &str) -> Result<Piece, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("empty `{{}}` in value {text:?}"));
    }
    if let Ok(i) = name.parse::<usize>() {
        if i >= regex.captures_len() {
            return Err(format!(
                "value {text:?} uses group {i} but the pattern has only {} group(s)",
                regex.captures_len() - 1
            ));
        }
        return Ok(Piece::Index(i));
    }
    if regex.capture_names().flatten().any(|n| n == name) {
        Ok(Piece::Name(name.to_string()))
    } else {
        Err(format!(
            "value {text:?} uses group `{name}` which the pattern does not define"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(template: &str, pattern: &str, input: &str) -> Option<String> {
        let re = Regex::new(pattern).unwrap();
        let t = Template::parse(template, &re).unwrap();
        let caps = re.captures(input).unwrap();
        t.expand(&caps)
    }

    #[test]
    fn numbered_named_and_whole_match_groups() {
        assert_eq!(
            expand("{1}", r"^DS-(\w+)", "DS-2CD2143G0-I").as_deref(),
            Some("2CD2143G0")
        );
        assert_eq!(
            expand("v{ver} ({0})", r"x(?P<ver>\d+)", "x42").as_deref(),
            Some("v42 (x42)")
        );
        assert_eq!(expand("{{lit}}", r"a", "a").as_deref(), Some("{lit}"));
    }

    #[test]
    fn missing_group_gives_none_and_controls_are_escaped() {
        assert_eq!(expand("{1}", r"a(b)?", "a"), None);
        assert_eq!(
            expand("{0}", r"(?s).+", "  \u{1b}x  ").as_deref(),
            Some("\\x1bx")
        );
        let long = "y".repeat(10_000);
        let out = expand("{0}", r".+", &long).unwrap();
        assert_eq!(
            out.chars().count(),
            MAX_VALUE_CHARS + 1,
            "cut and marked with …"
        );
    }

    #[test]
    fn bad_templates_are_rejected() {
        let re = Regex::new(r"(?P<m>a)(b)").unwrap();
        assert!(Template::parse("{3}", &re).is_err());
        assert!(Template::parse("{nope}", &re).is_err());
        assert!(Template::parse("{m", &re).is_err());
        assert!(Template::parse("a}", &re).is_err());
        assert!(Template::parse("{}", &re).is_err());
        assert!(Template::parse("{2}{m}", &re).is_ok());
        assert_eq!(
            Template::parse("Hikvision", &re).unwrap().pieces,
            [Piece::Literal("Hikvision".into())]
        );
    }
}
