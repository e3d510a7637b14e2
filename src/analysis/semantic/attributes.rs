//! Instance attributes: the tracked type a class of the module gives `self.db`-like
//! attributes, worked out from its body and methods (and its base classes), and what
//! other modules see of them.

use std::cell::OnceCell;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt};
use ruff_text_size::Ranged;
use rustc_hash::FxHashSet as HashSet;

use super::SemanticModel;
use super::resolve::{Env, Resolved};
use super::scopes::{Binding, Scope, ScopeKind};
use super::types::{FILE_OBJECT, annotated_subject, is_name, is_none, parse_string_annotation, type_roots};

/// Types not tracked on instance attributes: a file object kept on an object is as
/// often an in-memory buffer or a spooled file read while it is in memory
/// (`UploadFile.file`), which the class checks before using it.
const NOT_TRACKED_ON_INSTANCES: &[&str] = &[FILE_OBJECT];

impl<'a> SemanticModel<'a> {
    /// The type of `instance.attribute` where the instance is of a class of this module
    /// that gives the attribute one tracked type (see [`ClassAttributes`]).
    pub(super) fn instance_attribute_type(
        &self,
        env: Env<'_, 'a>,
        attribute: &ast::ExprAttribute,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let (class, defined_in) = self.class_of_instance(env, &attribute.value, buf)?;
        self.class_attribute(class, defined_in, attribute.attr.as_str(), buf, depth)
    }

