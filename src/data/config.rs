//! Configuration: `aioguard.yaml` / `.aioguard.yaml`, or `[tool.aioguard]` in
//! `pyproject.toml`, found in the checked directory or its ancestors (nearest wins),
//! merged with the command line into the [`Settings`] a run uses.
//!
//! Every key is checked: an unknown key, a bad value or malformed YAML/TOML is an error
//! that names the file, the line and the key.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ruff_python_ast::Stmt;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Deserialize;

use crate::data::catalogue::{self, Catalogue, ClientSource, Cost, Entry, EntrySpec, LearnedClients};
use crate::data::environment::Environment;
use crate::data::registry::{self, RuleInfo};
use crate::data::versions::{self, LibraryVersions};

pub const CONFIG_FILE_NAMES: &[&str] = &["aioguard.yaml", ".aioguard.yaml"];

/// The keys of a configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    pub extend_blocking_calls: Option<BTreeMap<String, EntrySpec>>,
    pub allowed_calls: Option<Vec<String>>,
    /// Sync functions the framework runs on the event loop, by patterns of their names
    /// or their decorators' qualified names: their bodies are checked as coroutines are.
    pub loop_entry_points: Option<Vec<String>>,
    pub target_version: Option<TargetVersion>,
    pub async_library: Option<AsyncLibraryOption>,
    /// How loudly CI surfaces report a rule, by selector: `{AG2: warning}`.
    pub severity: Option<BTreeMap<String, Severity>>,
    /// The cheapest cost class of blocking call reported: `data`, or by selector.
    pub min_cost: Option<MinCostOption>,
    /// How blocking calls in start-up and shutdown code are reported.
    pub startup_findings: Option<StartupFindings>,
    /// The 1-based line each top-level key is on, for error messages.
    #[serde(skip)]
    pub key_lines: HashMap<String, usize>,
    pub known_first_party: Option<Vec<String>>,
    /// The project's Python environment: an interpreter of it, or its directory.
    pub python: Option<PathBuf>,
    /// Whether to learn sync clients with an async twin from the environment's packages.
    pub learn_from_environment: Option<bool>,
    /// The releases of libraries the project uses (`{django = "5.2"}`), where the
    /// environment and the declared dependencies do not tell.
    pub library_versions: Option<BTreeMap<String, String>>,
}

/// The level at which CI surfaces (annotations, SARIF, Code Quality) report a finding.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Warning,
    Note,
}

impl Severity {
    /// The name configuration uses for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A table of values by rule selector, as `severity` and `min-cost` give: the most
/// specific selector that takes a rule decides its value (a code or name over a prefix, a
/// longer prefix over a shorter one, anything over `ALL`).
#[derive(Debug)]
pub struct BySelector<T> {
    by_selector: Vec<(String, T)>,
}

impl<T> Default for BySelector<T> {
    fn default() -> Self {
        BySelector { by_selector: Vec::new() }
    }
}

impl<T: Copy> BySelector<T> {
    /// The values of a table: selector -> value.
    pub fn from_table(table: impl IntoIterator<Item = (String, T)>) -> Self {
        BySelector { by_selector: table.into_iter().collect() }
    }

    /// The value the most specific selector that takes `rule` gives, if any does.
    pub fn lookup(&self, rule: &RuleInfo) -> Option<T> {
        let specificity = |selector: &str| {
            if selector.eq_ignore_ascii_case("ALL") {
                0
            } else if rule.is_named_by(selector) {
                usize::MAX
            } else {
                selector.len()
            }
        };
        self.by_selector
            .iter()
            .filter(|(selector, _)| rule.is_selected_by(selector))
            .max_by_key(|(selector, _)| specificity(selector))
            .map(|(_, value)| *value)
    }

    /// Checks that every selector of the table names rules.
    fn validate(self, key: &str) -> Result<Self, String> {
        match self.by_selector.iter().find(|(selector, _)| !registry::is_valid_selector(selector)) {
            Some((bad, _)) => Err(format!("{key}: {}", registry::unknown_selector_error(bad))),
            None => Ok(self),
        }
    }
}

/// The `severity` table: how loudly CI surfaces report each rule.
pub type Severities = BySelector<Severity>;

impl Severities {
    pub fn of(&self, rule: &RuleInfo) -> Severity {
        self.lookup(rule).unwrap_or_default()
    }
}

/// `min-cost`: a cost class for every rule (`min-cost: data`), or by selector
/// (`min-cost: {AG105: data}`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum MinCostOption {
    All(Cost),
    ByRule(BTreeMap<String, Cost>),
}

/// How the findings of blocking calls in start-up and shutdown code are reported.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StartupFindings {
    /// Tagged `start-up`, at most at the `warning` level.
    #[default]
    Warning,
    /// Tagged `start-up`, at the rule's level.
    Error,
    /// Not reported.
    Hide,
}

/// The cheapest cost class reported, by rule: a finding of a cheaper call is left out.
pub type MinCosts = BySelector<Cost>;

