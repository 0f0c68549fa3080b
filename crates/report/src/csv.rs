//! CSV output: RFC 4180 quoting, and cells that a spreadsheet would run as a formula are
//! defused with a leading apostrophe (device strings come from the network).

use crate::document::ReportDocument;

/// Columns of the findings CSV, in order.
pub const FINDING_COLUMNS: [&str; 11] = [
    "scan_id",
    "ip",
    "vendor",
    "model",
    "firmware",
    "check_id",
    "severity",
    "port",
    "summary",
    "provisions",
    "evidence",
];

/// One CSV cell: quoted when it holds a comma, quote, CR or LF (quotes doubled), and
/// prefixed with `'` when it starts with `=`, `+`, `-`, `@`, tab or CR.
pub fn cell(value: &str) -> String {
    let defused;
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        defused = format!("'{value}");
        defused.as_str()
    } else {
        value
    };
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Append one record (CRLF-terminated, as RFC 4180 says).
pub fn row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(c.as_ref()));
    }
    out.push_str("\r\n");
}

/// The findings of the document, one row per finding, with a header row.
pub fn findings(doc: &ReportDocument) -> String {
    let mut out = String::new();
    row(&mut out, &FINDING_COLUMNS);
    for d in &doc.devices {
        for f in &d.findings {
            let provisions: Vec<&str> = doc
                .provisions
                .iter()
                .filter(|p| p.checks.contains(&f.check_id))
                .map(|p| p.id.as_str())
                .collect();
            row(
                &mut out,
                &[
                    d.scan_id.to_string(),
                    d.ip.to_string(),
                    d.vendor.clone().unwrap_or_default(),
                    d.model.clone().unwrap_or_default(),
                    d.firmware.clone().unwrap_or_default(),
                    f.check_id.clone(),
                    f.severity.as_str().to_owned(),
                    f.port.map(|p| p.to_string()).unwrap_or_default(),
                    f.summary.clone(),
                    provisions.join(" "),
                    serde_json::to_string(&f.evidence).unwrap_or_default(),
                ],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formula_cells_get_an_apostrophe() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2"), "'-2");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("\rx"), "\"'\rx\"");
        assert_eq!(cell("a=b"), "a=b");
    }

    /// Split one RFC 4180 record back into cells (enough for the property below).
    fn parse(line: &str) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    cells.last_mut().unwrap().push('"');
                }
                (_, '"') => quoted = !quoted,
                (false, ',') => cells.push(String::new()),
                (_, c) => cells.last_mut().unwrap().push(c),
            }
        }
        cells
    }

    proptest! {
        #[test]
        fn cells_round_trip_and_never_start_a_formula(values in proptest::collection::vec(".*", 1..5)) {
            let mut out = String::new();
            row(&mut out, &values);
            let record = out.strip_suffix("\r\n").unwrap();
            let back = parse(record);
            prop_assert_eq!(back.len(), values.len());
            for (got, want) in back.iter().zip(&values) {
                prop_assert!(!got.starts_with(['=', '+', '-', '@', '\t', '\r']));
                let got = if want.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    got.strip_prefix('\'').unwrap()
                } else {
                    got
                };
                prop_assert_eq!(got, want.as_str());
            }
        }
    }
}