    /// The class of this module an expression is an instance of, with the scopes its
    /// definition sees: `self` (or `cls`) in a method, a variable annotated with the
    /// class or assigned from its constructor.
    fn class_of_instance<'s>(
        &'s self,
        env: Env<'s, 'a>,
        expr: &Expr,
        buf: &mut String,
    ) -> Option<(&'a ast::StmtClassDef, &'s [Scope<'a>])> {
        let Expr::Name(name) = expr else { return None };
        let (place, binding) = env.lookup(name.id.as_str())?;
        // Only the model's own scopes: not while a class's attributes are worked out.
        let place = place.filter(|_| env.extra.is_empty())?;
        match binding {
            Binding::Parameter(annotation) => {
                if let Some(annotation) = annotation {
                    return self.class_named(env.up_to(Some(place)), annotation, buf);
                }
                let ScopeKind::Function(method) = env.base[place].kind else { return None };
                let ScopeKind::Class(class) = env.base[place.checked_sub(1)?].kind else { return None };
                let receiver = method.parameters.posonlyargs.first().or(method.parameters.args.first())?;
                let is_static = method.decorator_list.iter().any(
                    |decorator| matches!(&decorator.expression, Expr::Name(name) if name.id.as_str() == "staticmethod"),
                );
                (receiver.parameter.name.as_str() == name.id.as_str() && !is_static)
                    .then_some((class, &env.base[..place - 1]))
            }
            Binding::Annotated { annotation, .. } => self.class_named(env.up_to(Some(place)), annotation, buf),
            Binding::Assigned(Expr::Call(call)) | Binding::WithTarget(Expr::Call(call)) => {
                self.class_named(env.up_to(Some(place)), &call.func, buf)
            }
            _ => None,
        }
    }

    /// The class of this module a name (or `Name | None`, `Optional[Name]`,
    /// `Annotated[Name, …]`) refers to.
    fn class_named<'s>(
        &'s self,
        env: Env<'s, 'a>,
        expr: &Expr,
        buf: &mut String,
    ) -> Option<(&'a ast::StmtClassDef, &'s [Scope<'a>])> {
        match expr {
            Expr::Name(name) => match env.lookup(name.id.as_str())? {
                (Some(place), Binding::Class(class)) => Some((class, &env.base[..=place])),
                _ => None,
            },
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) if is_none(right) => {
                self.class_named(env, left, buf)
            }
            Expr::StringLiteral(string) => self.class_named(env, parse_string_annotation(string)?.expr(), buf),
            Expr::Subscript(subscript) => {
                let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, &subscript.value, buf, 0) else {
                    return None;
                };
                let subject = match annotated_subject(buf, &subscript.slice) {
                    Some(subject) => subject,
                    None if buf == "typing.Optional" => &subscript.slice,
                    None => return None,
                };
                self.class_named(env, subject, buf)
            }
            _ => None,
        }
    }

    /// The tracked type a class of this module (or a base class of the module) gives
    /// `attribute`, computed once per class and attribute.
    fn class_attribute(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        attribute: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let key = (class.start(), attribute.to_owned());
        if let Some(known) = self.class_attributes.borrow().get(&key) {
            return *known;
        }
        // Unknown while it is worked out: a class whose attributes refer to themselves.
        self.class_attributes.borrow_mut().insert(key.clone(), None);
        let ty = self
            .work_out_class_attribute(class, defined_in, attribute, buf, depth)
            .filter(|ty| !NOT_TRACKED_ON_INSTANCES.contains(ty));
        self.class_attributes.borrow_mut().insert(key, ty);
        ty
    }

    fn work_out_class_attribute(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        attribute: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let facts = self.class_attribute_facts(class, defined_in, Some(attribute), buf, depth);
        if let Some((_, attributes)) = facts.first() {
            return attributes.tracked_type();
        }
        // Inherited from a base class of this module, if any gives it a type.
        let bases = class.arguments.as_deref().map(|arguments| &arguments.args[..]).unwrap_or_default();
        bases.iter().find_map(|base| {
            let env = Env { base: defined_in, extra: &[], project: None };
            let (base, base_defined_in) = self.class_named(env, base, buf)?;
            self.class_attribute(base, base_defined_in, attribute, buf, depth + 1)
        })
    }

    /// The instance attributes a class itself declares or assigns (not those it only
    /// inherits), each with what it gives it: what other modules' code sees of the
    /// class's instances and subclasses. Methods are left out unless they are
    /// properties of a tracked type. `scopes_around`: the first scopes of the model,
    /// those around the `class` statement.
    pub fn own_instance_attributes(
        &self,
        class: &'a ast::StmtClassDef,
        scopes_around: usize,
    ) -> Vec<(&'a str, OwnAttribute<'a>)> {
        let Some(defined_in) = self.scopes.get(..scopes_around) else { return Vec::new() };
        let methods: HashSet<&str> = class
            .body
            .iter()
            .filter_map(|stmt| match stmt {
                Stmt::FunctionDef(method) => Some(method.name.as_str()),
                _ => None,
            })
            .collect();
        let is_method = |name: &str| methods.contains(name);
        self.class_attribute_facts(class, defined_in, None, &mut String::new(), 0)
            .into_iter()
            .map(|(name, attributes)| {
                let tracked = attributes.tracked_type().filter(|ty| !NOT_TRACKED_ON_INSTANCES.contains(ty));
                let own = match (tracked, attributes.only_call()) {
                    (Some(ty), _) => OwnAttribute::Tracked(ty),
                    (None, Some(call)) => OwnAttribute::Returned(call),
                    (None, None) => OwnAttribute::Untracked,
                };
                (name, own)
            })
            .filter(|(name, own)| !matches!(own, OwnAttribute::Untracked) || !is_method(name))
            .collect()
    }

    /// What the class's body and methods make of its instance attributes: of `only`, or
    /// of every one they touch, in the order first met.
    fn class_attribute_facts(
        &self,
        class: &'a ast::StmtClassDef,
        defined_in: &[Scope<'a>],
        only: Option<&str>,
        buf: &mut String,
        depth: u8,
    ) -> Vec<(&'a str, ClassAttributes<'a>)> {
        let wanted = |name: &str| only.is_none_or(|only| only == name);
        // The stores, with the method (an index into `methods`) that makes each.
        let mut stores: Vec<(&'a str, AttributeStore<'a>, Option<usize>)> = Vec::new();
        let mut methods: Vec<&'a ast::StmtFunctionDef> = Vec::new();
        for stmt in &class.body {
            match stmt {
                Stmt::AnnAssign(assign) => {
                    if let Expr::Name(name) = &*assign.target
                        && wanted(name.id.as_str())
                    {
                        stores.push((name.id.as_str(), AttributeStore::Annotated(&assign.annotation), None));
                    }
                }
                Stmt::Assign(assign) => {
                    for target in &assign.targets {
                        if let Expr::Name(name) = target
                            && wanted(name.id.as_str())
                        {
                            stores.push((name.id.as_str(), AttributeStore::Assigned(&assign.value), None));
                        }
                    }
                }
                Stmt::FunctionDef(method) => {
                    if wanted(method.name.as_str()) {
                        stores.push((method.name.as_str(), AttributeStore::Property(method), None));
                    }
                    let Some(receiver) = method.parameters.posonlyargs.first().or(method.parameters.args.first())
                    else {
                        continue;
                    };
                    let mut found = AttributeStores {
                        receiver: receiver.parameter.name.as_str(),
                        only,
                        nested: 0,
                        found: Vec::new(),
                    };
                    found.visit_body(&method.body);
                    if !found.found.is_empty() {
                        methods.push(method);
                        let index = methods.len() - 1;
                        stores.extend(found.found.into_iter().map(|(name, store)| (name, store, Some(index))));
                    }
                }
                _ => {}
            }
        }
        // Scopes are built only for the values and annotations that name something.
        let class_scope = OnceCell::new();
        let class_scope = || {
            class_scope.get_or_init(|| {
                let mut scope = Scope::new(ScopeKind::Class(class));
                scope.bind_body(&class.body, &mut Vec::new());
                scope
            })
        };
        let method_scopes: Vec<OnceCell<Scope<'a>>> = methods.iter().map(|_| OnceCell::new()).collect();
        let method_scope = |index: usize| {
            method_scopes[index].get_or_init(|| {
                let method = methods[index];
                let mut scope = Scope::new(ScopeKind::Function(method));
                scope.bind_parameters(&method.parameters);
                scope.bind_body(&method.body, &mut Vec::new());
                scope
            })
        };
        let mut facts: Vec<(&'a str, ClassAttributes<'a>)> = Vec::new();
        for (name, store, method) in stores {
            let found = match facts.iter().position(|(known, _)| *known == name) {
                Some(found) => found,
                None => {
                    facts.push((name, ClassAttributes::default()));
                    facts.len() - 1
                }
            };
            let attributes = &mut facts[found].1;
            let names_something = match &store {
                AttributeStore::Assigned(value) => may_have_tracked_type(value),
                AttributeStore::Annotated(_) | AttributeStore::Property(_) => true,
                AttributeStore::Other => false,
            };
            let extra: Vec<&Scope<'a>> = match method {
                _ if !names_something => Vec::new(),
                Some(index) => vec![class_scope(), method_scope(index)],
                None => vec![class_scope()],
            };
            let env = Env { base: defined_in, extra: &extra, project: None };
            match store {
                AttributeStore::Assigned(value) if !names_something => attributes.assign(value, |_| None),
                AttributeStore::Assigned(value) => {
                    attributes.assign(value, |value| self.type_at_depth(env, value, buf, depth + 1));
                    // A call the model cannot type, whose callee is named as around the
                    // class (not by the method's or the class body's own names).
                    if let Expr::Call(call) = value
                        && named_around_the_class(&type_roots(&call.func), &extra)
                    {
                        attributes.call = Some(call);
                    }
                }
                AttributeStore::Annotated(annotation) => attributes.declare(self.annotated_type(env, annotation, buf)),
                AttributeStore::Property(method) => attributes.declare(self.property_type(env, method, buf, depth)),
                AttributeStore::Other => attributes.assign_unknown(),
            }
        }
        facts
    }

    /// The tracked type a `@property` or `@functools.cached_property` method gives: what
    /// its return annotation declares, or without one, what its `return` statements give.
    fn property_type(
        &self,
        env: Env<'_, 'a>,
        method: &'a ast::StmtFunctionDef,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let is_property = method.decorator_list.iter().any(|decorator| {
            matches!(self.resolve_at_depth(env, &decorator.expression, buf, 0), Some(Resolved::QualifiedName))
                && matches!(buf.as_str(), "builtins.property" | "functools.cached_property")
        });
        if !is_property || method.is_async {
            return None;
        }
        self.annotated_or_returned_type(env, method, buf, depth)
    }
}

