//! The imports generated code needs, and the ones a fix leaves unused.
//!
//! An existing import is reused under the name it binds (`import asyncio as aio` gives
//! `aio.sleep`). A missing one is added once, where isort (and ruff's `I001`) would put
//! it: in its section's block of the module's opening imports (standard library, third
//! party, first party, local, in that order, blocks separated by a blank line), after
//! the plain `import`s that sort before it; in a block of its own when its section has
//! none. Other module-level statements go after the opening imports.
//!
//! After fixing, an import whose name the fixes removed the last use of is removed
//! ([`remove_unused_after_fix`]): `import time` once the last `time.sleep()` became
//! `asyncio.sleep()`.

use std::sync::OnceLock;

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_python_parser::parse_module;
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::FxHashSet as HashSet;

use crate::data::diagnostic::Edit;
use crate::fixes::Fixer;
use crate::fixes::engine;
use crate::fixes::style::{self, Stylist};

/// The isort sections, in the order their blocks follow one another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Future,
    StandardLibrary,
    ThirdParty,
    FirstParty,
    Local,
}

/// One statement of the opening import block, as isort orders it.
#[derive(Debug)]
struct OpeningImport {
    section: Section,
    key: SortKey,
    /// The start of its first line, and of the line after it.
    line_start: TextSize,
    next_line_start: TextSize,
    /// Whether a blank line (a new block) separates it from the statement before.
    starts_block: bool,
}

/// isort's order within a block (ruff's default, `force-sort-within-sections = false`):
/// plain `import`s before `from` imports, then by module name, case aside.
type SortKey = (bool, String, String);

fn sort_key(is_from: bool, module: &str) -> SortKey {
    (is_from, module.to_ascii_lowercase(), module.to_owned())
}

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
    /// Every statement of the opening block, in order.
    opening_block: Vec<OpeningImport>,
    /// Top-level modules that sort as first party.
    first_party: Vec<String>,
    /// The module-level `from <module> import a, b` statements (absolute, not `*`): the
    /// module, and where the last name imported ends.
    from_imports: Vec<(String, TextSize)>,
}

/// A reference to an imported name, and the import to add for it, if one is missing.
#[derive(Debug)]
pub struct ImportedName {
    pub expr: String,
    pub import: Option<Edit>,
}

impl Importer {
    pub fn new(module: &ast::ModModule, source: &str, stylist: &Stylist, first_party: &[String]) -> Self {
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
        let from_imports = body
            .iter()
            .filter_map(Stmt::as_import_from_stmt)
            .filter(|import| import.level == 0 && !import.names.iter().any(|alias| alias.name.as_str() == "*"))
            .filter_map(|import| Some((import.module.as_ref()?.to_string(), import.names.last()?.end())))
            .collect();
        let mut importer = Importer {
            from_imports,
            insertion,
            needs_leading_break,
            before_code: opening_end == 0 && !body.is_empty(),
            line_ending: stylist.line_ending(),
            opening_imports,
            opening_block: Vec::new(),
            first_party: first_party.to_vec(),
        };
        let mut previous_end: Option<TextSize> = None;
        for stmt in &body[usize::from(has_docstring)..opening_end] {
            let (section, key) = match stmt {
                Stmt::Import(import) => {
                    let module = import.names.first().map_or("", |alias| alias.name.as_str());
                    (importer.section_of(module, 0), sort_key(false, module))
                }
                Stmt::ImportFrom(import) => {
                    let module = import.module.as_ref().map_or("", |module| module.as_str());
                    let dotted = format!("{}{module}", ".".repeat(import.level as usize));
                    (importer.section_of(module, import.level), sort_key(true, &dotted))
                }
                _ => unreachable!("the opening block holds imports only"),
            };
            let line_start = style::line_start(source, stmt.start());
            let starts_block =
                previous_end.is_none_or(|end| has_blank_line(&source[end.to_usize()..line_start.to_usize()]));
            importer.opening_block.push(OpeningImport {
                section,
                key,
                line_start,
                next_line_start: style::next_line_start(source, stmt.end()),
                starts_block,
            });
            previous_end = Some(style::next_line_start(source, stmt.end()));
        }
        importer
    }

    fn section_of(&self, module: &str, level: u32) -> Section {
        let top = module.split('.').next().unwrap_or(module);
        if level > 0 {
            Section::Local
        } else if top == "__future__" {
            Section::Future
        } else if standard_library().contains(top) {
            Section::StandardLibrary
        } else if self.first_party.iter().any(|package| package == top) {
            Section::FirstParty
        } else {
            Section::ThirdParty
        }
    }

