//! The entries of `extend-blocking-calls` that can never match, for a warning. A call is
//! reported under an entry when its callee resolves to the entry's name: a module's
//! function (`legacy_db.query`), a project function (`app.storage.load`), or a method of
//! a class whose objects aioguard tracks (`vendor.Client.fetch`). Two kinds of names are
//! certain never to be reached:
//! - a path through the attributes of a type aioguard tracks
//!   (`openai.OpenAI.chat.completions.create`): its objects match entries of its methods
//!   only, and the name itself is reached only by a class attribute written out in full,
//!   which no instance attribute is;
//! - a top-level module that is nowhere (`reqeusts.get`): not in the standard library,
//!   not named by the catalogue, not installed in the project's environment, not a module
//!   at the project's root, in its `src/` or in `known-first-party`, and imported by no
//!   checked file. Without an environment to look in, a third-party module cannot be told
//!   from a misspelt one, and no module is warned about.

use std::path::{Path, PathBuf};

use crate::data::catalogue::top_level;
use crate::data::config::Settings;
use crate::data::discovery::display_path;
use crate::fixes::imports::standard_library;

/// A warning for each entry of `extend-blocking-calls` that can never match, naming the
/// entry and the configuration file; `site_packages` are the environment's, when known;
/// `checked` the files the run checked.
pub fn warnings(settings: &Settings, site_packages: Option<&[PathBuf]>, checked: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<&str> = settings.extend_blocking_calls.keys().map(String::as_str).collect();
    names.sort_unstable();
    let config = settings.config_file.as_deref().map_or_else(String::new, |path| format!("{}: ", display_path(path)));
    names
        .into_iter()
        .filter_map(|name| {
            let why = through_attributes(settings, name)
                .or_else(|| site_packages.and_then(|site_packages| nowhere(settings, name, site_packages, checked)))?;
            Some(format!("{config}the `extend-blocking-calls` entry `{name}` can never match: {why}"))
        })
        .collect()
}

/// Why `name` goes through the attributes of a tracked type, if it does.
fn through_attributes(settings: &Settings, name: &str) -> Option<String> {
    let catalogue = settings.catalogue;
    let is_tracked = |ty: &str| {
        settings.configured_types.contains(ty)
            || catalogue.constructors.values().any(|tracked| tracked == ty)
            || catalogue.annotations.values().any(|tracked| tracked == ty)
    };
    // The longest prefix of two parts or more that is a tracked type, followed by two
    // parts or more: `openai.OpenAI` + `chat.completions.create`.
    let dots: Vec<usize> = name.match_indices('.').map(|(at, _)| at).collect();
    let ty = dots.iter().skip(1).rev().skip(1).map(|&at| &name[..at]).find(|prefix| is_tracked(prefix))?;
    let rest = &name[ty.len() + 1..];
    let method = rest.rsplit('.').next().unwrap_or(rest);
    Some(format!(
        "`{ty}` is a type aioguard tracks, and an entry names one of its methods (`{ty}.{method}`), not a call through its attributes (`{rest}`)"
    ))
}

/// Why the top-level module of `name` is nowhere, if it is.
fn nowhere(settings: &Settings, name: &str, site_packages: &[PathBuf], checked: &[PathBuf]) -> Option<String> {
    let module = top_level(name);
    let catalogue = settings.catalogue;
    let known = standard_library().contains(module)
        || catalogue.names_package(module)
        || catalogue.is_well_known_module(module)
        || catalogue.constructors.keys().any(|constructor| top_level(constructor) == module)
        || settings.known_first_party.iter().any(|package| package == module);
    if known
        || site_packages.iter().any(|dir| holds_module(dir, module))
        || [settings.root.clone(), settings.root.join("src")].iter().any(|dir| holds_module(dir, module))
        || checked.iter().any(|file| imports(file, module))
    {
        return None;
    }
    Some(format!(
        "no module `{module}` is in the standard library, the environment, the project or the imports of the files checked"
    ))
}

/// Whether `dir` holds the top-level module `module`: a package, a `.py` file, or an
/// extension module (`module.cpython-312-x86_64-linux-gnu.so`, `module.pyd`).
fn holds_module(dir: &Path, module: &str) -> bool {
    if dir.join(module).is_dir() || dir.join(format!("{module}.py")).is_file() {
        return true;
    }
    let prefix = format!("{module}.");
    std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        file_name.starts_with(&prefix) && (file_name.ends_with(".so") || file_name.ends_with(".pyd"))
    })
}

/// Whether the Python file imports the top-level module `module` (`import module.sub`,
/// `import a, module as m`, `from module import x`), read line by line.
fn imports(file: &Path, module: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(file) else { return false };
    text.lines().any(|line| {
        let line = line.trim_start();
        let names = if let Some(rest) = line.strip_prefix("import ") {
            rest
        } else if let Some(rest) = line.strip_prefix("from ") {
            rest.split(" import").next().unwrap_or_default()
        } else {
            return false;
        };
        names
            .split(',')
            .any(|imported| imported.split_whitespace().next().is_some_and(|dotted| top_level(dotted) == module))
    })
}
