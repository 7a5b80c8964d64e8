//! The heatmap as files to download: an SVG picture (cells shaded by weight, labelled rows and
//! columns, p_gen for copy models) and JSON with the same numbers as `trainer generate --attention
//! FILE.json` writes. Pure functions, so that they build and are tested natively.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::fmt::Write;

/// One heatmap as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapData<'a> {
    /// Generated tokens (rows).
    pub rows: &'a [String],
    /// Source tokens (columns).
    pub cols: &'a [String],
    /// `[rows][cols]`; each row sums to 1.
    pub weights: &'a [Vec<f32>],
    /// Copy models: one value per row.
    pub p_gen: Option<&'a [f32]>,
    /// Which attention this is, e.g. "layer 3, mean of 4 heads" (the picker's label).
    pub title: &'a str,
}

/// Cell size and label margins, in pixels.
const CELL: usize = 16;
const LABEL: usize = 130;
const P_GEN_WIDTH: usize = 44;

/// The heatmap as a standalone SVG document.
pub fn svg(data: &HeatmapData) -> String {
    let (n_rows, n_cols) = (data.rows.len(), data.cols.len());
    let extra = if data.p_gen.is_some() { P_GEN_WIDTH } else { 0 };
    let width = LABEL + n_cols * CELL + extra + 8;
    let height = 24 + LABEL + n_rows * CELL + 8;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"monospace\" font-size=\"11\">\n"
    );
    let _ = writeln!(
        out,
        "<text x=\"4\" y=\"16\" font-size=\"13\">{}</text>",
        escape(data.title)
    );
    let top = 24 + LABEL;
    for (j, col) in data.cols.iter().enumerate() {
        let x = LABEL + j * CELL + CELL / 2 + 4;
        let _ = writeln!(
            out,
            "<text transform=\"translate({x},{}) rotate(-90)\">{}</text>",
            top - 4,
            escape(col)
        );
    }
    for (i, row) in data.rows.iter().enumerate() {
        let y = top + i * CELL;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            LABEL - 4,
            y + CELL - 4,
            escape(row)
        );
        let max = data.weights[i].iter().copied().fold(1e-9, f32::max);
        for (j, &w) in data.weights[i].iter().enumerate().take(n_cols) {
            let _ = writeln!(
                out,
                "<rect x=\"{}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"#2166ac\" \
                 fill-opacity=\"{:.3}\" stroke=\"#fff\"><title>{}: {w:.3}</title></rect>",
                LABEL + j * CELL,
                w / max,
                escape(&format!("{row} → {}", data.cols[j]))
            );
        }
        if let Some(p) = data.p_gen.and_then(|p| p.get(i)) {
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\">{p:.2}</text>",
                LABEL + n_cols * CELL + 6,
                y + CELL - 4
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The heatmap's numbers as JSON: `src_tokens`, `generated_tokens`, `weights`, `p_gen`, `title`.
pub fn json(data: &HeatmapData) -> String {
    serde_json::json!({
        "title": data.title,
        "src_tokens": data.cols,
        "generated_tokens": data.rows,
        "weights": data.weights,
        "p_gen": data.p_gen,
    })
    .to_string()
}

/// Text for SVG: the five characters XML gives a meaning escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_svg_has_a_cell_per_weight_and_escapes_its_labels() {
        let rows = strings(&["def", "<eos>"]);
        let cols = strings(&["<sos>", "a&b", "\"x\"", "<eos>"]);
        let weights = vec![vec![0.1, 0.6, 0.2, 0.1], vec![0.0, 0.0, 0.5, 0.5]];
        let data = HeatmapData {
            rows: &rows,
            cols: &cols,
            weights: &weights,
            p_gen: Some(&[0.25, 0.75]),
            title: "layer 1 <mean>",
        };
        let svg = svg(&data);
        assert_eq!(svg.matches("<rect ").count(), 8);
        // The row's strongest cell is fully shaded, an empty one not at all.
        assert!(svg.contains("fill-opacity=\"1.000\""));
        assert!(svg.contains("fill-opacity=\"0.000\""));
        for escaped in [
            "&lt;sos&gt;",
            "a&amp;b",
            "&quot;x&quot;",
            "layer 1 &lt;mean&gt;",
        ] {
            assert!(svg.contains(escaped), "{escaped} missing");
        }
        assert!(!svg.contains("<sos>") && !svg.contains("a&b"));
        assert!(svg.contains(">0.25</text>") && svg.contains(">0.75</text>"));
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn the_json_has_the_numbers_the_page_shows() {
        let rows = strings(&["x"]);
        let cols = strings(&["<sos>", "<eos>"]);
        let weights = vec![vec![0.25, 0.75]];
        let data = HeatmapData {
            rows: &rows,
            cols: &cols,
            weights: &weights,
            p_gen: None,
            title: "attention",
        };
        let value: serde_json::Value = serde_json::from_str(&json(&data)).unwrap();
        assert_eq!(value["weights"][0][1], 0.75);
        assert_eq!(value["src_tokens"][0], "<sos>");
        assert_eq!(value["generated_tokens"][0], "x");
        assert!(value["p_gen"].is_null());
    }
}
