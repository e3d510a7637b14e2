//! AG202 `unawaited-coroutine`: calling an `async def` of the module as a statement,
//! without `await`, creates a coroutine and throws it away.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

use super::{FixAvailability, RuleInfo};
use crate::checker::Checker;
use crate::diagnostic::{Edit, Fix};
use crate::semantic::Resolved;

pub static RULE: RuleInfo = RuleInfo {
    code: "AG202",
    name: "unawaited-coroutine",
    summary: "an `async def` called without `await` never runs",
    fix: FixAvailability::Sometimes,
    aliases: &[],
    doc: r#"## What it does
Reports an expression statement that calls an `async def` of the same module (a
function, or a method through `self.`/`cls.` in its class) without `await`. Functions
with decorators other than `staticmethod`/`classmethod` are left alone, since a
decorator may make them synchronous.

## Why is this bad?
Calling a coroutine function only creates a coroutine object; dropping it means the
body never runs, and Python warns "coroutine was never awaited" long after.

## Example
```python
async def notify(user):
    ...

async def signup(user):
    save(user)
    notify(user)
```

## Use instead
```python
async def signup(user):
    save(user)
    await notify(user)
```

## Fix
Inserts `await` (in an `async def`). Unsafe: the call now runs to completion at that
point, which may be slower than the author intended (a task may have been meant).

`aioguard check --fix --unsafe-fixes` turns the example into:
```python
async def notify(user):
    ...

async def signup(user):
    save(user)
    await notify(user)
```
"#,
};

const TRANSPARENT_DECORATORS: &[&str] = &["staticmethod", "classmethod"];

pub(crate) fn check<'a>(checker: &mut Checker<'a>, stmt: &'a ast::StmtExpr) {
    if !checker.is_enabled(&RULE) {
        return;
    }
    let Expr::Call(call) = &*stmt.value else { return };
    let Some(function) = called_coroutine_function(checker, &call.func) else { return };
    let message = format!(
        "`{}()` is an `async def` called without `await`: the coroutine is created and dropped, and its body never runs",
        function.name.as_str()
    );
    checker.report_with_fix(&RULE, call.range(), message, |checker| {
        checker
            .can_await_here()
            .then(|| Fix::unsafe_edits("Insert `await`", vec![Edit::insert(call.start(), "await ")]))
    });
}

fn called_coroutine_function<'a>(checker: &mut Checker<'a>, func: &'a Expr) -> Option<&'a ast::StmtFunctionDef> {
    let function = match func {
        Expr::Name(_) => match checker.semantic().resolve(func, &mut String::new())? {
            Resolved::Function(function) => function,
            _ => return None,
        },
        Expr::Attribute(attribute) => {
            let Expr::Name(receiver) = &*attribute.value else { return None };
            if !matches!(receiver.id.as_str(), "self" | "cls") {
                return None;
            }
            let class = checker.semantic().enclosing_class()?;
            class.body.iter().find_map(|stmt| match stmt {
                Stmt::FunctionDef(method) if method.name.as_str() == attribute.attr.as_str() => Some(method),
                _ => None,
            })?
        }
        _ => return None,
    };
    let transparent = function.decorator_list.iter().all(|decorator| {
        matches!(&decorator.expression, Expr::Name(name) if TRANSPARENT_DECORATORS.contains(&name.id.as_str()))
    });
    (function.is_async && transparent).then_some(function)
}
