//! The fix of a dropped task (AG201): create it in the enclosing task group, or keep a
//! reference to it in the module's set of background tasks until it is done.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextLen, TextRange};

use crate::analysis::semantic::{Binding, Resolved};
use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::{is_unused_in, range_with_parentheses, unused_name};
use crate::fixes::style;

/// The module-level set that keeps background tasks alive (numbered while taken).
const BACKGROUND_TASKS: &str = "_background_tasks";

/// Inside an `async with asyncio.TaskGroup() as tg:` block, `tg.create_task(...)`;
/// elsewhere the task is kept in the module's set of background tasks until it is done.
pub(crate) fn keep_task(
    fixer: &Fixer<'_, '_>,
    stmt: &ast::StmtExpr,
    call: &ast::ExprCall,
    creator: &str,
) -> Option<Fix> {
    if creator == "asyncio.create_task"
        && let Some(group) = enclosing_task_group(fixer)
    {
        let callee = range_with_parentheses(fixer, &call.func, call);
        let edits = vec![Edit::replace(callee, format!("{group}.create_task"))];
        return Some(Fix::unsafe_edits(format!("Create the task in the task group `{group}`"), edits));
    }
    let (tasks, mut edits) = background_tasks_set(fixer)?;
    // The set is named as new where the fix creates it: the user's code has no such name yet.
    let where_kept = if edits.is_empty() { format!("`{tasks}`") } else { format!("a new module-level set, `{tasks}`") };
    let task = unused_name(fixer, innermost_scope_range(fixer), "task");
    let source = fixer.source();
    edits.push(Edit::insert(stmt.start(), format!("{task} = ")));
    let keep = format!("{tasks}.add({task})");
    let release = format!("{task}.add_done_callback({tasks}.discard)");
    match style::indentation_at(source, stmt.start()) {
        Some(indent) if style::ends_line(source, stmt.end()) => {
            let line_ending = fixer.stylist().line_ending();
            let end = style::line_end(source, stmt.end());
            edits.push(Edit::insert(end, format!("{line_ending}{indent}{keep}{line_ending}{indent}{release}")));
        }
        // On a line shared with other statements, or after `if x:`: stay on that line.
        _ => edits.push(Edit::insert(stmt.end(), format!("; {keep}; {release}"))),
    }
    Some(Fix::unsafe_edits(format!("Keep a reference to the task in {where_kept}"), edits))
}

/// The name of the task group an enclosing `async with` block of the same function binds.
fn enclosing_task_group<'a>(fixer: &Fixer<'_, 'a>) -> Option<&'a str> {
    for stmt in fixer.statements().iter().rev() {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => return None,
            Stmt::With(with) if with.is_async => {
                let group = with.items.iter().find_map(|item| {
                    let Some(Expr::Name(name)) = item.optional_vars.as_deref() else { return None };
                    let ty = fixer.semantic().type_of(&item.context_expr, &mut String::new());
                    (ty == Some("asyncio.TaskGroup")).then_some(name.id.as_str())
                });
                if group.is_some() {
                    return group;
                }
            }
            _ => {}
        }
    }
    None
}

/// The range of the innermost function or class around the checked position, or the
/// whole module.
fn innermost_scope_range(fixer: &Fixer<'_, '_>) -> TextRange {
    fixer
        .statements()
        .iter()
        .rev()
        .find(|stmt| matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)))
        .map_or(TextRange::up_to(fixer.source().len().try_into().unwrap_or_default()), |stmt| stmt.range())
}

/// The module's set of background tasks: `_background_tasks` (or `_background_tasks_2`,
/// …), and the edits defining it. A module-level name is reused only when it already is
/// exactly such a set (`_background_tasks = set()`); a name the module uses in any other
/// way is passed over for the next number.
fn background_tasks_set(fixer: &Fixer<'_, '_>) -> Option<(String, Vec<Edit>)> {
    let scopes = fixer.semantic().scopes();
    let module = TextRange::up_to(fixer.source().text_len());
    let candidates = std::iter::once(BACKGROUND_TASKS.to_owned())
        .chain((2..).map(|number| format!("{BACKGROUND_TASKS}_{number}")))
        .take(MAX_NAME_CANDIDATES);
    for name in candidates {
        if scopes[1..].iter().any(|scope| scope.get(&name).is_some()) {
            continue;
        }
        match scopes[0].get(&name) {
            Some(binding) if is_empty_set(fixer, binding) => return Some((name, Vec::new())),
            None if is_unused_in(fixer, module, &name) => {
                let edits = background_tasks_definition(fixer, &name)?;
                return Some((name, edits));
            }
            _ => {}
        }
    }
    None
}

/// Names tried for the set before giving up on a fix.
const MAX_NAME_CANDIDATES: usize = 100;

/// `x = set()` or `x: set[asyncio.Task] = set()`.
fn is_empty_set(fixer: &Fixer<'_, '_>, binding: &Binding<'_>) -> bool {
    let value = match binding {
        Binding::Assigned(value) => *value,
        Binding::Annotated { value: Some(value), .. } => *value,
        _ => return false,
    };
    let Expr::Call(call) = value else { return false };
    let mut name = String::new();
    call.arguments.is_empty()
        && matches!(fixer.semantic().resolve(&call.func, &mut name), Some(Resolved::QualifiedName))
        && name == "builtins.set"
}

/// The edits defining the module's set of background tasks `name`: after the opening
/// imports, annotated `set[asyncio.Task]` from py39 and `typing.Set[asyncio.Task]`
/// below (quoted where the annotation could not be evaluated there; none below py39 when
/// the name `typing` is bound to something else). `None` when the name `asyncio` is
/// bound to something else.
fn background_tasks_definition(fixer: &Fixer<'_, '_>, name: &str) -> Option<Vec<Edit>> {
    let mut edits = Vec::new();
    let asyncio = module_name(fixer, "asyncio", &mut edits)?;
    let annotation = if fixer.settings().target_version.has_builtin_generics() {
        Some((format!("set[{}.Task]", asyncio.name), asyncio.evaluable))
    } else {
        module_name(fixer, "typing", &mut edits).map(|typing| {
            (format!("{}.Set[{}.Task]", typing.name, asyncio.name), typing.evaluable && asyncio.evaluable)
        })
    };
    let annotation = match annotation {
        Some((annotation, true)) => format!(": {annotation}"),
        Some((annotation, false)) => format!(": \"{annotation}\""),
        None => String::new(),
    };
    let line_ending = fixer.stylist().line_ending();
    edits.push(fixer.importer().statement(&format!("{line_ending}{name}{annotation} = set()")));
    Some(edits)
}

/// How module-level code after the opening imports names a module.
struct ModuleName {
    name: String,
    /// Whether the name is bound there (else it is imported later in the module).
    evaluable: bool,
}

/// The name of `module` after the opening imports: the one they bind, or the module's
/// own, imported by an edit added to `edits` when the module does not bind it. `None`
/// when the module binds that name to something else.
fn module_name(fixer: &Fixer<'_, '_>, module: &str, edits: &mut Vec<Edit>) -> Option<ModuleName> {
    let importer = fixer.importer();
    match (importer.opening_import_of(module), fixer.semantic().scopes()[0].get(module)) {
        (Some(name), _) => Some(ModuleName { name: name.to_owned(), evaluable: true }),
        (None, None) => {
            edits.push(importer.import(module));
            Some(ModuleName { name: module.to_owned(), evaluable: true })
        }
        (None, Some(Binding::Import(imported))) if &**imported == module => {
            Some(ModuleName { name: module.to_owned(), evaluable: false })
        }
        (None, Some(_)) => None,
    }
}
