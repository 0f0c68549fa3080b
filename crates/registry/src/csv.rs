//! A small RFC 4180 CSV reader and writer: quoted fields with `""` escapes and embedded line
//! breaks, CRLF or LF line ends. Bounded: a record has at most [`MAX_FIELDS`] fields and a field
//! at most [`MAX_FIELD_BYTES`] bytes, so hostile input costs no more than its own size.
//!
//! Lines starting with `#` before the header are comments (the example lists use them to say
//! that they are examples); spreadsheets ignore nothing, so exported files have none.

use crate::error::RegistryError;

/// Most fields in one record.
pub const MAX_FIELDS: usize = 64;
/// Longest field, in bytes.
pub const MAX_FIELD_BYTES: usize = 16 * 1024;

/// Parse CSV text into records (a leading UTF-8 BOM and leading `#` comment lines are
/// skipped; blank lines are skipped).
pub fn parse(text: &str) -> Result<Vec<Vec<String>>, RegistryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut line = 1usize;
    let mut in_quotes = false;
    let mut quoted = false; // the current field started with a quote
    let mut at_record_start = true;
    let mut header_seen = false;
    let err = |line, reason: &str| RegistryError::Csv {
        line,
        reason: reason.to_string(),
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_record_start && !header_seen && c == '#' {
            // Comment line before the header.
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            line += 1;
            continue;
        }
        at_record_start = false;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
        } else {
            match c {
                '"' if field.is_empty() && !quoted => {
                    in_quotes = true;
                    quoted = true;
                }
                '"' => return Err(err(line, "quote inside an unquoted field")),
                ',' => {
                    record.push(std::mem::take(&mut field));
                    quoted = false;
                }
                '\r' if chars.peek() == Some(&'\n') => {}
                '\n' => {
                    record.push(std::mem::take(&mut field));
                    quoted = false;
                    if !(record.len() == 1 && record[0].trim().is_empty()) {
                        records.push(std::mem::take(&mut record));
                        header_seen = true;
                    } else {
                        record.clear();
                    }
                    line += 1;
                    at_record_start = true;
                    continue;
                }
                c if quoted => {
                    if !c.is_whitespace() {
                        return Err(err(line, "text after a closing quote"));
                    }
                }
                c => field.push(c),
            }
        }
        if field.len() > MAX_FIELD_BYTES {
            return Err(err(line, "field too long"));
        }
        if record.len() >= MAX_FIELDS {
            return Err(err(line, "too many fields"));
        }
    }
    if in_quotes {
        return Err(err(line, "unterminated quoted field"));
    }
    if !field.is_empty() || !record.is_empty() || quoted {
        record.push(field);
        if !(record.len() == 1 && record[0].trim().is_empty()) {
            records.push(record);
        }
    }
    Ok(records)
}

/// One field, quoted when it must be (comma, quote, line break, leading/trailing space).
pub fn field(value: &str) -> String {
    let needs = value.contains([',', '"', '\n', '\r'])
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace)
        // A leading formula character would make a spreadsheet evaluate the cell.
        || value.starts_with(['=', '+', '@']);
    if needs {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// One record, CRLF-terminated as RFC 4180 says.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_line_breaks_comments_and_bom() {
        let text = "\u{feff}# EXAMPLE list\n# second comment\nvendor,model,note\r\nHikvision,\"DS-2CD2143G2-I\",\"a \"\"quoted\"\" note, with a comma\nand a line break\"\n\nDahua,IPC-HDW2431T-AS-S2,\n";
        let r = parse(text).expect("valid");
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(r[0], ["vendor", "model", "note"]);
        assert_eq!(r[1][2], "a \"quoted\" note, with a comma\nand a line break");
        assert_eq!(r[2], ["Dahua", "IPC-HDW2431T-AS-S2", ""]);
    }

    #[test]
    fn malformed_csv_is_refused_with_its_line() {
        for (text, line) in [
            ("a,b\n\"open,c\n", 3),
            ("a,b\nx\"y,c\n", 2),
            ("a,b\n\"x\"y,c\n", 2),
        ] {
            match parse(text) {
                Err(RegistryError::Csv { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        let wide = vec!["x"; MAX_FIELDS + 1].join(",");
        assert!(parse(&wide).is_err());
        let long = "y".repeat(MAX_FIELD_BYTES + 1);
        assert!(parse(&long).is_err());
    }

    #[test]
    fn spreadsheet_formulas_are_quoted() {
        assert_eq!(field("=cmd()"), "\"=cmd()\"");
        assert_eq!(field("plain"), "plain");
    }

    proptest! {
        /// What the writer writes, the reader reads back unchanged.
        #[test]
        fn round_trip(rows in proptest::collection::vec(
            proptest::collection::vec("[^\u{feff}]{0,20}", 1..6), 1..6)
        ) {
            // A lone empty field is a blank line, which the reader skips; the first field of
            // the first record must not start a comment.
            let rows: Vec<Vec<String>> = rows.into_iter()
                .map(|mut r| { if r.len() == 1 && r[0].trim().is_empty() { r.push(String::new()); } r })
                .map(|mut r| { if r[0].starts_with('#') { r[0].insert(0, 'x'); } r })
                .collect();
            let text: String = rows.iter().map(|r| record(r)).collect();
            prop_assert_eq!(parse(&text).expect("own output parses"), rows);
        }

        /// Hostile input never panics.
        #[test]
        fn hostile_input_never_panics(text in ".{0,400}") {
            let _ = parse(&text);
        }
    }
}