    /// How code at the fixer's position refers to `qualified` (`asyncio.to_thread`):
    /// through a visible import of it or of a module it is in, or through an
    /// `import <top-level module>` added to the module. `None` when that module's name
    /// is bound to something else here.
    pub fn reference(&self, fixer: &Fixer<'_, '_>, qualified: &str) -> Option<ImportedName> {
        let semantic = fixer.semantic();
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
            return fixer
                .no_fix(format!("the fix needs the module `{module}`, and that name is bound to something else here"));
        }
        Some(ImportedName { expr: qualified.to_owned(), import: Some(self.import(module)) })
    }

    /// How code at the fixer's position refers to `qualified`
    /// (`asgiref.sync.sync_to_async`) by its own name: through a visible import of it,
    /// or a `from <module> import <name>` added to the module where no scope binds the
    /// name; else as [`reference`](Self::reference) does. For names of submodules that
    /// `import <top-level module>` does not load.
    pub fn reference_by_name(&self, fixer: &Fixer<'_, '_>, qualified: &str) -> Option<ImportedName> {
        let semantic = fixer.semantic();
        if let Some(name) = semantic.name_importing(qualified) {
            return Some(ImportedName { expr: name.to_owned(), import: None });
        }
        let (module, name) = qualified.rsplit_once('.')?;
        if semantic.is_bound_anywhere(name) {
            return self.reference(fixer, qualified);
        }
        Some(ImportedName { expr: name.to_owned(), import: Some(self.import_from(module, name)) })
    }

    /// The name the opening import block binds `module` to, if it imports it.
    pub fn opening_import_of(&self, module: &str) -> Option<&str> {
        self.opening_imports.iter().find(|(imported, _)| imported == module).map(|(_, name)| name.as_str())
    }

    /// An edit adding `import {module}` in its sorted place in the opening block.
    pub fn import(&self, module: &str) -> Edit {
        self.sorted_import(format!("import {module}"), module, false)
    }

    /// An edit importing `name` from `module`: after the names of a module-level `from
    /// {module} import …` if there is one, else a new such statement in its sorted place
    /// in the opening block.
    pub fn import_from(&self, module: &str, name: &str) -> Edit {
        match self.from_imports.iter().find(|(imported, _)| imported == module) {
            Some((_, last_name_end)) => Edit::insert(*last_name_end, format!(", {name}")),
            None => self.sorted_import(format!("from {module} import {name}"), module, true),
        }
    }

    /// An edit adding the import statement `line` of `module` in its isort place.
    fn sorted_import(&self, line: String, module: &str, is_from: bool) -> Edit {
        let section = self.section_of(module, 0);
        let key = sort_key(is_from, module);
        let blocks: Vec<&[OpeningImport]> = self.opening_block.chunk_by(|_, next| !next.starts_block).collect();
        let ending = self.line_ending;
        if let Some(block) = blocks.iter().find(|block| block.iter().any(|import| import.section == section)) {
            return match block.iter().find(|import| import.key > key) {
                Some(next) => Edit::insert(next.line_start, format!("{line}{ending}")),
                None => {
                    Edit::insert(block.last().expect("blocks are not empty").next_line_start, format!("{line}{ending}"))
                }
            };
        }
        match blocks.iter().find(|block| block.iter().all(|import| import.section > section)) {
            // A block of its own, before the first block of a later section.
            Some(later) => Edit::insert(later[0].line_start, format!("{line}{ending}{ending}")),
            // After the last block, a blank line apart.
            None if !self.opening_block.is_empty() => Edit::insert(self.insertion, format!("{ending}{line}{ending}")),
            None => self.statement(&line),
        }
    }

    /// An edit adding `line` as a module-level statement after the opening imports.
    pub fn statement(&self, line: &str) -> Edit {
        let lead = if self.needs_leading_break { self.line_ending } else { "" };
        let blank = if self.before_code { self.line_ending } else { "" };
        Edit::insert(self.insertion, format!("{lead}{line}{}{blank}", self.line_ending))
    }
}

fn has_blank_line(between: &str) -> bool {
    between.split_inclusive('\n').any(|line| line.trim().is_empty())
}

/// The top-level modules of the standard library.
pub fn standard_library() -> &'static HashSet<&'static str> {
    static MODULES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    MODULES.get_or_init(|| {
        include_str!("stdlib_modules.txt").lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect()
    })
}

