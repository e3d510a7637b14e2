//! Type tracking: the tracked type of the object an expression evaluates to, followed
//! through bindings, constructors, annotations, catalogue members and what the project
//! tells; and the values functions give the module's `global` names.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Operator, Stmt};
use ruff_python_parser::Parsed;
use ruff_text_size::Ranged;
use rustc_hash::FxHashMap as HashMap;

use super::SemanticModel;
use super::resolve::{Env, MAX_RESOLUTION_DEPTH, Resolved};
use super::scopes::{Binding, NameCollector, Scope, ScopeKind, declaration_at};

/// What only the project knows of the objects a module uses: asked about expressions of
/// the current scope whose type the module alone cannot tell.
pub trait ProjectTypes<'a> {
    /// The tracked type the project function called declares it returns (`make_client()`).
    fn returned(&self, call: &ast::ExprCall) -> Option<&'a str>;
    /// The tracked type of an object that other modules give a type: a module-level
    /// object imported from another module (`from app.db import conn`), an attribute of
    /// an instance of a class of another module or with a base class there (`repo.conn`
    /// for `repo: Repository`, `self.db` set by a base class's `__init__`).
    fn object(&self, expr: &Expr) -> Option<&'a str>;
}

/// The type of file objects.
pub const FILE_OBJECT: &str = "io.IOBase";

/// The member the catalogue lists for a slice of an object (`qs[:10]`).
const SLICE_MEMBER: &str = "__getitem__[slice]";

