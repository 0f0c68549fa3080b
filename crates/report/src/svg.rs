//! Charts as inline SVG, generated here: no script, no external resource, every text escaped.
//!
//! Colours come from classes the report's style sheet defines (`sev-*`, `bar`), so the charts
//! follow the page's palette and print in colour.

use crate::escape::escape_html;
use std::fmt::Write;

/// One bar of a bar chart.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label (any text; escaped and shortened).
    pub label: String,
    /// Value.
    pub value: u64,
    /// CSS class of the bar (a fixed name from this crate).
    pub class: &'static str,
}

/// One column of a stacked column chart: a label and its stacked parts.
#[derive(Debug, Clone)]
pub struct Column {
    /// Label under the column.
    pub label: String,
    /// Second, smaller line under the label (e.g. a date).
    pub sublabel: String,
    /// Parts from the bottom up: (value, CSS class).
    pub parts: Vec<(u64, &'static str)>,
}

/// Longest label drawn, in characters (tables hold the full text).
const MAX_LABEL: usize = 24;

fn label(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        escape_html(s)
    } else {
        let short: String = s.chars().take(MAX_LABEL - 1).collect();
        escape_html(&format!("{short}…"))
    }
}

fn open(out: &mut String, width: u32, height: u32, title: &str) {
    let _ = writeln!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         width=\"{width}\" height=\"{height}\" role=\"img\"><title>{}</title>",
        escape_html(title)
    );
}

/// A horizontal bar chart, one row per bar, value printed after the bar.
pub fn bar_chart(title: &str, bars: &[Bar]) -> String {
    const ROW: u32 = 24;
    const LABEL_W: u32 = 170;
    const BAR_W: u32 = 260;
    let height = ROW * bars.len().max(1) as u32 + 8;
    let width = LABEL_W + BAR_W + 60;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let mut out = String::new();
    open(&mut out, width, height, title);
    for (i, b) in bars.iter().enumerate() {
        let y = 4 + ROW * i as u32;
        let w = (b.value * u64::from(BAR_W) / max) as u32;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{}\" x=\"{LABEL_W}\" y=\"{}\" width=\"{w}\" height=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{}</text>",
            LABEL_W - 6,
            y + 16,
            label(&b.label),
            b.class,
            y + 3,
            ROW - 6,
            LABEL_W + w + 6,
            y + 16,
            b.value
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A stacked column chart with a value axis from 0 to the tallest column.
pub fn column_chart(title: &str, columns: &[Column]) -> String {
    const HEIGHT: u32 = 220;
    const TOP: u32 = 16;
    const BOTTOM: u32 = 40;
    const LEFT: u32 = 44;
    const COL: u32 = 64;
    let plot = HEIGHT - TOP - BOTTOM;
    let width = LEFT + COL * columns.len().max(1) as u32 + 10;
    let total = |c: &Column| c.parts.iter().map(|p| p.0).sum::<u64>();
    let max = columns.iter().map(total).max().unwrap_or(0).max(1);
    let mut out = String::new();
    open(&mut out, width, HEIGHT, title);
    let base = TOP + plot;
    let _ = writeln!(
        out,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{base}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\
         <text x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>",
        width - 6,
        LEFT - 4,
        TOP + 4,
        LEFT - 4
    );
    for (i, c) in columns.iter().enumerate() {
        let x = LEFT + 8 + COL * i as u32;
        let mut y = base;
        for &(value, class) in &c.parts {
            let h = (value * u64::from(plot) / max) as u32;
            if h == 0 {
                continue;
            }
            y -= h;
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{h}\"/>",
                COL - 16
            );
        }
        let mid = x + (COL - 16) / 2;
        let _ = writeln!(
            out,
            "<text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
             <text x=\"{mid}\" y=\"{}\" text-anchor=\"middle\">{}</text>\
             <text class=\"small\" x=\"{mid}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            y.saturating_sub(4).max(10),
            total(c),
            base + 15,
            label(&c.label),
            base + 29,
            label(&c.sublabel)
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_labels_are_escaped_and_shortened() {
        let svg = bar_chart(
            "t<",
            &[Bar {
                label: "<script>alert(1)</script> and a very long tail".into(),
                value: 3,
                class: "bar",
            }],
        );
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains('…'));
        assert!(svg.contains("<title>t&lt;</title>"));
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_zero_is_drawable() {
        let svg = bar_chart(
            "x",
            &[
                Bar {
                    label: "a".into(),
                    value: 4,
                    class: "bar",
                },
                Bar {
                    label: "b".into(),
                    value: 2,
                    class: "bar",
                },
                Bar {
                    label: "c".into(),
                    value: 0,
                    class: "bar",
                },
            ],
        );
        assert!(svg.contains("width=\"260\""), "{svg}");
        assert!(svg.contains("width=\"130\""), "{svg}");
        assert!(svg.contains("width=\"0\""), "{svg}");
        assert!(bar_chart("empty", &[]).ends_with("</svg>\n"));
    }

    #[test]
    fn columns_stack_their_parts() {
        let svg = column_chart(
            "trend",
            &[
                Column {
                    label: "#1".into(),
                    sublabel: "07-02".into(),
                    parts: vec![(2, "sev-critical"), (2, "sev-high")],
                },
                Column {
                    label: "#2".into(),
                    sublabel: "07-03".into(),
                    parts: vec![(0, "sev-critical"), (1, "sev-high")],
                },
            ],
        );
        // Plot height 164: the tallest column (4) fills it, two parts of 82 each.
        assert_eq!(svg.matches("height=\"82\"").count(), 2, "{svg}");
        assert!(svg.contains("height=\"41\""), "{svg}");
        assert!(column_chart("none", &[]).ends_with("</svg>\n"));
    }
}