impl MinCosts {
    /// Whether a finding of `rule` about a call of class `cost` is reported.
    pub fn reports(&self, rule: &RuleInfo, cost: Cost) -> bool {
        self.lookup(rule).is_none_or(|floor| cost >= floor)
    }
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TargetVersion {
    Py38,
    #[default]
    Py39,
    Py310,
    Py311,
    Py312,
    Py313,
    Py314,
}

impl TargetVersion {
    /// Whether `asyncio.to_thread` exists (Python 3.9+).
    pub fn has_to_thread(self) -> bool {
        self >= TargetVersion::Py39
    }

    /// Whether `set[...]` and the other built-in generics can be evaluated (Python 3.9+).
    pub fn has_builtin_generics(self) -> bool {
        self >= TargetVersion::Py39
    }

    /// The supported versions, oldest first.
    const ALL: [TargetVersion; 7] = [
        TargetVersion::Py38,
        TargetVersion::Py39,
        TargetVersion::Py310,
        TargetVersion::Py311,
        TargetVersion::Py312,
        TargetVersion::Py313,
        TargetVersion::Py314,
    ];

    /// The supported version nearest to Python `major.minor`: py38 for anything older,
    /// py314 for anything newer.
    fn clamped(major: u64, minor: u64) -> Self {
        let oldest = TargetVersion::ALL[0];
        let newest = TargetVersion::ALL[TargetVersion::ALL.len() - 1];
        match major {
            0..3 => oldest,
            3 => {
                let index = usize::try_from(minor.saturating_sub(8)).unwrap_or(usize::MAX);
                TargetVersion::ALL.get(index).copied().unwrap_or(newest)
            }
            _ => newest,
        }
    }

    /// The lowest version a PEP 440 `requires-python` specifier allows, clamped to the
    /// supported range: `>=3.8` → py38, `>=3.9,<4` → py39, `~=3.10` → py310,
    /// `==3.11.*` → py311. `>3.8` allows 3.8.1, so it is py38. `!=`, `<` and `<=`
    /// clauses do not raise the lower bound. `None` when a clause cannot be read or no
    /// clause bounds the version from below.
    pub fn lowest_allowed(specifier: &str) -> Option<Self> {
        versions::lowest_release(specifier).map(|(major, minor)| TargetVersion::clamped(major, minor))
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AsyncLibraryOption {
    Auto,
    Asyncio,
    Trio,
    Anyio,
}

/// The async library a module runs under: it decides what messages and fixes suggest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncLibrary {
    Asyncio,
    Trio,
    Anyio,
}

impl AsyncLibrary {
    /// The library a module imports (`import trio`, `from anyio import …`); asyncio otherwise.
    pub fn detect(module: &[Stmt]) -> Self {
        let mut found = AsyncLibrary::Asyncio;
        for stmt in module {
            let names: Vec<&str> = match stmt {
                Stmt::Import(import) => import.names.iter().map(|alias| alias.name.as_str()).collect(),
                Stmt::ImportFrom(import) if import.level == 0 => {
                    import.module.iter().map(|module| module.as_str()).collect()
                }
                _ => continue,
            };
            for name in names {
                match name.split('.').next() {
                    Some("trio") => found = AsyncLibrary::Trio,
                    Some("anyio") => found = AsyncLibrary::Anyio,
                    _ => {}
                }
            }
        }
        found
    }

    pub fn module(self) -> &'static str {
        match self {
            AsyncLibrary::Asyncio => "asyncio",
            AsyncLibrary::Trio => "trio",
            AsyncLibrary::Anyio => "anyio",
        }
    }

    /// The function that runs a sync callable in a worker thread.
    /// How a message tells to run a call in a worker thread at `target`: the callable and
    /// the arguments that come before the function (`run_in_executor` takes the executor
    /// first).
    pub fn offload_advice(self, target: TargetVersion) -> (&'static str, &'static str) {
        match self {
            AsyncLibrary::Asyncio if !target.has_to_thread() => {
                ("asyncio.get_running_loop().run_in_executor", "None, ")
            }
            library => (library.offload_call(), ""),
        }
    }

    pub fn offload_call(self) -> &'static str {
        match self {
            AsyncLibrary::Asyncio => "asyncio.to_thread",
            AsyncLibrary::Trio => "trio.to_thread.run_sync",
            AsyncLibrary::Anyio => "anyio.to_thread.run_sync",
        }
    }
}

/// A set of enabled rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleSet(u32);

impl RuleSet {
    /// No rule at all (not even the syntax-error rule).
    pub const EMPTY: RuleSet = RuleSet(0);

    fn bit(rule: &RuleInfo) -> u32 {
        let index = registry::ALL.iter().position(|known| std::ptr::eq(*known, rule)).expect("registered rule");
        1 << index
    }

    pub fn contains(self, rule: &RuleInfo) -> bool {
        self.0 & Self::bit(rule) != 0
    }

    /// `select` (without one: the rules enabled by default) minus `ignore`; the
    /// syntax-error rule is always on.
    pub fn from_selectors(select: Option<&[String]>, ignore: &[String]) -> Self {
        let mut set = Self::syntax_error_only();
        for rule in registry::ALL {
            let selected = match select {
                Some(select) => select.iter().any(|selector| rule.is_selected_by(selector)),
                None => rule.default_enabled,
            };
            let ignored = ignore.iter().any(|selector| rule.is_selected_by(selector));
            if selected && !ignored {
                set.0 |= Self::bit(rule);
            }
        }
        set
    }