impl<'a> SemanticModel<'a> {
    /// The tracked type of the object an expression evaluates to (`requests.Session`
    /// for `s` after `s = requests.Session()`), if aioguard tracks it.
    pub fn type_of(&self, expr: &Expr, buf: &mut String) -> Option<&'a str> {
        self.type_at_depth(self.env(), expr, buf, 0)
    }

    /// [`type_of`](Self::type_of), asking `project` what this module cannot tell of
    /// the current scope's expressions.
    pub fn type_of_with(&self, expr: &Expr, buf: &mut String, project: &dyn ProjectTypes<'a>) -> Option<&'a str> {
        self.type_at_depth(Env { project: Some(project), ..self.env() }, expr, buf, 0)
    }

    pub(super) fn type_at_depth(&self, env: Env<'_, 'a>, expr: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        match expr {
            // A file opened in a coroutine is reported where it is opened (and the fix of a
            // `with open(...)` block moves the reading along): its object is tracked only
            // through a name bound outside coroutines (`LOG = open(...)` at module level).
            Expr::Call(call) => self
                .constructed_type(env, &call.func, buf, depth)
                .or_else(|| env.project?.returned(call))
                .filter(|ty| depth > 0 || *ty != FILE_OBJECT),
            // `await asyncio.to_thread(f, …)`, as the fixes write a call run in a thread,
            // is what `f(…)` returns: a chain fixed at its first call still has a type.
            Expr::Await(ast::ExprAwait { value, .. }) => {
                let Expr::Call(call) = &**value else { return None };
                match self.function_run_in_thread(env, call, buf) {
                    Some(function) => {
                        self.constructed_type(env, function, buf, depth).filter(|ty| depth > 0 || *ty != FILE_OBJECT)
                    }
                    // What a library's async twin gives, awaited (`await qs.aget()` is a model).
                    None => self.type_at_depth(env, value, buf, depth + 1),
                }
            }
            // `Path(p).parent` is a path again; `self.db` is what the class assigns it.
            Expr::Attribute(attribute) => self
                .attribute_type(env, attribute, buf, depth)
                .or_else(|| self.instance_attribute_type(env, attribute, buf, depth))
                .or_else(|| env.project?.object(expr))
                .or_else(|| self.catalogue_object_type(env, expr, buf)),
            // A slice may be of another type than an item (`qs[:10]` is a queryset again).
            Expr::Subscript(subscript) if subscript.slice.is_slice_expr() => self
                .member_type(env, &subscript.value, SLICE_MEMBER, buf, depth)
                .or_else(|| self.member_type(env, &subscript.value, "__getitem__", buf, depth)),
            // `client["db"]` is a database again.
            Expr::Subscript(subscript) => self.member_type(env, &subscript.value, "__getitem__", buf, depth),
            // `Path(p) / "name"` is a path again, `prompt | model` a runnable: what the
            // catalogue lists for the left operand's operator method (`__truediv__`), or
            // else for the right operand's reflected one (`__ror__`).
            Expr::BinOp(ast::ExprBinOp { left, op, right, .. }) => self
                .member_type(env, left, op.dunder(), buf, depth)
                .or_else(|| self.member_type(env, right, op.reflected_dunder(), buf, depth)),
            // `client if client else boto3.client("s3")`, `client or httpx.Client()`.
            Expr::If(ast::ExprIf { body, orelse, .. }) => {
                self.branches_type(env, [&**body, &**orelse], buf, depth).filter(|ty| depth > 0 || *ty != FILE_OBJECT)
            }
            Expr::BoolOp(ast::ExprBoolOp { op: ast::BoolOp::Or, values, .. }) => {
                self.branches_type(env, values, buf, depth).filter(|ty| depth > 0 || *ty != FILE_OBJECT)
            }
            Expr::Name(name) => {
                let (place, binding) = env.lookup(name.id.as_str())?;
                match binding {
                    Binding::Import(_) | Binding::RelativeImport { .. } => env
                        .project
                        .and_then(|project| project.object(expr))
                        .or_else(|| self.catalogue_object_type(env, expr, buf)),
                    Binding::Class(class) => self.class_object_type(env.up_to(place), class, buf, depth),
                    // Which declaration holds depends on where the use is: only the
                    // function's own code (not a nested function's) says.
                    Binding::Redeclared(declarations) => {
                        let declaration = declaration_at(env.running_function(place)?, declarations, name.start())?;
                        self.binding_type(env, place, declaration, buf, depth)
                    }
                    binding => self.binding_type(env, place, binding, buf, depth),
                }
            }
            _ => None,
        }
    }

    /// The one tracked type the branches of a conditional value give, where each other
    /// branch is `None` or a parameter of no tracked type: what a caller passes in place
    /// of the default client is taken to be such a client too. A branch of another type,
    /// or of no known type that is not a parameter, leaves the value untracked.
    fn branches_type<'e>(
        &self,
        env: Env<'_, 'a>,
        branches: impl IntoIterator<Item = &'e Expr>,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let mut agreed = None;
        for branch in branches {
            match self.type_at_depth(env, branch, buf, depth + 1) {
                Some(ty) if agreed.is_some_and(|agreed| agreed != ty) => return None,
                Some(ty) => agreed = Some(ty),
                None if is_none(branch) => {}
                None => {
                    let Expr::Name(name) = branch else { return None };
                    let (_, Binding::Parameter(_)) = env.lookup(name.id.as_str())? else { return None };
                }
            }
        }
        agreed
    }

    /// The tracked type of what a name bound so, in the scope at `place`, refers to.
    fn binding_type(
        &self,
        env: Env<'_, 'a>,
        place: Option<usize>,
        binding: &Binding<'a>,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let value_env = if env.is_current(place) { env } else { env.without_project() };
        let ty = match binding {
            Binding::Assigned(value) | Binding::WithTarget(value) => {
                self.type_at_depth(value_env, value, buf, depth + 1)?
            }
            Binding::Annotated { annotation, value } => {
                if let Some(declared) = self.annotated_type(env, annotation, buf) {
                    return Some(declared);
                }
                self.type_at_depth(value_env, value.as_ref()?, buf, depth + 1)?
            }
            Binding::Parameter(Some(annotation)) => return self.annotated_type(env, annotation, buf),
            Binding::Element(iterable) => self.element_type(value_env, iterable, buf, depth)?,
            Binding::AsyncElement(iterable) => self.element_type_of_object(value_env, iterable, buf, depth)?,
            // The one type every value but `None` gives it.
            Binding::Global(values) => {
                let module = env.up_to(Some(0));
                let mut agreed = None;
                for value in values.iter().filter(|value| !is_none(value)) {
                    let ty = self.type_at_depth(module, value, buf, depth + 1)?;
                    if agreed.is_some_and(|agreed| agreed != ty) {
                        return None;
                    }
                    agreed = Some(ty);
                }
                agreed?
            }
            _ => return None,
        };
        let opened_in_coroutine = ty == FILE_OBJECT
            && place.is_some_and(
                |place| matches!(env.base[place].kind, ScopeKind::Function(function) if function.is_async),
            );
        (!opened_in_coroutine).then_some(ty)
    }

    /// The module-level names bound to objects of a tracked type (`conn =
    /// sqlite3.connect(…)`), for the modules that import them. Read once the walk is back
    /// at module level.
    pub fn module_objects(&self) -> Vec<(&'a str, &'a str)> {
        let env = Env { base: &self.scopes[..1], extra: &[], project: None };
        let mut buf = String::new();
        self.scopes[0]
            .bindings()
            .filter_map(|(name, binding)| Some((name, self.binding_type(env, Some(0), binding, &mut buf, 0)?)))
            .collect()
    }

    /// The type of the items of a call's result the catalogue's `elements` lists
    /// (`socket.socketpair()`, `path.iterdir()`).
    fn element_type(&self, env: Env<'_, 'a>, iterable: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        let of_type = |buf: &mut String| self.element_type_of_object(env, iterable, buf, depth);
        let Expr::Call(call) = iterable else { return of_type(buf) };
        match (self.resolve_at_depth(env, &call.func, buf, 0), &*call.func) {
            (Some(Resolved::QualifiedName), _) => {}
            (None, Expr::Attribute(method)) => {
                let owner = self.type_at_depth(env, &method.value, buf, depth + 1)?;
                buf.clear();
                buf.push_str(owner);
                buf.push('.');
                buf.push_str(method.attr.as_str());
            }
            _ => return None,
        }
        self.catalogue.elements.get(buf.as_str()).map(String::as_str).or_else(|| of_type(buf))
    }

    /// The type of the items of an object whose type the catalogue's `elements` lists (a
    /// queryset's models), iterated or async-iterated.
    fn element_type_of_object(
        &self,
        env: Env<'_, 'a>,
        iterable: &Expr,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let ty = self.type_at_depth(env, iterable, buf, depth + 1)?;
        self.catalogue.elements.get(ty).map(String::as_str)
    }

    fn constructed_type(&self, env: Env<'_, 'a>, func: &Expr, buf: &mut String, depth: u8) -> Option<&'a str> {
        match (self.resolve_at_depth(env, func, buf, 0), func) {
            // A class with a catalogue type (a Django model) makes its instances.
            (Some(Resolved::QualifiedName), _) => self.tracked_type(&self.catalogue.constructors, buf).or_else(|| {
                match self.catalogue.object_type(buf) {
                    Some(class) => self.catalogue.member_type(class, "__call__"),
                    // A class of another module of the project (a model) is the project's to type.
                    None => env.project.and_then(|_| self.member_type(env, func, "__call__", buf, depth)),
                }
            }),
            (Some(Resolved::Class(_)), _) => self.member_type(env, func, "__call__", buf, depth),
            // `make_client()` where `def make_client() -> httpx.Client`.
            (Some(Resolved::Function(_)), Expr::Name(name)) => self.return_type(env, name.id.as_str(), buf, depth),
            (Some(_), _) => None,
            // `path.with_suffix(".bak")` returns a path.
            (None, Expr::Attribute(method)) => {
                self.member_type(env, &method.value, method.attr.as_str(), buf, depth).or_else(|| {
                    let Expr::Attribute(_) = func else { return None };
                    self.member_type(env, func, "__call__", buf, depth)
                })
            }
            // `Session()` where `Session = sessionmaker(engine)`.
            (None, _) => self.member_type(env, func, "__call__", buf, depth),
        }
    }

    /// The function `call` runs in a worker thread (`f` of `asyncio.to_thread(f, …)`,
    /// `trio`/`anyio.to_thread.run_sync(f, …)`, `loop.run_in_executor(None, f, …)`, also
    /// given as `functools.partial(f, …)`).
    fn function_run_in_thread<'e>(
        &self,
        env: Env<'_, 'a>,
        call: &'e ast::ExprCall,
        buf: &mut String,
    ) -> Option<&'e Expr> {
        let position = match &*call.func {
            Expr::Attribute(method) if method.attr.as_str() == "run_in_executor" => 1,
            func => {
                self.resolve_at_depth(env, func, buf, 0)?;
                match buf.as_str() {
                    "asyncio.to_thread" | "trio.to_thread.run_sync" | "anyio.to_thread.run_sync" => 0,
                    _ => return None,
                }
            }
        };
        let function = call.arguments.args.get(position)?;
        if let Expr::Call(partial) = function
            && let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, &partial.func, buf, 0)
            && buf == "functools.partial"
        {
            return partial.arguments.args.first();
        }
        Some(function)
    }

    /// The type of a tracked object's method result or property (`pathlib.Path.parent`,
    /// an SDK client's `with_options()`).
    fn member_type(
        &self,
        env: Env<'_, 'a>,
        owner: &Expr,
        member: &str,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let owner = self.type_at_depth(env, owner, buf, depth + 1)?;
        self.listed_member_type(owner, member, buf).or_else(|| self.catalogue.returned_client(owner, member))
    }

    /// The type the catalogue (or its supertype's entry) lists for `owner.member`.
    fn listed_member_type(&self, owner: &str, member: &str, buf: &mut String) -> Option<&'a str> {
        buf.clear();
        buf.push_str(owner);
        buf.push('.');
        buf.push_str(member);
        self.tracked_type(&self.catalogue.constructors, buf).or_else(|| self.catalogue.member_type(owner, member))
    }

    /// The type of a module-level object or class the catalogue lists, or of an
    /// attribute path from one (`User.objects` for `django.contrib.auth.models.User`).
    fn catalogue_object_type(&self, env: Env<'_, 'a>, expr: &Expr, buf: &mut String) -> Option<&'a str> {
        let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, expr, buf, 0) else { return None };
        self.catalogue.object_type(buf)
    }

    /// [`class_object_type`](Self::class_object_type) of a class defined at the current
    /// position, as far as this module tells.
    pub fn defined_class_type(&self, class: &ast::StmtClassDef) -> Option<&'a str> {
        self.class_object_type(self.env(), class, &mut String::new(), 0)
    }

    /// The type of a class of this module as an object: the class type of its first base
    /// that has one (`class Article(models.Model)` is a `ModelBase`), through bases of
    /// this module, the catalogue's classes and, asked of the project, those of other
    /// modules. `env`: the scopes around the class's definition.
    pub(super) fn class_object_type(
        &self,
        env: Env<'_, 'a>,
        class: &ast::StmtClassDef,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        class.bases().iter().find_map(|base| {
            self.type_at_depth(env, base, buf, depth + 1).filter(|ty| self.catalogue.is_class_type(ty))
        })
    }

    /// The type of a tracked object's attribute: a property the catalogue lists
    /// (`pathlib.Path.parent`), any public attribute of a type it lists with `.*`, or an
    /// attribute that leads through an SDK client (`client.chat.completions`).
    fn attribute_type(
        &self,
        env: Env<'_, 'a>,
        attribute: &ast::ExprAttribute,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        let owner = self.type_at_depth(env, &attribute.value, buf, depth + 1)?;
        let member = attribute.attr.as_str();
        self.listed_member_type(owner, member, buf)
            .or_else(|| self.catalogue.attribute_type(owner, member))
            // A learnt client's public attributes lead to its methods too.
            .or_else(|| self.clients.class(owner).filter(|_| !member.starts_with('_')))
    }

    /// The tracked type a sync function returns (see
    /// [`function_return_type`](Self::function_return_type)), read in the first
    /// `scopes_around` scopes of the model (those around the `def`).
    pub fn declared_return_type(&self, function: &'a ast::StmtFunctionDef, scopes_around: usize) -> Option<&'a str> {
        let env = Env { base: self.scopes.get(..scopes_around)?, extra: &[], project: None };
        self.function_return_type(env, function, &mut String::new(), 0)
    }

    /// The tracked type a plain function of this module returns.
    fn return_type(&self, env: Env<'_, 'a>, name: &str, buf: &mut String, depth: u8) -> Option<&'a str> {
        let (place, Binding::Function(function)) = env.lookup(name)? else { return None };
        self.function_return_type(env.up_to(place), function, buf, depth)
    }

    /// The tracked type calling a sync function gives, read in `around`, the scopes
    /// around its `def`: what its return annotation declares, or without one, the one
    /// type all its `return` statements give (`def get_client(): return httpx.Client()`).
    fn function_return_type(
        &self,
        around: Env<'_, 'a>,
        function: &'a ast::StmtFunctionDef,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        if !self.returns_as_declared(around, function, buf) {
            return None;
        }
        self.annotated_or_returned_type(around, function, buf, depth)
    }

    /// What a function's return annotation declares, read in `around`, or without one,
    /// the one type its `return` statements give.
    pub(super) fn annotated_or_returned_type(
        &self,
        around: Env<'_, 'a>,
        function: &'a ast::StmtFunctionDef,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        match function.returns.as_deref() {
            Some(annotation) => self.annotated_type(around, annotation, buf),
            None => self.returned_values_type(around, function, buf, depth),
        }
    }

    /// The one tracked type the values of an unannotated function's `return` statements
    /// give, read in its own scope; `return None` and a bare `return` do not count (a
    /// method called on `None` never runs). Not for a generator, nor for a file object
    /// (the helper that opens it is reported where it is called).
    fn returned_values_type(
        &self,
        around: Env<'_, 'a>,
        function: &'a ast::StmtFunctionDef,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let mut returns = ReturnValues::default();
        returns.visit_body(&function.body);
        let values: Vec<&Expr> = returns.values.into_iter().filter(|value| !is_none(value)).collect();
        if returns.yields || values.is_empty() {
            return None;
        }
        let mut scope = Scope::new(ScopeKind::Function(function));
        scope.bind_parameters(&function.parameters);
        scope.bind_body(&function.body, &mut Vec::new());
        let extra = [&scope];
        let env = Env { base: around.base, extra: &extra, project: None };
        let mut agreed = None;
        for value in values {
            let ty = self.type_at_depth(env, value, buf, depth + 1)?;
            if ty == FILE_OBJECT || agreed.is_some_and(|agreed| agreed != ty) {
                return None;
            }
            agreed = Some(ty);
        }
        agreed
    }

    /// Whether calling `function` gives what its return annotation (or its `return`
    /// statements) say: a sync function (a coroutine function returns a coroutine) with
    /// no decorator but the catalogue's `caching-decorators`, bare or called
    /// (`@functools.cache`, `@lru_cache(maxsize=None)`); any other decorator may return
    /// anything. The decorators are resolved in `env`, the scopes around the `def`.
    fn returns_as_declared(&self, env: Env<'_, 'a>, function: &ast::StmtFunctionDef, buf: &mut String) -> bool {
        !function.is_async
            && function.decorator_list.iter().all(|decorator| {
                let decorator = match &decorator.expression {
                    Expr::Call(call) => &*call.func,
                    other => other,
                };
                matches!(self.resolve_at_depth(env, decorator, buf, 0), Some(Resolved::QualifiedName))
                    && self.catalogue.caching_decorators.iter().any(|name| name == buf)
            })
    }

    /// The type a constructor or annotation name declares, in the catalogue's `table`,
    /// among the configured classes or among the clients learnt from the environment.
    fn tracked_type(&self, table: &'static HashMap<String, String>, name: &str) -> Option<&'a str> {
        let listed = table.get(name).or_else(|| self.configured_types.get(name)).map(String::as_str);
        listed.or_else(|| self.clients.class(name))
    }

    /// The tracked type an annotation declares, looking inside `Optional[T]`,
    /// `Union[T, None]`, `T | None` and `Annotated[T, …]`, and through a type alias of
    /// the module (`SessionDep = Annotated[Session, Depends(get_db)]`).
    pub(super) fn annotated_type(&self, env: Env<'_, 'a>, annotation: &Expr, buf: &mut String) -> Option<&'a str> {
        self.annotation_type_at_depth(env, annotation, buf, 0)
    }

    fn annotation_type_at_depth(
        &self,
        env: Env<'_, 'a>,
        annotation: &Expr,
        buf: &mut String,
        depth: u8,
    ) -> Option<&'a str> {
        if depth > MAX_RESOLUTION_DEPTH {
            return None;
        }
        let inner =
            |annotation: &Expr, buf: &mut String| self.annotation_type_at_depth(env, annotation, buf, depth + 1);
        match annotation {
            Expr::Name(name) => match self.resolve_at_depth(env, annotation, buf, 0) {
                Some(Resolved::QualifiedName) => self.tracked_type(&self.catalogue.annotations, buf),
                Some(_) => None,
                None => {
                    let (place, alias) = self.annotated_alias(env, name.id.as_str(), buf)?;
                    self.annotation_type_at_depth(env.up_to(place), alias, buf, depth + 1)
                }
            },
            Expr::Attribute(_) => match self.resolve_at_depth(env, annotation, buf, 0)? {
                Resolved::QualifiedName => self.tracked_type(&self.catalogue.annotations, buf),
                _ => None,
            },
            Expr::BinOp(ast::ExprBinOp { left, op: Operator::BitOr, right, .. }) => {
                inner(left, buf).or_else(|| inner(right, buf))
            }
            Expr::StringLiteral(string) => inner(parse_string_annotation(string)?.expr(), buf),
            Expr::Subscript(subscript) => {
                let Some(Resolved::QualifiedName) = self.resolve_at_depth(env, &subscript.value, buf, 0) else {
                    return None;
                };
                if let Some(subject) = annotated_subject(buf, &subscript.slice) {
                    return inner(subject, buf);
                }
                match buf.as_str() {
                    "typing.Optional" | "typing.Union" => match &*subscript.slice {
                        Expr::Tuple(tuple) => tuple.elts.iter().find_map(|elt| inner(elt, buf)),
                        single => inner(single, buf),
                    },
                    // `IO[str]` is still a file object.
                    name => self.tracked_type(&self.catalogue.annotations, name),
                }
            }
            _ => None,
        }
    }

    /// The `Annotated[T, …]` a name is a type alias of, with the place of the scope that
    /// binds it: `Alias = Annotated[…]` or `Alias: TypeAlias = Annotated[…]`.
    fn annotated_alias(&self, env: Env<'_, 'a>, name: &str, buf: &mut String) -> Option<(Option<usize>, &'a Expr)> {
        let (place, binding) = env.lookup(name)?;
        let around = env.up_to(place);
        let alias = match binding {
            Binding::Assigned(value) => *value,
            Binding::Annotated { annotation, value: Some(value) } => {
                let Some(Resolved::QualifiedName) = self.resolve_at_depth(around, annotation, buf, 0) else {
                    return None;
                };
                if !matches!(buf.as_str(), "typing.TypeAlias" | "typing_extensions.TypeAlias") {
                    return None;
                }
                *value
            }
            _ => return None,
        };
        let Expr::Subscript(subscript) = alias else { return None };
        let Some(Resolved::QualifiedName) = self.resolve_at_depth(around, &subscript.value, buf, 0) else {
            return None;
        };
        annotated_subject(buf, &subscript.slice).is_some().then_some((place, alias))
    }

    /// What an annotation declares under any `Annotated[T, …]` around it: `T`, as an
    /// annotation of the current position.
    pub fn annotation_subject<'e>(&self, annotation: &'e Expr) -> &'e Expr {
        let mut buf = String::new();
        let mut annotation = annotation;
        while let Expr::Subscript(subscript) = annotation
            && let Some(Resolved::QualifiedName) = self.resolve(&subscript.value, &mut buf)
            && let Some(subject) = annotated_subject(&buf, &subscript.slice)
        {
            annotation = subject;
        }
        annotation
    }
}

