//! Versions: PEP 440 releases and specifiers as far as aioguard needs them (major and
//! minor numbers, the lowest release a specifier allows), and which release of a
//! library the project uses, so that a fix calls only the async twins that release has
//! (Django's `aget()` since 4.1, `asave()` since 4.2).
//!
//! A library's release is the one installed in the project's environment, else the
//! lowest the project's declared dependency allows (`[project] dependencies` or Poetry's
//! table in `pyproject.toml`, or `requirements.txt`, at the project root). Unknown, no
//! twin is assumed.

use std::path::Path;

use rustc_hash::FxHashMap as HashMap;
use serde::Deserialize;

use crate::data::environment::Environment;

/// A release's major and minor numbers.
pub type Release = (u64, u64);

/// The major and minor numbers of a PEP 440 version (`3.8`, `3.10.2`, `3.11rc1`; a
/// missing minor is 0). `None` for one with an epoch or that does not start with digits.
pub fn release_of(version: &str) -> Option<Release> {
    let mut parts = version.split('.');
    let number = |part: &str| {
        let digits = part.find(|c: char| !c.is_ascii_digit()).unwrap_or(part.len());
        part[..digits].parse::<u64>().ok()
    };
    let major = parts.next().filter(|part| part.chars().all(|c| c.is_ascii_digit())).and_then(number)?;
    let minor = match parts.next() {
        Some(part) => number(part)?,
        None => 0,
    };
    Some((major, minor))
}

/// The lowest release a PEP 440 specifier allows: `>=4.2` → 4.2, `>=4.2,<5` → 4.2,
/// `~=5.0` → 5.0, `==5.1.*` → 5.1; `>4.2` allows 4.2.1, so it is 4.2. `!=`, `<` and `<=`
/// clauses do not raise the lower bound. `None` when a clause cannot be read or no
/// clause bounds the release from below.
pub fn lowest_release(specifier: &str) -> Option<Release> {
    let mut lowest: Option<Release> = None;
    for clause in specifier.split(',') {
        let clause = clause.trim();
        let operator_len = clause.find(|c: char| !matches!(c, '<' | '>' | '=' | '!' | '~')).unwrap_or(clause.len());
        let (operator, version) = clause.split_at(operator_len);
        let version = version.trim();
        let bounds_from_below = match operator {
            ">=" | ">" | "~=" | "==" | "===" => true,
            "<" | "<=" | "!=" => false,
            _ => return None,
        };
        let release = release_of(version.strip_suffix(".*").unwrap_or(version))?;
        if bounds_from_below {
            lowest = lowest.max(Some(release));
        }
    }
    lowest
}

/// The releases of the libraries the project uses, by normalized name (`django`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LibraryVersions(HashMap<String, Release>);

impl LibraryVersions {
    /// The releases of `libraries` the project uses: installed in `environment`, else
    /// declared in the nearest directory at or above `start` that has a `pyproject.toml`
    /// or a `requirements.txt`.
    pub fn of_project<'l>(
        start: &Path,
        environment: Option<&Environment>,
        libraries: impl IntoIterator<Item = &'l str>,
    ) -> Self {
        let declared = DeclaredDependencies::nearest(start);
        let versions = libraries
            .into_iter()
            .filter_map(|library| {
                let installed = environment.and_then(|environment| environment.installed_release(library));
                let release = installed.or_else(|| declared.lowest_release(library))?;
                Some((normalized(library), release))
            })
            .collect();
        LibraryVersions(versions)
    }

    /// These releases, and those of `others` for the libraries these do not name.
    pub fn or(mut self, others: LibraryVersions) -> Self {
        for (library, release) in others.0 {
            self.0.entry(library).or_insert(release);
        }
        self
    }

    /// Releases given as such (tests, and settings that name them).
    pub fn from_releases<'l>(releases: impl IntoIterator<Item = (&'l str, Release)>) -> Self {
        LibraryVersions(releases.into_iter().map(|(library, release)| (normalized(library), release)).collect())
    }

    /// The release of `library` the project uses, if known.
    pub fn release(&self, library: &str) -> Option<Release> {
        self.0.get(&normalized(library)).copied()
    }

    /// Whether the project's release of `library` is known to be `since` or later.
    pub fn has(&self, library: &str, since: Release) -> bool {
        self.release(library).is_some_and(|release| release >= since)
    }

    /// The known releases, sorted (for the cache's key).
    pub fn sorted(&self) -> Vec<(&str, Release)> {
        let mut releases: Vec<(&str, Release)> =
            self.0.iter().map(|(name, release)| (name.as_str(), *release)).collect();
        releases.sort_unstable();
        releases
    }
}

