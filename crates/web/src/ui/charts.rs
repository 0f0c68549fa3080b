//! Bar charts as inline SVG (presentation attributes only: the CSP allows no inline style).

use super::esc;
use std::fmt::Write;

/// Width of the longest bar, pixels.
const BAR: u64 = 320;
/// Height of one row, pixels.
const ROW: usize = 22;

/// A horizontal bar chart of labelled counts.
pub fn bars(title: &str, items: &[(String, u64)], colour: &str) -> String {
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * items.len().max(1) + 4;
    let mut svg = format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        esc(title),
        esc(title)
    );
    for (i, (label, value)) in items.iter().enumerate() {
        let y = i * ROW;
        let w = value * BAR / max;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"12\" fill=\"#1d2330\">{}</text>\
             <rect x=\"180\" y=\"{}\" width=\"{w}\" height=\"16\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1d2330\">{value}</text>",
            y + 14,
            esc(label),
            y + 2,
            184 + w,
            y + 14
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_escape_labels() {
        let svg = bars("t", &[("<a>".into(), 2), ("b".into(), 4)], "#123456");
        assert!(svg.contains("width=\"160\"") && svg.contains("width=\"320\""));
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>"));
        assert!(!svg.contains("style"));
        assert!(bars("empty", &[], "#000").contains("<svg"));
    }
}
