//! Which calls block: a call is resolved against the catalogue (and the configuration,
//! and the clients learnt from the environment: `analysis::twins`) by its callee's
//! qualified name or its receiver's tracked type, and then let go when
//! the configuration allows it or its arguments make it return at once
//! ([`returns_at_once`]). The rules report what this finds in coroutines; the project's
//! summaries record what it finds in sync helpers.

mod returns_at_once;

use std::borrow::Cow;

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::Ranged;

use crate::analysis::context::Context;
use crate::data::catalogue::Entry;
use crate::data::registry;

/// A call the catalogue (or the configuration) says blocks.
pub struct BlockingCall<'e> {
    /// The qualified name the entry is listed under (`requests.Session.get`).
    pub qualified_name: String,
    /// How the call reads in messages: `time.sleep`, `open`, `session.get`.
    pub display: String,
    pub entry: Cow<'e, Entry>,
}

/// A call that blocks, unless the configuration allows it or its arguments make it
/// return at once (`lock.acquire(blocking=False)`).
pub fn find_unallowed_blocking_call<'a>(cx: &mut Context<'a>, call: &ast::ExprCall) -> Option<BlockingCall<'a>> {
    let blocking = find_blocking_call(cx, call)?;
    (!is_allowed_call(cx, call, &blocking.qualified_name, &blocking.entry)).then_some(blocking)
}

/// Whether the configuration allows the call to the catalogue entry `entry` (named
/// `qualified_name`), or its arguments make it return at once.
pub fn is_allowed_call(cx: &mut Context<'_>, call: &ast::ExprCall, qualified_name: &str, entry: &Entry) -> bool {
    cx.settings().is_allowed(qualified_name)
        || (entry.rule == registry::BLOCKING_LOCK.code
            && (returns_at_once::lock_call(call)
                || returns_at_once::get_after_waiting_for_an_item(cx, call, qualified_name)))
        || (entry.rule == registry::BLOCKING_WAIT.code && returns_at_once::wait_call(call, qualified_name))
        || (entry.rule == registry::BLOCKING_NETWORK_CLIENT.code
            && returns_at_once::client_without_host(call, qualified_name))
        || (entry.rule == registry::BLOCKING_SOCKET.code
            && (returns_at_once::non_blocking_socket_call(cx, call, qualified_name)
                || returns_at_once::numeric_address_lookup(cx, call, qualified_name)))
        || entry.path_argument.as_ref().is_some_and(|path| returns_at_once::given_no_certain_path(cx, call, path))
        || (entry.rule == registry::BLOCKING_SDK_CLIENT.code && returns_at_once::sdk_call(call))
}

/// Resolves the callee of `call` to a blocking catalogue entry, if it is one.
pub fn find_blocking_call<'a>(cx: &mut Context<'a>, call: &ast::ExprCall) -> Option<BlockingCall<'a>> {
    let awaited = cx.is_awaited(call.range());
    let blocking = resolve_blocking_call(cx, call)?;
    // An awaited call is not the sync function's or client's, whatever its name or
    // object was taken for (`await client.aio.models.generate_content(...)`); but one
    // with a library twin is that library's sync call awaited by mistake (`await
    // qs.count()`): it runs, and blocks, before there is anything to await.
    (!awaited || blocking.entry.twin.is_some()).then_some(blocking)
}

fn resolve_blocking_call<'a>(cx: &mut Context<'a>, call: &ast::ExprCall) -> Option<BlockingCall<'a>> {
    let settings = cx.settings();
    let func: &Expr = &call.func;
    let context = cx.module_context();
    if let Some(name) = cx.resolve_qualified_name(func) {
        if let Some(entry) = settings.blocking_entry(name) {
            // A function is named as qualified; a method through a module's object as written.
            let listed =
                settings.catalogue.calls.contains_key(name) || settings.extend_blocking_calls.contains_key(name);
            let qualified_name = name.to_owned();
            let display = match qualified_name.strip_prefix("builtins.") {
                _ if !listed => cx.display_source(func),
                Some(builtin) => builtin.to_owned(),
                None => qualified_name.clone(),
            };
            return Some(BlockingCall { qualified_name, display, entry: Cow::Borrowed(entry) });
        }
        // `app.db.conn.execute`: a method of an object another module of the project keeps.
        if !context.is_some_and(|context| context.is_project_name(name)) {
            return None;
        }
    }
    let Expr::Attribute(attribute) = func else { return None };
    if let Some(ty) = cx.type_of(&attribute.value) {
        let method = attribute.attr.as_str();
        let qualified_name = format!("{ty}.{method}");
        // A client learnt from the environment blocks in every public method.
        let entry = settings.method_entry(&qualified_name).or_else(|| cx.semantic().clients().entry(ty, method))?;
        return Some(BlockingCall { qualified_name, display: cx.display_source(func), entry: Cow::Borrowed(entry) });
    }
    if is_request_with_verb_literal(cx, call) {
        let display = cx.display_source(func);
        let entry = Cow::Owned(verb_literal_entry());
        return Some(BlockingCall { qualified_name: display.clone(), display, entry });
    }
    None
}

const HTTP_VERBS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// `x.request("GET", ...)` on an object aioguard does not otherwise know, whose result
/// is used right there: not awaited, not entered by `async with`, and not handed to
/// another call (`asyncio.gather(x.request("GET", u))` is an async client's coroutine).
fn is_request_with_verb_literal(cx: &Context<'_>, call: &ast::ExprCall) -> bool {
    let Expr::Attribute(attribute) = &*call.func else { return false };
    if attribute.attr.as_str() != "request" || cx.is_awaited(call.range()) || cx.is_passed_to_call(call.range()) {
        return false;
    }
    matches!(
        call.arguments.args.first(),
        Some(Expr::StringLiteral(literal)) if HTTP_VERBS.contains(&literal.value.to_str().to_ascii_uppercase().as_str())
    )
}

/// The entry a `request("GET", ...)` call is reported under (AG102).
fn verb_literal_entry() -> Entry {
    Entry { message: Some("an async HTTP client".to_owned()), ..Entry::offloaded(registry::BLOCKING_HTTP.code) }
}