/// A distribution's name as PEP 503 compares them: lowercase, runs of `-`, `_` and `.`
/// as one `-`.
pub fn normalized(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !normal.ends_with('-') {
                normal.push('-');
            }
        } else {
            normal.push(c.to_ascii_lowercase());
        }
    }
    normal
}

/// The dependencies a project declares at its root, as requirement strings by
/// normalized name.
struct DeclaredDependencies(HashMap<String, String>);

impl DeclaredDependencies {
    /// Those of the nearest directory at or above `start` that has a `pyproject.toml` or
    /// a `requirements.txt`.
    fn nearest(start: &Path) -> Self {
        let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
        let mut dir = if start.is_dir() { Some(start.as_path()) } else { start.parent() };
        while let Some(current) = dir {
            if current.join("pyproject.toml").is_file() || current.join("requirements.txt").is_file() {
                return Self::at(current);
            }
            dir = current.parent();
        }
        DeclaredDependencies(HashMap::default())
    }

    /// `[project] dependencies` and `[tool.poetry.dependencies]` of `pyproject.toml`,
    /// then `requirements.txt`; a file that cannot be read or parsed declares nothing.
    fn at(root: &Path) -> Self {
        #[derive(Deserialize)]
        struct PyProject {
            project: Option<Project>,
            tool: Option<Tool>,
        }
        #[derive(Deserialize)]
        struct Project {
            #[serde(default)]
            dependencies: Vec<String>,
        }
        #[derive(Deserialize)]
        struct Tool {
            poetry: Option<Poetry>,
        }
        #[derive(Deserialize)]
        struct Poetry {
            #[serde(default)]
            dependencies: HashMap<String, toml::Value>,
        }
        let mut declared = HashMap::default();
        let pyproject = std::fs::read_to_string(root.join("pyproject.toml"))
            .ok()
            .and_then(|text| toml::from_str::<PyProject>(&text).ok());
        if let Some(pyproject) = pyproject {
            for requirement in pyproject.project.map(|project| project.dependencies).unwrap_or_default() {
                if let Some((name, specifier)) = split_requirement(&requirement) {
                    declared.entry(name).or_insert(specifier);
                }
            }
            let poetry = pyproject.tool.and_then(|tool| tool.poetry).map(|poetry| poetry.dependencies);
            for (name, value) in poetry.unwrap_or_default() {
                let specifier = match &value {
                    toml::Value::String(specifier) => Some(specifier.as_str()),
                    toml::Value::Table(table) => table.get("version").and_then(toml::Value::as_str),
                    _ => None,
                };
                if let Some(specifier) = specifier.map(pep440_of_poetry) {
                    declared.entry(normalized(&name)).or_insert(specifier);
                }
            }
        }
        let requirements = std::fs::read_to_string(root.join("requirements.txt")).unwrap_or_default();
        for line in requirements.lines() {
            let line = line.split(" #").next().unwrap_or_default().trim();
            if line.starts_with(['#', '-']) {
                continue;
            }
            if let Some((name, specifier)) = split_requirement(line) {
                declared.entry(name).or_insert(specifier);
            }
        }
        DeclaredDependencies(declared)
    }