    pub fn without(self, ignore: &[String]) -> Self {
        let mut set = self;
        for rule in registry::ALL {
            if rule.code != registry::SYNTAX_ERROR.code && ignore.iter().any(|selector| rule.is_selected_by(selector)) {
                set.0 &= !Self::bit(rule);
            }
        }
        set
    }

    /// Only the syntax-error rule.
    pub fn syntax_error_only() -> Self {
        RuleSet(Self::bit(&registry::SYNTAX_ERROR))
    }

    pub fn without_rule(self, rule: &RuleInfo) -> Self {
        RuleSet(self.0 & !Self::bit(rule))
    }
}

/// Globs matched against a path relative to the project root, and against its file name.
pub struct PathMatcher {
    globs: GlobSet,
}

impl PathMatcher {
    fn new(patterns: &[String]) -> Result<Self, String> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob =
                Glob::new(pattern.trim_end_matches('/')).map_err(|error| format!("bad glob `{pattern}`: {error}"))?;
            builder.add(glob);
        }
        Ok(PathMatcher { globs: builder.build().map_err(|error| error.to_string())? })
    }

    pub fn is_match(&self, relative: &Path) -> bool {
        !self.globs.is_empty()
            && (self.globs.is_match(relative)
                || relative.file_name().is_some_and(|name| self.globs.is_match(Path::new(name))))
    }
}

/// Everything a run needs to know, from the configuration file and the command line.
pub struct Settings {
    pub catalogue: &'static Catalogue,
    /// Where relative globs are anchored: the configuration file's directory, or the cwd.
    pub root: PathBuf,
    pub config_file: Option<PathBuf>,
    pub rules: RuleSet,
    pub exclude: PathMatcher,
    pub per_file_ignores: Vec<(PathMatcher, Vec<String>)>,
    pub extend_blocking_calls: HashMap<String, Entry>,
    /// The classes whose methods `extend-blocking-calls` lists (`mylib.Client` for
    /// `mylib.Client.fetch`): objects built from them or annotated with them are tracked.
    pub configured_types: HashSet<String>,
    pub allowed_calls: HashSet<String>,
    /// Patterns (`*` for any text) of the sync functions that run on the event loop: a
    /// function's qualified name in its module (`Addon.request`) or a decorator's
    /// qualified name (`myapp.hooks.on_loop`).
    pub loop_entry_points: Vec<String>,
    pub target_version: TargetVersion,
    /// `None`: detect per module.
    pub async_library: Option<AsyncLibrary>,
    pub severities: Severities,
    /// The cheapest cost class of blocking call reported, by rule (`min-cost`).
    pub min_costs: MinCosts,
    pub startup_findings: StartupFindings,
    /// Top-level packages of the project that live outside its usual roots: a directory of
    /// this name anywhere in the project is importable under this name.
    pub known_first_party: Vec<String>,
    /// The environment the configuration's `python` names.
    pub python: Option<Environment>,
    /// Whether sync clients with an async twin are learnt from the environment.
    pub learn_from_environment: bool,
    /// Where the learnt clients come from: set by the driver when it found the environment.
    pub client_source: Option<Arc<dyn ClientSource>>,
    /// The releases of the libraries whose async twins fixes call: the configuration's,
    /// completed by the driver from the project's environment and declared dependencies.
    pub library_versions: LibraryVersions,
    /// The top-level packages `extend-blocking-calls` names.
    configured_packages: HashSet<String>,
}

/// Directories never walked into unless named on the command line.
pub const DEFAULT_EXCLUDES: &[&str] =
    &[".venv", "venv", "node_modules", "build", "dist", "site-packages", "__pycache__"];

/// Command-line choices that override the configuration.
#[derive(Debug, Default)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

