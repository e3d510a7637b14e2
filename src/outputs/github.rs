//! `github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the pull request's diff:
//! `::error title=AG101 blocking-sleep,file=app.py,line=3,endLine=3,col=5,endColumn=18::message`.
//!
//! Properties come in the order, and are escaped the way, GitHub's own toolkit
//! (`@actions/core`) writes them, so the runner reads them as it reads any action's.

use std::io::{self, Write};

use super::{EmitContext, Emitter, STARTUP_TAG};
use crate::data::config::Severity;
use crate::data::diagnostic::Finding;

pub struct Github;

impl Emitter for Github {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        for finding in findings {
            writeln!(out, "{}", command(finding, context))?;
        }
        Ok(())
    }

    fn is_human(&self) -> bool {
        false
    }
}

/// `AG105 blocking-filesystem`, with `(start-up)` for start-up code.
fn title(finding: &Finding) -> String {
    let title = format!("{} {}", finding.rule.code, finding.rule.name);
    if finding.startup { format!("{title} ({STARTUP_TAG})") } else { title }
}

fn command(finding: &Finding, context: &EmitContext) -> String {
    let level = match context.severity(finding) {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut properties = vec![
        ("title", title(finding)),
        ("file", context.repository_path(&finding.filename).display().to_string()),
        ("line", finding.start.row.to_string()),
        ("endLine", finding.end.row.to_string()),
    ];
    // GitHub takes columns only for an annotation on a single line.
    if finding.start.row == finding.end.row {
        properties.push(("col", finding.start.column.to_string()));
        properties.push(("endColumn", finding.end.column.to_string()));
    }
    let properties: Vec<String> =
        properties.iter().map(|(key, value)| format!("{key}={}", escape_property(value))).collect();
    format!("::{level} {}::{}", properties.join(","), escape_data(&finding.message))
}

/// A command's message: `%` and line breaks are percent-encoded.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A property value: as a message, and `:` and `,` too, which delimit properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::data::config::Severities;
    use crate::data::registry;
    use crate::data::source::Position;

    fn finding(filename: &str, message: &str, start: (usize, usize), end: (usize, usize)) -> Finding {
        Finding {
            rule: &registry::BLOCKING_SLEEP,
            message: message.to_owned(),
            filename: filename.to_owned(),
            start: Position { row: start.0, column: start.1 },
            end: Position { row: end.0, column: end.1 },
            noqa_row: start.0,
            source_lines: Vec::new(),
            fix: None,
            no_fix_reason: None,
            chain: Vec::new(),
            cost: None,
            startup: false,
        }
    }

    #[test]
    fn messages_and_properties_are_escaped_and_columns_need_one_line() {
        // A root that does not exist: paths under it are taken as they are written.
        let root = PathBuf::from("/nonexistent/repo");
        let severities = Severities::default();
        let context = EmitContext::new(false, &severities, root.clone()).with_repository_root(root.clone());
        let file = root.join("a,b:c%.py");
        let single = finding(file.to_str().unwrap(), "50% done\r\nnext: a, b", (3, 5), (3, 18));
        assert_eq!(
            command(&single, &context),
            "::error title=AG101 blocking-sleep,file=a%2Cb%3Ac%25.py,line=3,endLine=3,col=5,endColumn=18\
             ::50%25 done%0D%0Anext: a, b"
        );
        let multiline = finding(file.to_str().unwrap(), "m", (3, 5), (4, 2));
        assert_eq!(
            command(&multiline, &context),
            "::error title=AG101 blocking-sleep,file=a%2Cb%3Ac%25.py,line=3,endLine=4::m"
        );
    }
}