/// Whether the names a callee is worked out from are all bound around the class, not
/// by the `extra` scopes (the method's or the class body's own names).
fn named_around_the_class(roots: &[&str], extra: &[&Scope<'_>]) -> bool {
    !roots.is_empty() && roots.iter().all(|root| extra.iter().all(|scope| scope.get(root).is_none()))
}

/// Whether [`SemanticModel::type_of`] may find a type for the expression: not for a
/// literal, a display, a comparison, …
fn may_have_tracked_type(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Name(_)
            | Expr::Attribute(_)
            | Expr::Call(_)
            | Expr::Subscript(_)
            | Expr::BinOp(_)
            | Expr::If(_)
            | Expr::BoolOp(_)
    )
}

/// What a class's body and methods make of one instance attribute. It has a tracked
/// type when an annotation declares it (`db: sqlite3.Connection` in the class body, a
/// dataclass field, `self.db: T = …`, a property annotated so) or every assignment
/// gives it that type, and no assignment gives it another. `None` does not count: a
/// method called on the attribute never runs on it.
#[derive(Default)]
struct ClassAttributes<'a> {
    declared: Option<&'a str>,
    assigned: Option<&'a str>,
    /// Declared or assigned two different types, or assigned something unknown.
    conflicting: bool,
    unknown_assignment: bool,
    /// How many declarations and stores (`None` aside) there are.
    stores: u32,
    /// A call assigned, whose type the module does not know.
    call: Option<&'a ast::ExprCall>,
}

