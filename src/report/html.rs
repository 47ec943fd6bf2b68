//! The page: one self-contained HTML file. Styles and the one small script are
//! inline, charts are SVG, and a Content-Security-Policy forbids every fetch, so
//! the file opens offline and cannot load anything even if a name in it tried to.
//! Every string from an input (ids, paths, metric names, error messages) goes
//! through [`escape`]; no input reaches the script.

use std::fmt::Write;

/// Text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1000px; color: #222; padding: 0 12px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
table.sortable th { cursor: pointer; user-select: none; } table.sortable th:hover { background: #f3f3f3; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } dt { color: #666; } dd { margin: 0; word-break: break-all; }
svg.chart { width: 100%; height: auto; background: #fff; }
svg .grid { stroke: #eee; } svg .frame { fill: none; stroke: #999; } svg .tick { font-size: 11px; fill: #555; } svg .axis { font-size: 12px; fill: #333; }
.legend label { margin-right: 16px; white-space: nowrap; } .swatch { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
.error { color: #b00020; } .note { color: #8a5a00; } #report-errors { white-space: pre-wrap; color: #b00020; border: 1px solid #b00020; padding: 8px; }
"#;

/// Show/hide a series, pick the feature chart, sort a table; any script error is
/// shown on the page and marks `data-ready="error"` (what a headless browser test
/// reads back), success marks `data-ready="ok"`.
const SCRIPT: &str = r##"
"use strict";
window.addEventListener("error", function (e) {
  var box = document.getElementById("report-errors");
  box.hidden = false;
  box.textContent += (e.message || "script error") + "\n";
  document.body.setAttribute("data-ready", "error");
});
document.querySelectorAll("input[data-target]").forEach(function (box) {
  box.addEventListener("change", function () {
    document.getElementById(box.getAttribute("data-target")).style.display = box.checked ? "" : "none";
  });
});
document.querySelectorAll("select[data-choose]").forEach(function (select) {
  var show = function () {
    document.querySelectorAll("#" + select.getAttribute("data-choose") + " > [data-choice]").forEach(function (el) {
      el.hidden = el.getAttribute("data-choice") !== select.value;
    });
  };
  select.addEventListener("change", show);
  show();
});
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var up = th.getAttribute("data-order") !== "up";
      table.querySelectorAll("th").forEach(function (other) { other.removeAttribute("data-order"); });
      th.setAttribute("data-order", up ? "up" : "down");
      var key = function (row) {
        var cell = row.cells[column];
        var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
        var n = parseFloat(raw);
        return isNaN(n) ? raw : n;
      };
      Array.prototype.slice.call(body.rows).sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
        return up ? order : -order;
      }).forEach(function (row) { body.appendChild(row); });
    });
  });
});
if (document.body.getAttribute("data-ready") !== "error") {
  document.body.setAttribute("data-ready", "ok");
}
"##;

/// The whole document around `body` (already HTML).
pub fn page(title: &str, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + SCRIPT.len() + 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body data-ready=\"loading\">");
    let _ = writeln!(out, "<h1>{}</h1>", escape(title));
    out.push_str("<pre id=\"report-errors\" hidden></pre>\n");
    out.push_str(body);
    let _ = write!(out, "\n<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

/// A table: `head` cells, then rows of (cell HTML, optional sort key). With
/// `sortable`, clicking a heading sorts by that column.
pub fn table(head: &[String], rows: &[Vec<(String, Option<String>)>], sortable: bool) -> String {
    let mut out = String::new();
    let _ = write!(out, "<table{}><thead><tr>", if sortable { " class=\"sortable\"" } else { "" });
    for h in head {
        let _ = write!(out, "<th>{h}</th>");
    }
    out.push_str("</tr></thead><tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (cell, key) in row {
            match key {
                Some(key) => {
                    let _ = write!(out, "<td data-sort=\"{}\">{cell}</td>", escape(key));
                }
                None => {
                    let _ = write!(out, "<td>{cell}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

/// A legend whose boxes show and hide the series with ids `ids`.
pub fn legend(names: &[&str], ids: &[String], palette: &[&str]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (i, (name, id)) in names.iter().zip(ids).enumerate() {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" checked data-target=\"{}\"><span class=\"swatch\" style=\"background:{}\"></span>{}</label>",
            escape(id),
            palette[i % palette.len()],
            escape(name)
        );
    }
    out.push_str("</div>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn the_page_fetches_nothing() {
        let page = page("t <1>", "<p>x</p>");
        assert!(page.contains("default-src 'none'"));
        assert!(page.contains("<title>t &lt;1&gt;</title>"));
        for fetch in ["src=\"http", "href=\"http", "@import", "url("] {
            assert!(!page.contains(fetch), "{fetch}");
        }
    }
}
