//! Output formats. Each lives in its own file behind [`Emitter`]; adding a format
//! means one file and one variant of [`OutputFormat`].

use std::io::{self, Write};

use clap::ValueEnum;

use crate::linter::Finding;

mod concise;
mod full;
mod json;

/// What an emitter may need beyond the findings.
pub struct EmitContext {
    pub color: bool,
}

pub trait Emitter {
    /// Writes the findings (already sorted by file and position).
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()>;

    /// Whether the format is for people: then a summary line follows the findings.
    fn is_human(&self) -> bool {
        true
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Each finding with the source line and a caret under the call.
    #[default]
    Full,
    /// One line per finding.
    Concise,
    /// A JSON array in the shape of `ruff check --output-format json`.
    Json,
}

impl OutputFormat {
    pub fn emitter(self) -> Box<dyn Emitter> {
        match self {
            OutputFormat::Full => Box::new(full::Full),
            OutputFormat::Concise => Box::new(concise::Concise),
            OutputFormat::Json => Box::new(json::Json),
        }
    }
}

/// ANSI styling, applied only when colour is on.
pub(crate) struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// `path:row:col: CODE` with the fixable marker, shared by the human formats.
pub(crate) fn header(finding: &Finding, style: &Style) -> String {
    let fixable = if finding.fix.is_some() { format!(" {}", style.cyan("[*]")) } else { String::new() };
    format!(
        "{}{}{}{}{}{} {}{fixable} {}",
        style.bold(&finding.filename),
        style.dim(":"),
        finding.start.row,
        style.dim(":"),
        finding.start.column,
        style.dim(":"),
        style.red(finding.rule.code),
        finding.message
    )
}
