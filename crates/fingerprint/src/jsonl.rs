//! `camguard identify`: JSON Lines in, JSON Lines out.
//!
//! Every input line gets exactly one output line, in order:
//! - a valid [`FingerprintInput`] object (any subset of its fields) → the [`Identity`] object;
//! - anything else → `{"error": "line N: …"}` (N is 1-based) and the run goes on. That covers
//!   bad JSON, unknown fields, wrong types, invalid UTF-8, lines longer than
//!   [`MAX_LINE_BYTES`] (read no further than the limit, the rest is skipped), and **empty or
//!   blank lines**, which are answered with an error too so that output line N always
//!   belongs to input line N.
//!
//! A trailing `\r` is removed from each line. Output is flushed after every line so the
//! command can be driven interactively through a pipe.

use crate::engine::Engine;
use camguard_model::FingerprintInput;
use std::io::{BufRead, ErrorKind, Write};

/// Longest accepted input line, in bytes (without the line terminator).
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Counts from one [`identify_jsonl`] run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdentifyStats {
    /// Input lines read (= output lines written).
    pub lines: u64,
    /// Lines answered with an error object.
    pub errors: u64,
    /// Lines identified as a camera.
    pub cameras: u64,
}

/// Stream JSON Lines: one output line per input line (see contract). Returns counts.
pub fn identify_jsonl<R: BufRead, W: Write>(
    engine: &Engine,
    input: R,
    output: W,
) -> std::io::Result<IdentifyStats> {
    run_jsonl(engine, input, output, false)
}

/// [`identify_jsonl`] with an `explain` object ([`crate::Explanation`]: evidence and
/// conflicts) added to every identity line (`camguard identify --explain`).
pub fn explain_jsonl<R: BufRead, W: Write>(
    engine: &Engine,
    input: R,
    output: W,
) -> std::io::Result<IdentifyStats> {
    run_jsonl(engine, input, output, true)
}

fn run_jsonl<R: BufRead, W: Write>(
    engine: &Engine,
    mut input: R,
    mut output: W,
    explain: bool,
) -> std::io::Result<IdentifyStats> {
    let mut stats = IdentifyStats::default();
    let mut line = Vec::new();
    while let Some(too_long) = read_line_bounded(&mut input, &mut line, MAX_LINE_BYTES)? {
        stats.lines += 1;
        let n = stats.lines;
        let answer = if too_long {
            Err(format!("line {n}: line longer than {MAX_LINE_BYTES} bytes"))
        } else {
            parse_line(&line).map_err(|e| format!("line {n}: {e}"))
        };
        let mut out = match answer {
            Ok(fields) if explain => {
                let explanation = engine.explain(&fields);
                stats.cameras += u64::from(explanation.identity.camera);
                // The identity keys keep their contract order; `explain` comes last.
                let mut line =
                    serde_json::to_vec(&explanation.identity).map_err(std::io::Error::other)?;
                line.pop(); // the identity object's closing brace
                line.extend_from_slice(b",\"explain\":");
                serde_json::to_writer(&mut line, &explanation).map_err(std::io::Error::other)?;
                line.push(b'}');
                line
            }
            Ok(fields) => {
                let identity = engine.identify(&fields);
                stats.cameras += u64::from(identity.camera);
                serde_json::to_vec(&identity).map_err(std::io::Error::other)?
            }
            Err(message) => {
                stats.errors += 1;
                serde_json::to_vec(&serde_json::json!({ "error": message }))
                    .map_err(std::io::Error::other)?
            }
        };
        out.push(b'\n');
        output.write_all(&out)?;
        output.flush()?;
    }
    Ok(stats)
}

fn parse_line(line: &[u8]) -> Result<FingerprintInput, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("invalid UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Err("empty line (expected one JSON object)".to_string());
    }
    serde_json::from_str(text).map_err(|e| format!("invalid input: {e}"))
}

/// Read one line into `buf` (without `\n` or `\r\n`), keeping at most `limit` bytes.
/// `None` at end of input; `Some(true)` when the line was longer than `limit` (the rest of
/// it is consumed and dropped).
fn read_line_bounded<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut total = 0usize;
    let mut saw_any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            if !saw_any {
                return Ok(None);
            }
            break;
        }
        saw_any = true;
        let (chunk, used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1, true),
            None => (available, available.len(), false),
        };
        total = total.saturating_add(chunk.len());
        let room = (limit + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        input.consume(used);
        if done {
            break;
        }
    }
    if buf.last() == Some(&b'\r') && total <= limit + 1 {
        buf.pop();
        total -= 1;
    }
    Ok(Some(total > limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<(Vec<u8>, bool)> {
        let mut r = std::io::BufReader::with_capacity(3, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(long) = read_line_bounded(&mut r, &mut buf, limit).unwrap() {
            out.push((buf.clone(), long));
        }
        out
    }

    #[test]
    fn bounded_reader_splits_and_flags_long_lines() {
        let got = lines(b"ab\r\n\nabcdefgh\nxyz", 5);
        assert_eq!(
            got,
            vec![
                (b"ab".to_vec(), false),
                (b"".to_vec(), false),
                (b"abcdef".to_vec(), true),
                (b"xyz".to_vec(), false),
            ]
        );
        assert_eq!(lines(b"", 5), Vec::<(Vec<u8>, bool)>::new());
        assert_eq!(lines(b"abcde\r\n", 5), vec![(b"abcde".to_vec(), false)]);
    }
}
