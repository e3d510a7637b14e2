//! Name resolution: looking a name up through the scopes the way Python does, and
//! turning a name or dotted expression into a qualified name or a definition of the
//! module.

use ruff_python_ast::{self as ast, Expr};

use super::SemanticModel;
use super::scopes::{Binding, NameCollector, Scope, ScopeKind};
use super::types::ProjectTypes;

/// What an expression refers to.
#[derive(Clone, Copy, Debug)]
pub enum Resolved<'a> {
    /// A function or object the catalogue may know, by qualified name (in the buffer).
    QualifiedName,
    /// A function or class defined in this module.
    Function(&'a ast::StmtFunctionDef),
    Class(&'a ast::StmtClassDef),
}

/// Resolution follows assignments, attributes and calls this many steps at most
/// (`a = b; b = a` would go on forever).
pub(super) const MAX_RESOLUTION_DEPTH: u8 = 12;

impl<'a> SemanticModel<'a> {
    /// Looks `name` up the way Python does: the current scope, enclosing function
    /// scopes (class scopes only when innermost), then the module.
    pub fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.lookup_with_scope(name).map(|(_, binding)| binding)
    }

    /// [`lookup`](Self::lookup), also saying in which scope (an index into
    /// [`scopes`](Self::scopes)) the name is bound.
    pub fn lookup_with_scope(&self, name: &str) -> Option<(usize, &Binding<'a>)> {
        self.env().lookup(name).map(|(place, binding)| (place.expect("no scope on top"), binding))
    }

    /// The model's own scopes, as names are looked up at the current position.
    pub(super) fn env(&self) -> Env<'_, 'a> {
        Env { base: &self.scopes, extra: &[], project: None }
    }

    /// A name visible here that is bound by an import of exactly `qualified`
    /// (`aio` after `import asyncio as aio`; `partial` after `from functools import partial`).
    pub fn name_importing(&self, qualified: &str) -> Option<&'a str> {
        let mut names: Vec<&'a str> = self
            .scopes
            .iter()
            .flat_map(|scope| scope.bindings.iter())
            .filter(|(_, binding)| matches!(binding, Binding::Import(imported) if &**imported == qualified))
            .map(|(name, _)| *name)
            .filter(|name| matches!(self.lookup(name), Some(Binding::Import(imported)) if &**imported == qualified))
            .collect();
        names.sort_unstable();
        let last_component = qualified.rsplit('.').next();
        names.iter().find(|name| Some(**name) == last_component).or(names.first()).copied()
    }

    /// Whether any scope of the module binds `name`.
    pub fn is_bound_anywhere(&self, name: &str) -> bool {
        self.all_bound_names.get_or_init(|| NameCollector::collect(self.module)).contains(name)
    }

    /// Writes the qualified name of a name or dotted expression into `buf`
    /// (`t.sleep` → `time.sleep`) and says what it is. `None`: not something aioguard knows.
    pub fn resolve(&self, expr: &Expr, buf: &mut String) -> Option<Resolved<'a>> {
        self.resolve_at_depth(self.env(), expr, buf, 0)
    }

    pub(super) fn resolve_at_depth(
        &self,
        env: Env<'_, 'a>,
        expr: &Expr,
        buf: &mut String,
        depth: u8,
    ) -> Option<Resolved<'a>> {
        buf.clear();
        let mut attributes: [&str; 8] = [""; 8];
        let mut count = 0;
        let mut root = expr;
        while let Expr::Attribute(attribute) = root {
            if count == attributes.len() {
                return None;
            }
            attributes[count] = attribute.attr.as_str();
            count += 1;
            root = &attribute.value;
        }
        let Expr::Name(name) = root else { return None };
        let name = name.id.as_str();
        match env.lookup(name).map(|(_, binding)| binding) {
            Some(Binding::Import(qualified)) => buf.push_str(qualified),
            Some(Binding::Function(function)) if count == 0 => return Some(Resolved::Function(function)),
            Some(Binding::Class(class)) if count == 0 => return Some(Resolved::Class(class)),
            Some(Binding::Assigned(value)) if count == 0 && depth < MAX_RESOLUTION_DEPTH => {
                // `sleep = time.sleep` aliases a function.
                return match value {
                    Expr::Name(_) | Expr::Attribute(_) => self.resolve_at_depth(env, value, buf, depth + 1),
                    _ => None,
                };
            }
            Some(_) => return None,
            None if count == 0 => {
                let star_module = self.star_imports.iter().find(|module| {
                    buf.clear();
                    buf.push_str(module);
                    buf.push('.');
                    buf.push_str(name);
                    self.catalogue.calls.contains_key(buf.as_str())
                        || self.catalogue.constructors.contains_key(buf.as_str())
                });
                if star_module.is_none() {
                    buf.clear();
                    buf.push_str("builtins.");
                    buf.push_str(name);
                }
            }
            None => {
                if !self.catalogue.is_well_known_module(name) || self.is_bound_anywhere(name) {
                    return None;
                }
                buf.push_str(name);
            }
        }
        for attribute in attributes[..count].iter().rev() {
            buf.push('.');
            buf.push_str(attribute);
        }
        Some(Resolved::QualifiedName)
    }
}