/// `fixed` without the module-level imports that fixing `original` into it left unused:
/// a name the original used outside imports and the fixed text uses nowhere, neither in
/// code nor in a string (`__all__`, a quoted annotation). Imports that were unused
/// before, `from __future__` and star imports, and the `import x as x` form of an
/// explicit re-export are kept. `None` when nothing is to be removed.
pub fn remove_unused_after_fix(original: &str, fixed: &str) -> Option<String> {
    let fixed_module = parse_module(fixed).ok()?;
    let original_module = parse_module(original).ok()?;
    let original_uses = NameUses::new(original, original_module.tokens(), &original_module.syntax().body);
    let fixed_uses = NameUses::new(fixed, fixed_module.tokens(), &fixed_module.syntax().body);
    let mut edits = Vec::new();
    // Whole lines to delete, merged where they touch.
    let mut removed_lines: Vec<TextRange> = Vec::new();
    for stmt in &fixed_module.syntax().body {
        let aliases = match stmt {
            Stmt::Import(import) => &import.names,
            Stmt::ImportFrom(import) if import.module.as_deref() != Some("__future__") => &import.names,
            _ => continue,
        };
        let is_removed = |alias: &ast::Alias| {
            let bound = match &alias.asname {
                Some(asname) if asname.as_str() == alias.name.as_str() => return false,
                Some(asname) => asname.as_str(),
                None if alias.name.as_str() == "*" => return false,
                None => alias.name.split('.').next().unwrap_or(&alias.name),
            };
            original_uses.uses(bound) && !fixed_uses.uses(bound)
        };
        let kept: Vec<&ast::Alias> = aliases.iter().filter(|alias| !is_removed(alias)).collect();
        if kept.len() == aliases.len() {
            continue;
        }
        if kept.is_empty() {
            // The whole statement, when it has its lines to itself.
            let line_start = style::line_start(fixed, stmt.start());
            if line_start == stmt.start() && style::ends_line(fixed, stmt.end()) {
                let lines = TextRange::new(line_start, style::next_line_start(fixed, stmt.end()));
                match removed_lines.last_mut() {
                    Some(previous) if previous.end() == lines.start() => *previous = previous.cover(lines),
                    _ => removed_lines.push(lines),
                }
            }
            continue;
        }
        let names = kept.iter().map(|alias| &fixed[alias.range()]).collect::<Vec<_>>().join(", ");
        let all = TextRange::new(aliases[0].start(), aliases[aliases.len() - 1].end());
        edits.push(Edit::replace(all, names));
    }
    for lines in removed_lines {
        edits.push(Edit::replace(without_leftover_blank_line(fixed, lines), String::new()));
    }
    (!edits.is_empty()).then(|| engine::apply_edits(fixed, edits.iter().collect()))
}

/// The lines to delete for a removed import, with the blank line after them when they
/// are a block of their own (a blank line or the start of the file before them): the
/// blocks around stay one blank line apart, and the file does not start blank.
fn without_leftover_blank_line(source: &str, lines: TextRange) -> TextRange {
    let before = &source[..lines.start().to_usize()];
    let at_start = before.trim_start_matches('\u{feff}').is_empty();
    let after_blank = before.ends_with("\n\n") || before.ends_with("\r\n\r\n") || before.ends_with("\r\r");
    let next_line = TextRange::new(lines.end(), style::next_line_start(source, lines.end()));
    let next_is_blank = !next_line.is_empty() && source[next_line].trim().is_empty();
    if (at_start || after_blank) && next_is_blank { lines.cover(next_line) } else { lines }
}

/// The names a module's code uses (loads, stores, deletes, `global`/`nonlocal`; an
/// attribute name is not one), and the text of its strings.
#[derive(Default)]
struct NameUses<'s> {
    names: HashSet<&'s str>,
    strings: Vec<&'s str>,
}

impl<'s> NameUses<'s> {
    fn new(source: &'s str, tokens: &Tokens, body: &'s [Stmt]) -> Self {
        let mut uses = NameUses::default();
        uses.visit_body(body);
        uses.strings = tokens
            .iter()
            .filter(|token| {
                matches!(token.kind(), TokenKind::String | TokenKind::FStringMiddle | TokenKind::TStringMiddle)
            })
            .map(|token| &source[token.range()])
            .collect();
        uses
    }

    /// Whether `name` is used as a name, or as a word in a string.
    fn uses(&self, name: &str) -> bool {
        self.names.contains(name)
            || self
                .strings
                .iter()
                .any(|string| string.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|word| word == name))
    }
}