/// What a class gives one of its instance attributes, as other modules see it.
pub enum OwnAttribute<'a> {
    Tracked(&'a str),
    /// Only the result of this call, whose callee another module may declare the type
    /// of (`self.http = make_client()` with `make_client` imported): its callee is named
    /// as around the class.
    Returned(&'a ast::ExprCall),
    Untracked,
}

impl<'a> ClassAttributes<'a> {
    fn declare(&mut self, ty: Option<&'a str>) {
        self.stores += 1;
        match (ty, self.declared) {
            (None, _) => self.conflicting = true,
            (Some(ty), Some(declared)) if ty != declared => self.conflicting = true,
            (Some(ty), _) => self.declared = Some(ty),
        }
    }

    fn assign<'e>(&mut self, value: &'e Expr, type_of: impl FnOnce(&'e Expr) -> Option<&'a str>) {
        if is_none(value) {
            return;
        }
        self.stores += 1;
        match (type_of(value), self.assigned) {
            (None, _) => self.unknown_assignment = true,
            (Some(ty), Some(assigned)) if ty != assigned => self.conflicting = true,
            (Some(ty), _) => self.assigned = Some(ty),
        }
    }

    fn assign_unknown(&mut self) {
        self.stores += 1;
        self.unknown_assignment = true;
    }

    /// The call that is the attribute's one value, when the module knows no type of it.
    fn only_call(&self) -> Option<&'a ast::ExprCall> {
        (self.stores == 1 && self.declared.is_none() && self.assigned.is_none()).then_some(self.call?)
    }

    fn tracked_type(&self) -> Option<&'a str> {
        if self.conflicting {
            return None;
        }
        match (self.declared, self.assigned) {
            (Some(declared), Some(assigned)) if declared != assigned => None,
            // A declaration holds over assignments of values aioguard does not know.
            (Some(declared), _) => Some(declared),
            (None, assigned) if !self.unknown_assignment => assigned,
            (None, _) => None,
        }
    }
}

/// How a class body or a method stores an instance attribute (`db: T`, `self.db = …`).
enum AttributeStore<'a> {
    Assigned(&'a Expr),
    Annotated(&'a Expr),
    /// A method of the name: a property declares its type, another method none.
    Property(&'a ast::StmtFunctionDef),
    /// Any other store (augmented, unpacked, in a nested function, a `for` target, …).
    Other,
}

/// Collects a method's stores to attributes of its receiver (to `only`, if given).
struct AttributeStores<'n, 'a> {
    receiver: &'n str,
    only: Option<&'n str>,
    /// How many nested functions or classes enclose the position.
    nested: u32,
    found: Vec<(&'a str, AttributeStore<'a>)>,
}

impl<'a> AttributeStores<'_, 'a> {
    /// The attribute `expr` stores, when it is one of those collected.
    fn target(&self, expr: &'a Expr) -> Option<&'a str> {
        let Expr::Attribute(attribute) = expr else { return None };
        let name = attribute.attr.as_str();
        (is_name(&attribute.value, self.receiver) && self.only.is_none_or(|only| only == name)).then_some(name)
    }
}

impl<'a> Visitor<'a> for AttributeStores<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Assign(assign)
                if self.nested == 0 && assign.targets.iter().any(|target| self.target(target).is_some()) =>
            {
                for target in &assign.targets {
                    match self.target(target) {
                        Some(name) => self.found.push((name, AttributeStore::Assigned(&assign.value))),
                        None => self.visit_expr(target),
                    }
                }
                self.visit_expr(&assign.value);
            }
            Stmt::AnnAssign(assign) if self.nested == 0 && self.target(&assign.target).is_some() => {
                let name = self.target(&assign.target).expect("matched");
                self.found.push((name, AttributeStore::Annotated(&assign.annotation)));
                if let Some(value) = &assign.value {
                    self.visit_expr(value);
                }
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.nested += 1;
                visitor::walk_stmt(self, stmt);
                self.nested -= 1;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(attribute) if attribute.ctx.is_store() && self.target(expr).is_some() => {
                self.found.push((attribute.attr.as_str(), AttributeStore::Other));
            }
            // An attribute is stored by a statement's target, unpacked or not; no other
            // expression stores one (but a comprehension's `for self.x in …`, which real
            // code does not write), so the rest of an expression is not walked.
            Expr::Tuple(_) | Expr::List(_) | Expr::Starred(_) => visitor::walk_expr(self, expr),
            _ => {}
        }
    }
}