/// The scopes a name is looked up in: the model's stack up to some depth (`base`), and
/// scopes built for the occasion on top of it (`extra`: a class body and one of its
/// methods, to read what the method assigns to an instance attribute).
#[derive(Clone, Copy)]
pub(super) struct Env<'s, 'a> {
    pub(super) base: &'s [Scope<'a>],
    pub(super) extra: &'s [&'s Scope<'a>],
    /// What the project knows, while the expression looked at is one of the current
    /// scope's: the project resolves names as they are seen at the current position.
    pub(super) project: Option<&'s dyn ProjectTypes<'a>>,
}

impl<'s, 'a> Env<'s, 'a> {
    /// Looks `name` up the way Python does: the innermost scope, enclosing function
    /// scopes (class scopes only when innermost), then the module. The place is the
    /// index into `base`, or `None` for a scope of `extra`.
    pub(super) fn lookup(self, name: &str) -> Option<(Option<usize>, &'s Binding<'a>)> {
        let extra = self.extra.iter().rev().map(|scope| (None, *scope));
        let base = self.base.iter().enumerate().rev().map(|(index, scope)| (Some(index), scope));
        let mut skip_to_module = false;
        for (position, (place, scope)) in extra.chain(base).enumerate() {
            let is_module = place == Some(0);
            if skip_to_module && !is_module {
                continue;
            }
            if matches!(scope.kind, ScopeKind::Class(_)) && position != 0 {
                continue;
            }
            match scope.get(name) {
                Some(Binding::Outer) => skip_to_module = true,
                Some(binding) => return Some((place, binding)),
                None => {}
            }
        }
        None
    }

    /// The scopes seen where the scope at `place` is innermost.
    pub(super) fn up_to(self, place: Option<usize>) -> Env<'s, 'a> {
        match place {
            Some(index) => Env { base: &self.base[..=index], extra: &[], project: None },
            None => self.without_project(),
        }
    }

    /// The same scopes, for an expression written elsewhere than at the current position.
    pub(super) fn without_project(self) -> Env<'s, 'a> {
        Env { project: None, ..self }
    }

    /// The function whose scope is at `place`, when the current position is in its own
    /// code (comprehensions aside, which run where they are written).
    pub(super) fn running_function(self, place: Option<usize>) -> Option<&'a ast::StmtFunctionDef> {
        let place = place.filter(|_| self.extra.is_empty())?;
        let ScopeKind::Function(function) = self.base[place].kind else { return None };
        self.base[place + 1..].iter().all(|scope| matches!(scope.kind, ScopeKind::Comprehension)).then_some(function)
    }

    /// Whether `place` is the current position's own scope.
    pub(super) fn is_current(self, place: Option<usize>) -> bool {
        self.extra.is_empty() && place.is_some_and(|place| place + 1 == self.base.len())
    }
}