    fn lowest_release(&self, library: &str) -> Option<Release> {
        lowest_release(self.0.get(&normalized(library))?)
    }
}

/// A Poetry version constraint as PEP 440 reads it: `^4.2` and `~4.2` allow 4.2 and
/// later releases, as `>=4.2` does from below.
fn pep440_of_poetry(constraint: &str) -> String {
    let constraint = constraint.trim();
    match constraint.strip_prefix('^').or_else(|| constraint.strip_prefix('~').filter(|rest| !rest.starts_with('='))) {
        Some(version) => format!(">={version}"),
        None => constraint.to_owned(),
    }
}

/// A PEP 508 requirement's normalized name and version specifier
/// (`Django[argon2]>=4.2,<6; python_version>"3.9"` → `django`, `>=4.2,<6`).
fn split_requirement(requirement: &str) -> Option<(String, String)> {
    let requirement = requirement.split(';').next()?.trim();
    let name_len = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    if !requirement.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let rest = requirement[name_len..].trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(extras) => &extras[extras.find(']')? + 1..],
        None => rest,
    };
    let specifier = rest.trim().trim_start_matches('(').trim_end_matches(')').trim();
    Some((normalized(&requirement[..name_len]), specifier.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specifiers_give_their_lowest_release() {
        assert_eq!(lowest_release(">=4.2"), Some((4, 2)));
        assert_eq!(lowest_release(">=4.2,<6"), Some((4, 2)));
        assert_eq!(lowest_release("~=5.0"), Some((5, 0)));
        assert_eq!(lowest_release("==5.1.*"), Some((5, 1)));
        assert_eq!(lowest_release("^4.1"), None, "Poetry's, read as such by its table only");
        assert_eq!(lowest_release("<5"), None);
        assert_eq!(lowest_release(""), None);
        assert_eq!(lowest_release("whatever"), None);
    }

    #[test]
    fn requirements_split_into_name_and_specifier() {
        assert_eq!(
            split_requirement("Django[argon2] >=4.2,<6; python_version>'3.9'"),
            Some(("django".to_owned(), ">=4.2,<6".to_owned()))
        );
        assert_eq!(split_requirement("django_filter==23.1"), Some(("django-filter".to_owned(), "==23.1".to_owned())));
        assert_eq!(split_requirement("django"), Some(("django".to_owned(), String::new())));
        assert_eq!(split_requirement("-r base.txt"), None);
    }

    #[test]
    fn the_installed_release_wins_over_the_declared_one() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("requirements.txt"), "# pinned\nDjango==4.1.3  # web\nrequests\n").unwrap();
        let declared = LibraryVersions::of_project(root, None, ["django", "requests", "flask"]);
        assert_eq!(declared.sorted(), [("django", (4, 1))], "no bound, not declared: unknown");
        std::fs::write(root.join("pyproject.toml"), "[project]\nname = 'x'\ndependencies = ['django>=5.0']\n").unwrap();
        assert_eq!(LibraryVersions::of_project(root, None, ["django"]).release("Django"), Some((5, 0)));
        std::fs::write(root.join("pyproject.toml"), "[tool.poetry.dependencies]\nDjango = {version = '^4.2'}\n")
            .unwrap();
        assert_eq!(LibraryVersions::of_project(root, None, ["django"]).release("django"), Some((4, 2)));

        let site_packages = root.join("venv/lib/python3.12/site-packages");
        std::fs::create_dir_all(site_packages.join("django-5.2.19.dist-info")).unwrap();
        let environment = Environment::at(&root.join("venv")).unwrap();
        let installed = LibraryVersions::of_project(root, Some(&environment), ["django"]);
        assert_eq!(installed.release("django"), Some((5, 2)));
        assert!(installed.has("django", (5, 0)) && !installed.has("django", (6, 0)));
        assert!(!installed.has("flask", (0, 1)), "unknown: not had");
    }
}