/// `T` of `Annotated[T, …]` (`typing`'s or `typing_extensions`'), given the qualified
/// name of the subscripted value and its slice: the other arguments are metadata
/// (FastAPI's `Depends(get_db)`) that leave the type what `T` declares.
pub fn annotated_subject<'e>(qualified: &str, slice: &'e Expr) -> Option<&'e Expr> {
    if !matches!(qualified, "typing.Annotated" | "typing_extensions.Annotated") {
        return None;
    }
    match slice {
        Expr::Tuple(tuple) if tuple.elts.len() >= 2 => tuple.elts.first(),
        _ => None,
    }
}

/// The expression a string annotation holds (`"httpx.Client"`), if it parses.
pub(super) fn parse_string_annotation(string: &ast::ExprStringLiteral) -> Option<Parsed<ast::ModExpression>> {
    ruff_python_parser::parse_expression(string.value.to_str()).ok()
}

pub(super) fn is_name(expr: &Expr, name: &str) -> bool {
    matches!(expr, Expr::Name(named) if named.id.as_str() == name)
}

pub(super) fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::NoneLiteral(_))
}

/// The values `function` assigns to `name`, a name it declares `global`, with plain
/// `name = value` statements; `None` when it binds the name any other way, or a value's
/// type would depend on one of the function's own names.
pub(super) fn global_stores<'a>(function: &'a ast::StmtFunctionDef, name: &'a str) -> Option<Vec<&'a Expr>> {
    let mut stores = GlobalStores { name, values: Vec::new(), other: false };
    stores.visit_body(&function.body);
    if stores.other {
        return None;
    }
    let mut own = Scope::new(ScopeKind::Function(function));
    own.bind_parameters(&function.parameters);
    own.bind_body(&function.body, &mut Vec::new());
    let resolves_as_at_module = |value: &&Expr| type_roots(value).iter().all(|root| own.get(root).is_none());
    stores.values.iter().all(resolves_as_at_module).then_some(stores.values)
}

