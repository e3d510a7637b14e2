//! The imports generated code needs: an existing one is reused under the name it binds
//! (`import asyncio as aio` gives `aio.sleep`), a missing one is added once, after the
//! module docstring, the `from __future__` imports and the import block that opens the
//! module.

use ruff_python_ast::{self as ast, Stmt};
use ruff_text_size::{Ranged, TextSize};

use crate::checker::Checker;
use crate::diagnostic::Edit;
use crate::fix::style::{self, Stylist};

/// Where a module's new imports and module-level statements go.
#[derive(Debug)]
pub struct Importer {
    /// The start of the line after the module's opening import block.
    insertion: TextSize,
    /// The text ends at the insertion point without a line break.
    needs_leading_break: bool,
    /// There is neither docstring nor import: new statements go right before the code,
    /// and a blank line separates them from it.
    before_code: bool,
    line_ending: &'static str,
    /// `import x` / `import x as y` statements of the opening block: (module, bound name).
    opening_imports: Vec<(String, String)>,
}

/// A reference to an imported name, and the import to add for it, if one is missing.
#[derive(Debug)]
pub struct ImportedName {
    pub expr: String,
    pub import: Option<Edit>,
}

impl Importer {
    pub fn new(module: &ast::ModModule, source: &str, stylist: &Stylist) -> Self {
        let body = &module.body;
        let has_docstring = matches!(body.first(), Some(Stmt::Expr(stmt)) if stmt.value.is_string_literal_expr());
        let opening_end = usize::from(has_docstring)
            + body[usize::from(has_docstring)..]
                .iter()
                .take_while(|stmt| matches!(stmt, Stmt::Import(_) | Stmt::ImportFrom(_)))
                .count();
        let insertion = match opening_end.checked_sub(1).map(|last| &body[last]) {
            Some(last) => style::next_line_start(source, last.end()),
            None => body.first().map_or(TextSize::default(), |first| style::line_start(source, first.start())),
        };
        let opening_imports = body[..opening_end]
            .iter()
            .filter_map(Stmt::as_import_stmt)
            .flat_map(|import| &import.names)
            .filter_map(|alias| match &alias.asname {
                Some(asname) => Some((alias.name.to_string(), asname.to_string())),
                None => (!alias.name.contains('.')).then(|| (alias.name.to_string(), alias.name.to_string())),
            })
            .collect();
        let needs_leading_break = usize::from(insertion) == source.len() && !source.is_empty() && {
            let last = source.as_bytes()[source.len() - 1];
            last != b'\n' && last != b'\r'
        };
        Importer {
            insertion,
            needs_leading_break,
            before_code: opening_end == 0 && !body.is_empty(),
            line_ending: stylist.line_ending(),
            opening_imports,
        }
    }

    /// How code at the checker's position refers to `qualified` (`asyncio.to_thread`):
    /// through a visible import of it or of a module it is in, or through an
    /// `import <top-level module>` added to the module. `None` when that module's name
    /// is bound to something else here.
    pub fn reference(&self, checker: &Checker<'_>, qualified: &str) -> Option<ImportedName> {
        let semantic = checker.semantic();
        let mut prefix = qualified;
        loop {
            if let Some(name) = semantic.name_importing(prefix) {
                let expr = format!("{name}{}", &qualified[prefix.len()..]);
                return Some(ImportedName { expr, import: None });
            }
            match prefix.rfind('.') {
                Some(dot) => prefix = &prefix[..dot],
                None => break,
            }
        }
        let module = prefix;
        if semantic.lookup(module).is_some() {
            return None;
        }
        let import = self.statement(&format!("import {module}"));
        Some(ImportedName { expr: qualified.to_owned(), import: Some(import) })
    }

    /// The name the opening import block binds `module` to, if it imports it.
    pub fn opening_import_of(&self, module: &str) -> Option<&str> {
        self.opening_imports.iter().find(|(imported, _)| imported == module).map(|(_, name)| name.as_str())
    }

    /// An edit adding `line` as a module-level statement after the opening imports.
    pub fn statement(&self, line: &str) -> Edit {
        let lead = if self.needs_leading_break { self.line_ending } else { "" };
        let blank = if self.before_code { self.line_ending } else { "" };
        Edit::insert(self.insertion, format!("{lead}{line}{}{blank}", self.line_ending))
    }
}