impl Settings {
    pub fn new(
        mut options: Options,
        root: PathBuf,
        config_file: Option<PathBuf>,
        overrides: &Overrides,
    ) -> Result<Self, String> {
        let key_lines = std::mem::take(&mut options.key_lines);
        let where_ = |key: &str| match (&config_file, key_lines.get(key)) {
            (Some(file), Some(line)) => format!("{}:{line}: key `{key}`", file.display()),
            (Some(file), None) => format!("{}: key `{key}`", file.display()),
            (None, _) => format!("--{key}"),
        };
        let selector_sources = [
            ("--select".to_owned(), overrides.select.as_deref().unwrap_or_default()),
            ("--ignore".to_owned(), overrides.ignore.as_slice()),
            (where_("select"), options.select.as_deref().unwrap_or_default()),
            (where_("ignore"), options.ignore.as_deref().unwrap_or_default()),
        ];
        for (origin, selectors) in selector_sources {
            if let Some(bad) = selectors.iter().find(|selector| !registry::is_valid_selector(selector)) {
                return Err(format!("{origin}: {}", registry::unknown_selector_error(bad)));
            }
        }
        let select = overrides.select.clone().or(options.select);
        let mut ignore = options.ignore.unwrap_or_default();
        ignore.extend(overrides.ignore.iter().cloned());
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in options.per_file_ignores.unwrap_or_default() {
            if let Some(bad) = codes.iter().find(|selector| !registry::is_valid_selector(selector)) {
                return Err(format!("{}: {}", where_("per-file-ignores"), registry::unknown_selector_error(bad)));
            }
            let matcher =
                PathMatcher::new(&[pattern]).map_err(|error| format!("{}: {error}", where_("per-file-ignores")))?;
            per_file_ignores.push((matcher, codes));
        }
        let mut extend_blocking_calls = HashMap::default();
        for (name, spec) in options.extend_blocking_calls.unwrap_or_default() {
            let entry = spec
                .resolve(&name, registry::BLOCKING_CONFIGURED.code)
                .map_err(|error| format!("{}: `{name}`: {error}", where_("extend-blocking-calls")))?;
            extend_blocking_calls.insert(name, entry);
        }
        let configured_types = extend_blocking_calls.keys().filter_map(|name| method_class(name)).collect();
        let configured_packages =
            extend_blocking_calls.keys().map(|name| catalogue::top_level(name).to_owned()).collect();
        let severities = Severities::from_table(options.severity.unwrap_or_default()).validate(&where_("severity"))?;
        let min_costs = match options.min_cost {
            None => MinCosts::default(),
            Some(MinCostOption::All(cost)) => MinCosts::from_table([("ALL".to_owned(), cost)]),
            Some(MinCostOption::ByRule(table)) => MinCosts::from_table(table).validate(&where_("min-cost"))?,
        };
        let exclude = PathMatcher::new(&options.exclude.unwrap_or_default())
            .map_err(|error| format!("{}: {error}", where_("exclude")))?;
        let known_first_party = options.known_first_party.unwrap_or_default();
        if let Some(bad) = known_first_party.iter().find(|name| !is_identifier(name)) {
            return Err(format!("{}: `{bad}` is not a top-level package name", where_("known-first-party")));
        }
        let python = match &options.python {
            Some(path) => Some(Environment::at(&root.join(path)).ok_or_else(|| {
                format!(
                    "{}: `{}` is not a Python environment or one of its interpreters (no `lib/python3.*/site-packages` or `Lib/site-packages` found)",
                    where_("python"),
                    path.display()
                )
            })?),
            None => None,
        };
        let mut library_versions = Vec::new();
        for (library, version) in options.library_versions.iter().flatten() {
            let release = versions::release_of(version).ok_or_else(|| {
                format!("{}: `{library} = \"{version}\"`: not a version (like \"5.2\")", where_("library-versions"))
            })?;
            library_versions.push((library.as_str(), release));
        }
        let library_versions = LibraryVersions::from_releases(library_versions);
        let async_library = match options.async_library.unwrap_or(AsyncLibraryOption::Auto) {
            AsyncLibraryOption::Auto => None,
            AsyncLibraryOption::Asyncio => Some(AsyncLibrary::Asyncio),
            AsyncLibraryOption::Trio => Some(AsyncLibrary::Trio),
            AsyncLibraryOption::Anyio => Some(AsyncLibrary::Anyio),
        };
        Ok(Settings {
            catalogue: Catalogue::builtin(),
            root,
            config_file,
            rules: RuleSet::from_selectors(select.as_deref(), &ignore),
            exclude,
            per_file_ignores,
            extend_blocking_calls,
            configured_types,
            allowed_calls: options.allowed_calls.unwrap_or_default().into_iter().collect(),
            loop_entry_points: options.loop_entry_points.unwrap_or_default(),
            target_version: options.target_version.unwrap_or_default(),
            async_library,
            severities,
            min_costs,
            startup_findings: options.startup_findings.unwrap_or_default(),
            known_first_party,
            python,
            learn_from_environment: options.learn_from_environment.unwrap_or(true),
            client_source: None,
            library_versions,
            configured_packages,
        })
    }

    /// The sync clients with an async twin learnt from the installed top-level package
    /// `name`, unless the catalogue or the configuration names anything of the package
    /// (they say what of it blocks).
    pub fn learned_clients(&self, name: &str) -> Option<Arc<LearnedClients>> {
        let source = self.client_source.as_ref()?;
        if self.catalogue.names_package(name) || self.configured_packages.contains(name) {
            return None;
        }
        source.clients(name)
    }

    /// The types (and modules) whose method `method` has an entry listed by name, in the
    /// catalogue or the configuration (one listed in both comes twice).
    pub fn blocking_owners<'s>(&'s self, method: &'s str) -> impl Iterator<Item = &'s str> {
        let configured = self.extend_blocking_calls.keys().filter_map(move |name| {
            let (owner, listed) = name.rsplit_once('.')?;
            (listed == method).then_some(owner)
        });
        self.catalogue.owners_of_method(method).iter().map(String::as_str).chain(configured)
    }

