//! `concise`: one line per finding, `path:row:col: CODE [*] message`.

use std::io::{self, Write};

use super::{EmitContext, Emitter, Style, header};
use crate::data::diagnostic::Finding;

pub struct Concise;

impl Emitter for Concise {
    fn emit(&self, out: &mut dyn Write, findings: &[Finding], context: &EmitContext) -> io::Result<()> {
        let style = Style { color: context.color };
        for finding in findings {
            writeln!(out, "{}", header(finding, &style, context.applicability))?;
        }
        Ok(())
    }
}
