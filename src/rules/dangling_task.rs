//! AG201 `dangling-task`: a task created and dropped, which the garbage collector may
//! destroy before it finishes.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use super::{FixAvailability, RuleInfo};
use crate::checker::Checker;

pub static RULE: RuleInfo = RuleInfo {
    code: "AG201",
    name: "dangling-task",
    summary: "the task from `asyncio.create_task()` is dropped and can vanish mid-flight",
    fix: FixAvailability::Always,
    aliases: &["RUF006", "ASYNC300"],
    doc: r#"## What it does
Reports `asyncio.create_task()`, `asyncio.ensure_future()` and `loop.create_task()` on a
tracked event loop (a name bound from `asyncio.get_running_loop()`, `get_event_loop()` or
`new_event_loop()`) whose result is dropped: an expression statement, or a list, tuple,
set or comprehension expression statement of such calls. Not reported: a task that is
assigned, returned, passed on or stored, and `TaskGroup.create_task()`. Reported in any
function, since creating a task needs a running loop wherever it is written.

## Why is this bad?
The event loop keeps only a weak reference to tasks. A task nobody references can be
garbage-collected in the middle of its work, silently; and its exception is never seen.

## Example
```python
async def on_message(message):
    asyncio.create_task(store(message))
```

## Use instead
```python
_background_tasks: set[asyncio.Task] = set()

async def on_message(message):
    task = asyncio.create_task(store(message))
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)
```
or create the task in an `asyncio.TaskGroup`.

## Fix
Keeps a strong reference as above, with one module-level `_background_tasks` set;
inside an `async with asyncio.TaskGroup() as tg:` block, `tg.create_task()` instead.
Unsafe: the task now lives until it finishes, which changes when it is collected.
"#,
};

pub(crate) fn check<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let calls: Vec<&'a ast::ExprCall> = match &*stmt.value {
        Expr::Call(call) => vec![call],
        Expr::List(ast::ExprList { elts, .. })
        | Expr::Tuple(ast::ExprTuple { elts, .. })
        | Expr::Set(ast::ExprSet { elts, .. }) => elts.iter().filter_map(Expr::as_call_expr).collect(),
        Expr::ListComp(ast::ExprListComp { elt, .. })
        | Expr::SetComp(ast::ExprSetComp { elt, .. })
        | Expr::Generator(ast::ExprGenerator { elt, .. }) => elt.as_call_expr().into_iter().collect(),
        _ => return,
    };
    for call in calls {
        if let Some(creator) = task_creator(checker, call) {
            let message = format!(
                "the task from `{creator}()` is dropped; keep a reference to it (a set of background tasks, or a `TaskGroup`) or it can be garbage-collected before it finishes"
            );
            checker.report(&RULE, call.range(), message);
        }
    }
}

/// `asyncio.create_task`, `asyncio.ensure_future`, or `loop.create_task` on a tracked loop.
pub fn task_creator(checker: &mut Checker<'_>, call: &ast::ExprCall) -> Option<String> {
    if let Some(name) = checker.resolve_qualified_name(&call.func) {
        return matches!(name, "asyncio.create_task" | "asyncio.ensure_future").then(|| name.to_owned());
    }
    let Expr::Attribute(attribute) = &*call.func else { return None };
    let is_loop = checker.type_of(&attribute.value) == Some("asyncio.AbstractEventLoop");
    (is_loop && attribute.attr.as_str() == "create_task").then(|| checker.display_source(&call.func))
}