    /// The entry listed by name for a qualified name (not one of a type listed with `.*`).
    pub fn listed_blocking_entry(&self, qualified_name: &str) -> Option<&Entry> {
        self.extend_blocking_calls.get(qualified_name).or_else(|| self.catalogue.calls.get(qualified_name))
    }

    /// The catalogue entry for a qualified name; the configuration's entries win.
    pub fn blocking_entry(&self, qualified_name: &str) -> Option<&Entry> {
        self.extend_blocking_calls.get(qualified_name).or_else(|| self.catalogue.call(qualified_name))
    }

    /// The catalogue entry for a method of a tracked object, named after its type
    /// (`requests.Session.get`, a call through an SDK client); the configuration's
    /// entries win.
    pub fn method_entry(&self, qualified_name: &str) -> Option<&Entry> {
        self.extend_blocking_calls.get(qualified_name).or_else(|| self.catalogue.method_call(qualified_name))
    }

    pub fn is_allowed(&self, qualified_name: &str) -> bool {
        self.allowed_calls.contains(qualified_name)
    }

    /// Whether a `loop-entry-points` pattern names `name` (a function's qualified name in
    /// its module, or a decorator's qualified name).
    pub fn is_loop_entry_point(&self, name: &str) -> bool {
        self.loop_entry_points.iter().any(|pattern| matches_wildcards(pattern, name))
    }

    /// A path relative to the project root, for glob matching.
    pub fn relative<'p>(&self, path: &'p Path) -> &'p Path {
        path.strip_prefix(&self.root).or_else(|_| path.strip_prefix("./")).unwrap_or(path)
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.is_match(self.relative(path))
    }

    /// The rules enabled for one file, after `per-file-ignores`. A type stub (`*.pyi`) is
    /// never executed: only a syntax error is reported in one (it still gives types).
    pub fn rules_for(&self, path: &Path) -> RuleSet {
        if path.extension().is_some_and(|extension| extension == "pyi") {
            return RuleSet::syntax_error_only();
        }
        let relative = self.relative(path);
        self.per_file_ignores
            .iter()
            .filter(|(matcher, _)| matcher.is_match(relative))
            .fold(self.rules, |rules, (_, codes)| rules.without(codes))
    }
}

/// The class a configured qualified name is a method of: the part before the last dot,
/// when that part's own last name is capitalised as Python classes are (`mylib.Client`
/// for `mylib.Client.fetch`; none for the module function `mylib.fetch`).
fn method_class(qualified_name: &str) -> Option<String> {
    let (class, _method) = qualified_name.rsplit_once('.')?;
    let class_name = class.rsplit('.').next().unwrap_or(class);
    class_name.starts_with(|c: char| c.is_ascii_uppercase()).then(|| class.to_owned())
}

/// Whether a name is a Python identifier (letters, digits and `_`, not starting with a digit).
pub fn is_identifier(name: &str) -> bool {
    name.chars().next().is_some_and(|first| !first.is_ascii_digit())
        && name.chars().all(|c| c == '_' || c.is_alphanumeric())
}

/// Finds the nearest configuration at or above `start`: an `aioguard.yaml`,
/// `.aioguard.yaml`, or a `pyproject.toml` with a `[tool.aioguard]` table (in any form
/// TOML allows: `[tool]` with `aioguard = {...}`, spaces around the dots). A
/// `pyproject.toml` met on the way that does not parse is an error when it mentions
/// aioguard (it may be the configuration), and passed over otherwise.
pub fn find_config_file(start: &Path) -> Result<Option<PathBuf>, String> {
    let Ok(start) = std::path::absolute(start) else { return Ok(None) };
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(current) = dir {
        for name in CONFIG_FILE_NAMES {
            let candidate = current.join(name);
            if candidate.is_file() {
                return Ok(Some(candidate));
            }
        }
        let pyproject = current.join("pyproject.toml");
        if pyproject.is_file() && read_pyproject(&pyproject, InUse::IfMentioned)?.is_some() {
            return Ok(Some(pyproject));
        }
        dir = current.parent();
    }
    Ok(None)
}

/// What marks a project's root for [`project_root`]: its configuration, its
/// `pyproject.toml`, or the top of its git checkout (`.git`, a file in a worktree).
const PROJECT_ROOT_MARKERS: &[&str] = &["aioguard.yaml", ".aioguard.yaml", "pyproject.toml", ".git"];

/// The project's root as the cache finds it when no configuration file says: the
/// nearest directory at or above `start` with an `aioguard.yaml`, `.aioguard.yaml` or
/// `pyproject.toml`, or else the top of the git checkout `start` is in. `None` outside
/// any such directory.
pub fn project_root(start: &Path) -> Option<PathBuf> {
    let start = std::path::absolute(start).ok()?;
    let first = if start.is_dir() { start.as_path() } else { start.parent()? };
    let root = first.ancestors().find(|dir| PROJECT_ROOT_MARKERS.iter().any(|name| dir.join(name).exists()))?;
    Some(root.to_path_buf())
}

