//! The fix of `asyncio.get_event_loop()` in a coroutine (AG204): `get_running_loop()`.

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::data::diagnostic::{Edit, Fix};
use crate::fixes::Fixer;
use crate::fixes::codegen::range_with_parentheses;

/// `asyncio.get_event_loop()` → `asyncio.get_running_loop()`: the attribute is renamed,
/// a bare imported name replaced.
pub(crate) fn get_running_loop(fixer: &Fixer<'_, '_>, call: &ast::ExprCall) -> Option<Fix> {
    const MESSAGE: &str = "Replace with `get_running_loop()`";
    if let Expr::Attribute(attribute) = &*call.func {
        return Some(Fix::safe(MESSAGE, vec![Edit::replace(attribute.attr.range(), "get_running_loop")]));
    }
    let reference = fixer.importer().reference(fixer, "asyncio.get_running_loop")?;
    let callee = range_with_parentheses(fixer, &call.func, call);
    let mut edits = vec![Edit::replace(callee, reference.expr)];
    edits.extend(reference.import);
    Some(Fix::safe(MESSAGE, edits))
}