/// The names the type of an expression is worked out from (`httpx` of
/// `httpx.Client(timeout=t)`; `prompt` and `model` of `prompt | model`).
pub(super) fn type_roots(expr: &Expr) -> Vec<&str> {
    match expr {
        Expr::Name(name) => vec![name.id.as_str()],
        Expr::Attribute(ast::ExprAttribute { value, .. })
        | Expr::Call(ast::ExprCall { func: value, .. })
        | Expr::Subscript(ast::ExprSubscript { value, .. }) => type_roots(value),
        Expr::BinOp(ast::ExprBinOp { left, right, .. }) => {
            let mut roots = type_roots(left);
            roots.extend(type_roots(right));
            roots
        }
        _ => Vec::new(),
    }
}

/// Collects the plain assignments to one name in a function's own body, and whether
/// anything else binds it there (an import, a loop target, `del`, a nested `def` of
/// the name, a walrus, …).
struct GlobalStores<'a> {
    name: &'a str,
    values: Vec<&'a Expr>,
    other: bool,
}

impl<'a> Visitor<'a> for GlobalStores<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(ast::StmtFunctionDef { name, .. }) | Stmt::ClassDef(ast::StmtClassDef { name, .. }) => {
                self.other |= name.as_str() == self.name;
            }
            Stmt::Assign(assign) => {
                for target in &assign.targets {
                    if is_name(target, self.name) {
                        self.values.push(&assign.value);
                    } else {
                        self.visit_expr(target);
                    }
                }
                self.visit_expr(&assign.value);
            }
            Stmt::Import(ast::StmtImport { names, .. }) | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                self.other |= names.iter().any(|alias| {
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    bound.split('.').next() == Some(self.name)
                });
            }
            Stmt::Delete(delete) => self.other |= delete.targets.iter().any(|target| is_name(target, self.name)),
            Stmt::Try(try_stmt) => {
                self.other |= try_stmt.handlers.iter().any(|ast::ExceptHandler::ExceptHandler(handler)| {
                    handler.name.as_ref().is_some_and(|bound| bound.as_str() == self.name)
                });
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Match(match_stmt) => {
                for case in &match_stmt.cases {
                    NameCollector::bound_by_pattern(&case.pattern, |bound| self.other |= bound == self.name);
                }
                visitor::walk_stmt(self, stmt);
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(name) if name.ctx.is_store() && name.id.as_str() == self.name => self.other = true,
            Expr::Lambda(_) => {}
            _ => visitor::walk_expr(self, expr),
        }
    }
}

/// The values of a function's own `return` statements (not those of nested functions,
/// classes or lambdas), and whether it yields (and so returns a generator).
#[derive(Default)]
struct ReturnValues<'a> {
    values: Vec<&'a Expr>,
    yields: bool,
    /// How deep the walk is in expressions; past the limit, the function is taken to yield.
    depth: u32,
}

impl<'a> Visitor<'a> for ReturnValues<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {}
            Stmt::Return(ast::StmtReturn { value, .. }) => {
                if let Some(value) = value {
                    self.values.push(value);
                    self.visit_expr(value);
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth >= crate::analysis::context::MAX_EXPRESSION_DEPTH {
            self.yields = true;
            return;
        }
        match expr {
            Expr::Lambda(_) => {}
            Expr::Yield(_) | Expr::YieldFrom(_) => self.yields = true,
            _ => {
                self.depth += 1;
                visitor::walk_expr(self, expr);
                self.depth -= 1;
            }
        }
    }
}