/// The `target-version` a project's Python requirement implies: the lowest version the
/// `[project] requires-python` of the nearest `pyproject.toml` at or above `start` that
/// has one allows (see [`TargetVersion::lowest_allowed`]). `None` when there is no such
/// file, or its specifier or the file cannot be read: the default applies, never an error.
pub fn requires_python_target(start: &Path) -> Option<TargetVersion> {
    #[derive(Deserialize)]
    struct Metadata {
        project: Option<Project>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Project {
        requires_python: Option<toml::Value>,
    }
    let start = std::path::absolute(start).ok()?;
    let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
    while let Some(current) = dir {
        let pyproject = current.join("pyproject.toml");
        let specifier = std::fs::read_to_string(&pyproject)
            .ok()
            .and_then(|text| toml::from_str::<Metadata>(&text).ok())
            .and_then(|metadata| metadata.project?.requires_python);
        if let Some(specifier) = specifier {
            return TargetVersion::lowest_allowed(specifier.as_str()?);
        }
        dir = current.parent();
    }
    None
}

/// A `pyproject.toml` as far as aioguard reads it: its `tool.aioguard` table, read as `T`.
#[derive(Deserialize)]
struct PyProject<T> {
    tool: Option<Tool<T>>,
}

#[derive(Deserialize)]
struct Tool<T> {
    aioguard: Option<T>,
}

/// Whether a `pyproject.toml` that does not parse is an error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InUse {
    /// Named as the configuration: always.
    Yes,
    /// Met while searching: when it mentions aioguard (it may be the configuration).
    IfMentioned,
}