impl<'s> Visitor<'s> for NameUses<'s> {
    fn visit_stmt(&mut self, stmt: &'s Stmt) {
        if let Stmt::Global(ast::StmtGlobal { names, .. }) | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) = stmt {
            self.names.extend(names.iter().map(|name| name.as_str()));
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'s Expr) {
        if let Expr::Name(name) = expr {
            self.names.insert(name.id.as_str());
        }
        visitor::walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_imports_a_fix_left_unused() {
        let original = "import os\nimport time\nfrom time import monotonic, sleep\n\n\nasync def f():\n    time.sleep(1)\n    sleep(1)\n    return monotonic()\n";
        let fixed = "import os\nimport time\nfrom time import monotonic, sleep\n\n\nasync def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(1)\n    return monotonic()\n";
        let tidied = remove_unused_after_fix(original, fixed).unwrap();
        // `os` was unused before the fix: not the fix's to remove.
        assert_eq!(
            tidied,
            "import os\nfrom time import monotonic\n\n\nasync def f():\n    await asyncio.sleep(1)\n    await asyncio.sleep(1)\n    return monotonic()\n"
        );
    }

    #[test]
    fn a_removed_block_takes_its_blank_line_along() {
        let fixed = "import time\n\nimport trio\n\n\nasync def f():\n    await trio.sleep(1)\n";
        let original = fixed.replace("await trio.sleep(1)", "time.sleep(1)");
        assert_eq!(
            remove_unused_after_fix(&original, fixed).as_deref(),
            Some("import trio\n\n\nasync def f():\n    await trio.sleep(1)\n")
        );
        let fixed = "import os\n\nimport a\nimport b\n\nimport c\n\nasync def f():\n    os.x(c.y)\n";
        let original = fixed.replace("os.x(c.y)", "os.x(c.y, a, b)");
        assert_eq!(
            remove_unused_after_fix(&original, fixed).as_deref(),
            Some("import os\n\nimport c\n\nasync def f():\n    os.x(c.y)\n")
        );
    }

    /// `source` with `import {module}` added where the importer puts it.
    fn with_import(source: &str, module: &str) -> String {
        let parsed = parse_module(source).unwrap();
        let importer = Importer::new(parsed.syntax(), source, &Stylist::detect(source), &["acme".to_owned()]);
        let edit = importer.import(module);
        let at = edit.range.start().to_usize();
        format!("{}{}{}", &source[..at], edit.content, &source[at..])
    }

    #[test]
    fn an_added_import_goes_in_isort_order() {
        let source = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport os\nimport sys\nfrom time import sleep\n\nimport requests\n\nimport acme\nfrom . import local\n\nx = 1\n";
        let sorted = |module| with_import(source, module);
        assert!(sorted("asyncio").contains("annotations\n\nimport asyncio\nimport os\n"), "{}", sorted("asyncio"));
        assert!(sorted("pathlib").contains("import os\nimport pathlib\nimport sys\n"), "{}", sorted("pathlib"));
        // Plain imports before `from` imports.
        assert!(sorted("zoneinfo").contains("import sys\nimport zoneinfo\nfrom time"), "{}", sorted("zoneinfo"));
        assert!(sorted("trio").contains("import requests\nimport trio\n\nimport acme"), "{}", sorted("trio"));
        // A section without a block gets its own, in its place.
        let first_party_only = "import acme\n\nx = 1\n";
        assert_eq!(with_import(first_party_only, "asyncio"), "import asyncio\n\nimport acme\n\nx = 1\n");
        assert_eq!(
            with_import("import os\n\n\ndef f(): pass\n", "trio"),
            "import os\n\nimport trio\n\n\ndef f(): pass\n"
        );
        assert_eq!(with_import("x = 1\n", "asyncio"), "import asyncio\n\nx = 1\n");
    }

    #[test]
    fn keeps_imports_used_elsewhere_or_exported() {
        let original = "import time\n__all__ = ['time']\n\nasync def f():\n    time.sleep(1)\n";
        let fixed = "import time\n__all__ = ['time']\n\nasync def f():\n    await asyncio.sleep(1)\n";
        assert_eq!(remove_unused_after_fix(original, fixed), None);
        let original = "import time\nimport time as time\n\nasync def f():\n    time.sleep(1)\n";
        let fixed = "import time\nimport time as time\n\nasync def f():\n    await asyncio.sleep(1)\n";
        assert_eq!(
            remove_unused_after_fix(original, fixed).as_deref(),
            Some("import time as time\n\nasync def f():\n    await asyncio.sleep(1)\n")
        );
    }
}