/// The `[tool.aioguard]` table of a `pyproject.toml` (`None`: it has none), parsed
/// as TOML and looked up after parsing. A file that does not parse is an error naming
/// the line when it is `in_use`, and has no table otherwise.
fn read_pyproject(path: &Path, in_use: InUse) -> Result<Option<(Options, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
    let located = |error: toml::de::Error| {
        let line = error.span().map(|span| format!(":{}", line_of(&text, span.start))).unwrap_or_default();
        format!("{}{line}: {}", path.display(), with_suggestion(error.message()))
    };
    // Whether there is a table is decided first, so that a pyproject without one is
    // never held to aioguard's schema.
    match toml::from_str::<PyProject<toml::Value>>(&text) {
        Ok(PyProject { tool: Some(Tool { aioguard: Some(_) }) }) => {}
        Ok(_) => return Ok(None),
        Err(_) if in_use == InUse::IfMentioned && !text.contains("aioguard") => return Ok(None),
        Err(error) => return Err(located(error)),
    }
    let parsed: PyProject<Options> = toml::from_str(&text).map_err(located)?;
    let options = parsed.tool.and_then(|tool| tool.aioguard).unwrap_or_default();
    Ok(Some((options, text)))
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Reads and parses one configuration file.
pub fn load_options(path: &Path) -> Result<Options, String> {
    let is_pyproject = path.file_name().is_some_and(|name| name == "pyproject.toml");
    if is_pyproject {
        let Some((mut options, text)) = read_pyproject(path, InUse::Yes)? else { return Ok(Options::default()) };
        options.key_lines = toml_key_lines(&text);
        return Ok(options);
    }
    let text = std::fs::read_to_string(path).map_err(|error| format!("{}: cannot read: {error}", path.display()))?;
    if text.trim().is_empty() {
        return Ok(Options::default());
    }
    let mut options: Options = serde_yaml::from_str(&text).map_err(|error| {
        let line = error.location().map(|location| format!(":{}", location.line())).unwrap_or_default();
        format!("{}{line}: {}", path.display(), with_suggestion(&error.to_string()))
    })?;
    options.key_lines = yaml_key_lines(&text);
    Ok(options)
}

/// A serde error about an unknown key or value (`unknown field `ignor`, expected one of
/// `select`, `ignore`, …`) with the closest expected spelling suggested.
fn with_suggestion(message: &str) -> String {
    let typed = ["unknown field `", "unknown variant `"].iter().find_map(|lead| {
        let start = message.find(lead)? + lead.len();
        message[start..].split('`').next()
    });
    let Some(typed) = typed else { return message.to_owned() };
    let Some(expected) = message.find("expected") else { return message.to_owned() };
    let candidates = message[expected..].split('`').skip(1).step_by(2);
    format!("{message}{}", crate::data::suggest::did_you_mean(typed, candidates))
}

/// The 1-based line of each key of the `tool.aioguard` table, wherever TOML puts it.
fn toml_key_lines(text: &str) -> HashMap<String, usize> {
    type KeySpans = BTreeMap<toml::Spanned<String>, toml::Value>;
    let Ok(PyProject { tool: Some(Tool { aioguard: Some(keys) }) }) = toml::from_str::<PyProject<KeySpans>>(text)
    else {
        return HashMap::default();
    };
    keys.keys().map(|key| (key.get_ref().clone(), line_of(text, key.span().start))).collect()
}

/// The 1-based line of each unindented `key:` of a YAML file.
fn yaml_key_lines(text: &str) -> HashMap<String, usize> {
    let mut lines = HashMap::default();
    for (index, line) in text.lines().enumerate() {
        if let Some((key, _)) = line.split_once(':')
            && !key.is_empty()
            && !key.starts_with(char::is_whitespace)
            && !key.starts_with('#')
        {
            lines.entry(key.trim().trim_matches('"').to_owned()).or_insert(index + 1);
        }
    }
    lines
}

/// Whether `text` matches `pattern`, where `*` stands for any text (dots too).
fn matches_wildcards(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let mut parts: Vec<&str> = parts.collect();
    let Some(last) = parts.pop() else { return rest.is_empty() };
    for part in parts {
        match rest.find(part) {
            Some(found) => rest = &rest[found + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::registry;

    #[test]
    fn selectors_take_codes_prefixes_and_names() {
        let set = RuleSet::from_selectors(Some(&["AG1".into(), "dangling-task".into()]), &["AG108".into()]);
        assert!(set.contains(&registry::BLOCKING_SLEEP));
        assert!(set.contains(&registry::DANGLING_TASK));
        assert!(!set.contains(&registry::BLOCKING_LOCK));
        assert!(!set.contains(&registry::NESTED_EVENT_LOOP));
        assert!(set.contains(&registry::SYNTAX_ERROR));
    }

    #[test]
    fn selectors_are_case_insensitive_and_typos_get_a_suggestion() {
        let set = RuleSet::from_selectors(Some(&["ag10".into(), "Dangling-Task".into()]), &["ag108".into()]);
        assert!(set.contains(&registry::BLOCKING_SLEEP) && set.contains(&registry::DANGLING_TASK));
        assert!(!set.contains(&registry::BLOCKING_LOCK));
        let overrides = Overrides { select: Some(vec!["AG1O1".into()]), ignore: Vec::new() };
        let error = Settings::new(Options::default(), PathBuf::new(), None, &overrides).err().unwrap();
        assert_eq!(error, "--select: no rule matches `AG1O1`; did you mean `AG101`?");
        let severities: Options = serde_yaml::from_str("severity: {all: note, Blocking-Sleep: warning}").unwrap();
        let settings = Settings::new(severities, PathBuf::new(), None, &Overrides::default()).unwrap();
        assert_eq!(settings.severities.of(&registry::BLOCKING_SLEEP), Severity::Warning);
        assert_eq!(settings.severities.of(&registry::DANGLING_TASK), Severity::Note);
    }

    #[test]
    fn style_rules_run_only_when_selected() {
        let loop_rule = &registry::GET_EVENT_LOOP_IN_COROUTINE;
        let default = RuleSet::from_selectors(None, &[]);
        assert!(default.contains(&registry::BLOCKING_SLEEP) && !default.contains(loop_rule));
        for selector in ["ALL", "AG204", "AG2", "get-event-loop-in-coroutine"] {
            assert!(RuleSet::from_selectors(Some(&[selector.into()]), &[]).contains(loop_rule), "{selector}");
        }
    }

    fn pyproject(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn pyproject_tables_are_found_in_every_toml_form() {
        for text in [
            "[project]\nname = 'x'\n\n[tool.aioguard]\nselect = ['AG2']\n",
            "[tool.aioguard ]\nselect = ['AG2']\n",
            "[tool . aioguard]\nselect = ['AG2']\n",
            "[ tool.\"aioguard\" ]\nselect = ['AG2']\n",
            "[tool]\naioguard = {select = ['AG2']}\n",
            "tool.aioguard.select = ['AG2']\n",
        ] {
            let (dir, path) = pyproject(text);
            assert_eq!(find_config_file(dir.path()), Ok(Some(path.clone())), "{text}");
            assert_eq!(load_options(&path).unwrap().select, Some(vec!["AG2".to_owned()]), "{text}");
        }
        let (dir, _) = pyproject("[tool.ruff]\nselect = ['E']\n");
        assert_eq!(find_config_file(dir.path()), Ok(None), "no aioguard table: not a configuration");
    }

    #[test]
    fn a_broken_or_misspelt_pyproject_is_an_error_naming_the_line() {
        let (dir, _) = pyproject("[project]\nname = 'x'\n[tool.aioguard\nselect = ['AG2']\n");
        let error = find_config_file(dir.path()).unwrap_err();
        assert!(error.contains("pyproject.toml:3:"), "{error}");
        let (dir, path) = pyproject("[project\nname = 'x'\n");
        assert_eq!(find_config_file(dir.path()), Ok(None), "broken, but not about aioguard: passed over");
        let error = load_options(&path).unwrap_err();
        assert!(error.contains("pyproject.toml:1:"), "named as the configuration, it is an error: {error}");
        let (_dir, path) = pyproject("[tool]\nother = 1\naioguard = {select = ['AG2'], ignor = ['AG1']}\n");
        let error = load_options(&path).unwrap_err();
        assert!(error.contains("pyproject.toml:3:") && error.ends_with("did you mean `ignore`?"), "{error}");
        let (_dir, path) = pyproject("[tool.aioguard]\nselect = ['AG2']\n\ntarget-version = 'py3l2'\n");
        let error = load_options(&path).unwrap_err();
        assert!(error.contains("pyproject.toml:4:") && error.ends_with("did you mean `py312`?"), "{error}");
        let options = load_options(&pyproject("[tool . aioguard]\n\nselect = ['AG2']\n").1).unwrap();
        assert_eq!(options.key_lines.get("select"), Some(&3), "key lines come from the parsed table");
    }

    #[test]
    fn the_most_specific_severity_selector_wins() {
        let options: Options =
            serde_yaml::from_str("severity: {ALL: note, AG1: warning, blocking-sleep: error}").unwrap();
        let settings = Settings::new(options, PathBuf::new(), None, &Overrides::default()).unwrap();
        assert_eq!(settings.severities.of(&registry::BLOCKING_SLEEP), Severity::Error);
        assert_eq!(settings.severities.of(&registry::BLOCKING_HTTP), Severity::Warning);
        assert_eq!(settings.severities.of(&registry::DANGLING_TASK), Severity::Note);
        assert_eq!(Severities::default().of(&registry::DANGLING_TASK), Severity::Error);
        let bad: Options = serde_yaml::from_str("severity: {AG9: note}").unwrap();
        let error = Settings::new(bad, PathBuf::new(), None, &Overrides::default()).err().unwrap();
        assert!(error.contains("--severity") && error.contains("AG9"), "{error}");
    }

    #[test]
    fn requires_python_gives_the_lowest_version_it_allows() {
        let cases = [
            (">=3.8", Some(TargetVersion::Py38)),
            (">=3.9,<4", Some(TargetVersion::Py39)),
            (" >= 3.9 , < 4 ", Some(TargetVersion::Py39)),
            ("~=3.10", Some(TargetVersion::Py310)),
            ("==3.11.*", Some(TargetVersion::Py311)),
            ("===3.12", Some(TargetVersion::Py312)),
            (">3.8", Some(TargetVersion::Py38)),
            (">=3.10.2", Some(TargetVersion::Py310)),
            (">=3.13rc1", Some(TargetVersion::Py313)),
            (">=3.9,!=3.9.1,!=3.10.*", Some(TargetVersion::Py39)),
            (">=3.8,>=3.11", Some(TargetVersion::Py311)),
            (">=3", Some(TargetVersion::Py38)),
            (">=2.7", Some(TargetVersion::Py38)),
            (">=3.6", Some(TargetVersion::Py38)),
            (">=3.20", Some(TargetVersion::Py314)),
            (">=4", Some(TargetVersion::Py314)),
            ("<4", None),
            ("", None),
            ("^3.8", None),
            (">=three", None),
            (">=3.8,junk", None),
            (">=1!3.8", None),
        ];
        for (specifier, expected) in cases {
            assert_eq!(TargetVersion::lowest_allowed(specifier), expected, "{specifier}");
        }
    }

    #[test]
    fn requires_python_is_read_from_the_nearest_pyproject_that_has_it() {
        let (dir, _) = pyproject("[project]\nname = 'x'\nrequires-python = '>=3.10'\n");
        let package = dir.path().join("pkg");
        std::fs::create_dir(&package).unwrap();
        std::fs::write(package.join("m.py"), "").unwrap();
        assert_eq!(requires_python_target(&package.join("m.py")), Some(TargetVersion::Py310));
        std::fs::write(package.join("pyproject.toml"), "[tool.ruff]\nline-length = 99\n").unwrap();
        assert_eq!(requires_python_target(&package), Some(TargetVersion::Py310), "no requirement: look further up");
        std::fs::write(package.join("pyproject.toml"), "[project]\nrequires-python = '>=3.12'\n").unwrap();
        assert_eq!(requires_python_target(&package), Some(TargetVersion::Py312));
        std::fs::write(package.join("pyproject.toml"), "[project]\nrequires-python = 'whatever'\n").unwrap();
        assert_eq!(requires_python_target(&package), None, "unreadable: the default applies");
        std::fs::write(package.join("pyproject.toml"), "[project\nrequires-python = '>=3.12'\n").unwrap();
        assert_eq!(requires_python_target(&package), Some(TargetVersion::Py310), "broken file: passed over");
    }

    #[test]
    fn unknown_keys_are_errors_naming_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("aioguard.yaml");
        std::fs::write(&path, "select: [AG1]\nselct: [AG2]\n").unwrap();
        let error = load_options(&path).unwrap_err();
        assert!(error.contains("aioguard.yaml:2") && error.contains("selct"), "{error}");
        assert!(error.ends_with("did you mean `select`?"), "{error}");
    }

    #[test]
    fn loop_entry_point_patterns_match_with_wildcards() {
        assert!(matches_wildcards("*.request", "Addon.request"));
        assert!(matches_wildcards("*.request", "app.addons.Addon.request"));
        assert!(!matches_wildcards("*.request", "Addon.requests"));
        assert!(matches_wildcards("Addon.*", "Addon.response"));
        assert!(matches_wildcards("myapp.hooks.on_loop", "myapp.hooks.on_loop"));
        assert!(!matches_wildcards("myapp.hooks.on_loop", "myapp.hooks.on_loop_later"));
        assert!(matches_wildcards("a*b*c", "a-b-c"));
        assert!(!matches_wildcards("a*bc*c", "abc"));
        assert!(matches_wildcards("*", "anything"));
    }
}
