//! The command line: `aioguard check`, `aioguard rule CODE`, `aioguard rules`,
//! `aioguard server` (the language server, [`driver::server`]).
//!
//! Exit codes: 0 nothing found, 1 findings (after `--fix`: findings left; with `--diff`:
//! a change to show; with `--exit-non-zero-on-fix`: also a fix applied), 2 an error (bad
//! configuration, a path that does not exist, a file that cannot be read, decoded or
//! written); errors go to stderr naming the file, and the summary counts the files that
//! could not be checked.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::data::catalogue::Cost;
use crate::data::config::{Overrides, Settings};
use crate::data::diagnostic::Applicability;
use crate::data::diagnostic::Finding;
use crate::data::discovery;
use crate::data::environment::Environment;
use crate::data::registry::{self, FixAvailability};
use crate::driver::add_noqa;
use crate::driver::cache::{self, Cache};
use crate::driver::changes::{Changes, DiffFilter};
use crate::driver::inert_entries;
use crate::driver::learn::{self, Learner};
use crate::driver::linter::{FixMode, FixOptions};
use crate::driver::{self, RunOptions, RunOutcome};
use crate::outputs::{EmitContext, OutputFormat};

#[derive(Parser)]
#[command(
    name = "aioguard",
    version,
    propagate_version = true,
    about = "Find and fix the calls that block the asyncio event loop"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// `display_name`: `aioguard check --version` says `aioguard 0.1.0`, as `aioguard --version`.
#[derive(Subcommand)]
enum Command {
    /// Check Python files for calls that block the event loop.
    #[command(display_name = "aioguard")]
    Check(CheckArgs),
    /// Print a rule's documentation.
    #[command(display_name = "aioguard")]
    Rule {
        /// A rule code (`AG101`) or name (`blocking-sleep`).
        rule: String,
    },
    /// List every rule.
    #[command(display_name = "aioguard")]
    Rules,
    /// Run the language server (LSP, on stdin and stdout) for editors.
    #[command(display_name = "aioguard")]
    Server,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Args)]
struct CheckArgs {
    /// Files and directories to check.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Rules to enable, by code, code prefix or name (comma-separated); replaces the configuration's.
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Rules to disable, by code, code prefix or name (comma-separated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    #[arg(long, value_enum, default_value_t)]
    output_format: OutputFormat,
    /// Print the number of findings per rule instead of the findings (a table, or JSON
    /// with `--output-format json`).
    #[arg(long)]
    statistics: bool,
    /// Exit with 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Print the findings and nothing else.
    #[arg(short, long)]
    quiet: bool,
    #[arg(long, value_enum, default_value_t)]
    color: ColorChoice,
    /// Use this configuration file instead of searching for one.
    #[arg(long, conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore every configuration file.
    #[arg(long)]
    no_config: bool,
    /// Apply `exclude` even to files named on the command line (for pre-commit).
    #[arg(long)]
    force_exclude: bool,
    /// Check only the files changed since the merge-base of REF and HEAD (with the
    /// working tree's changes and untracked files), as git sees them.
    #[arg(long, value_name = "REF")]
    diff_base: Option<String>,
    /// With --diff-base: report findings on added or changed lines only, or all the
    /// findings of a changed file.
    #[arg(long, value_enum, default_value_t, requires = "diff_base")]
    diff_filter: DiffFilter,
    /// Apply the fixes that keep the program's behaviour (all of them with `--unsafe-fixes`).
    #[arg(long)]
    fix: bool,
    /// Also apply, and mark as fixable, the fixes that may change behaviour.
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the changes the fixes would make, as a unified diff, instead of writing them;
    /// exit with 1 if there are any.
    #[arg(long)]
    diff: bool,
    /// Apply the fixes and report nothing about what is left.
    #[arg(long)]
    fix_only: bool,
    /// Exit with 1 when a fix was applied, even if nothing is left (for pre-commit).
    #[arg(long)]
    exit_non_zero_on_fix: bool,
    /// Append `# noqa: CODE` to every line with a finding (merged into the line's `# noqa`),
    /// so that the next check reports nothing: adopting aioguard on an existing codebase.
    #[arg(long, conflicts_with_all = ["fix", "unsafe_fixes", "diff", "fix_only", "statistics"])]
    add_noqa: bool,
    /// Neither read nor write the cache of results of unchanged files.
    #[arg(long)]
    no_cache: bool,
    /// Keep the cache in DIR instead of `.aioguard_cache` at the project root (also set
    /// by the environment variable `AIOGUARD_CACHE_DIR`; the flag wins).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Walk, read and parse only: the floor the benchmark compares against.
    #[arg(long, hide = true)]
    parse_only: bool,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check(args),
        Command::Server => match driver::server::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::from(2)
            }
        },
        Command::Rule { rule } => match registry::find(&rule) {
            Some(rule) => {
                println!("# {} ({})\n\n{}\n\n{}", rule.name, rule.code, rule.summary, rule.doc.trim_end());
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("error: no rule is called `{rule}`; `aioguard rules` lists them");
                ExitCode::from(2)
            }
        },
        Command::Rules => {
            for rule in registry::ALL {
                let fixable = match rule.fix {
                    FixAvailability::Always => "fix",
                    FixAvailability::Sometimes => "fix (some)",
                    FixAvailability::Never => "",
                };
                println!("{:<6} {:<28} {:<11} {}", rule.code, rule.name, fixable, rule.summary);
            }
            ExitCode::SUCCESS
        }
    }
}

fn load_settings(args: &CheckArgs) -> Result<Settings, String> {
    let start = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let overrides = Overrides { select: args.select.clone(), ignore: args.ignore.clone() };
    driver::load_settings(start, args.config.as_deref(), args.no_config, &overrides)
}

fn check(args: CheckArgs) -> ExitCode {
    if args.statistics && !matches!(args.output_format, OutputFormat::Full | OutputFormat::Concise | OutputFormat::Json)
    {
        let format = args.output_format.to_possible_value().expect("formats are named");
        eprintln!(
            "error: --statistics prints a table, or JSON with `--output-format json`; not `{}`",
            format.get_name()
        );
        return ExitCode::from(2);
    }
    let mut settings = match load_settings(&args) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    // Paths are made absolute so that globs match them against the project root.
    let paths: Vec<PathBuf> =
        args.paths.iter().map(|path| std::path::absolute(path).unwrap_or_else(|_| path.clone())).collect();
    let anchor = paths.first().map_or_else(PathBuf::new, |path| {
        if path.is_dir() { path.clone() } else { path.parent().map(Path::to_path_buf).unwrap_or_default() }
    });
    let changes = match &args.diff_base {
        Some(base) => match Changes::since(base, &anchor, args.diff_filter) {
            Ok(changes) => Some(changes),
            Err(error) => {
                eprintln!("error: --diff-base: {error}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let mode = if args.diff {
        FixMode::Diff
    } else if args.fix || args.fix_only {
        FixMode::Write
    } else {
        FixMode::Report
    };
    let applicability = if args.unsafe_fixes { Applicability::Unsafe } else { Applicability::Safe };
    let environment = learn::environment_of(&settings).filter(|_| !args.parse_only);
    settings.library_versions = learn::library_versions(&settings, &anchor, environment.as_ref());
    let site_packages = environment.as_ref().map(|environment| environment.site_packages().to_vec());
    let cache = open_cache(&args, &settings, environment.as_ref()).map(Arc::new);
    if let Some(environment) = environment {
        settings.client_source = Some(Arc::new(Learner::new(environment, cache.clone())));
    }
    let options = RunOptions {
        fix: FixOptions { mode, applicability },
        force_exclude: args.force_exclude,
        changes: changes.as_ref(),
        parse_only: args.parse_only,
        cache: cache.as_deref(),
    };
    let outcome = driver::run(&paths, &settings, options);
    let phases = outcome.phases;
    if !args.quiet {
        for warning in inert_entries::warnings(&settings, site_packages.as_deref(), &outcome.files) {
            eprintln!("warning: {warning}");
        }
    }
    if let Some(cache) = &cache
        && let Err(error) = cache.persist()
        && !args.quiet
    {
        eprintln!("warning: cannot write the cache in {}: {error}", cache.root().display());
    }
    if args.add_noqa {
        return add_noqa(&outcome, args.quiet);
    }
    let totals = Totals::of(outcome);
    for error in &totals.errors {
        eprintln!("error: {error}");
    }
    let error_code = if totals.errors.is_empty() { None } else { Some(ExitCode::from(2)) };
    if mode == FixMode::Diff {
        let code = if totals.fixed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS };
        return show_diff(&totals.diffs, totals.fixed, args.quiet).or(error_code).unwrap_or(code);
    }
    if args.fix_only {
        if !args.quiet {
            eprintln!("Fixed {} {}.", totals.fixed, plural(totals.fixed, "problem"));
        }
        let fix_code = (args.exit_non_zero_on_fix && totals.fixed > 0).then(|| ExitCode::from(1));
        return error_code.or(fix_code).unwrap_or(ExitCode::SUCCESS);
    }
    let mut context = EmitContext::new(use_color(args.color), &settings.severities, anchor)
        .with_applicability(applicability)
        .with_startup_findings(settings.startup_findings);
    if let Some(changes) = &changes {
        context = context.with_repository_root(changes.root().to_path_buf());
    }
    let writing = Instant::now();
    if let Err(error) = write_report(&args, &totals, &context, mode, applicability)
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {error}");
        return ExitCode::from(2);
    }
    if std::env::var_os(driver::TIMINGS_VARIABLE).is_some() {
        eprintln!("timings: {}, output {:.3} s", phases.describe(), writing.elapsed().as_secs_f64());
    }
    if error_code.is_some() {
        ExitCode::from(2)
    } else if (!totals.findings.is_empty() && !args.exit_zero) || (args.exit_non_zero_on_fix && totals.fixed > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Adds the `# noqa` comments that suppress a run's findings to their files; says how
/// many lines got one, and which findings could not get one.
fn add_noqa(outcome: &RunOutcome, quiet: bool) -> ExitCode {
    let mut failed = false;
    for error in &outcome.discovery_errors {
        eprintln!("error: {}: {}", discovery::display_path(&error.path), error.message);
        failed = true;
    }
    let mut added = 0;
    for (path, report) in outcome.files.iter().zip(&outcome.reports) {
        if let Some(error) = &report.error {
            eprintln!("error: {error}");
            failed = true;
        }
        let filename = discovery::display_path(path);
        match add_noqa::add_noqa(path, &report.findings) {
            Ok(result) => {
                added += result.lines;
                for row in result.skipped_rows {
                    eprintln!("warning: {filename}:{row}: the finding's line has no code to put a `# noqa` after");
                }
            }
            Err(error) => {
                eprintln!("error: {filename}: {error}");
                failed = true;
            }
        }
    }
    if !quiet {
        eprintln!("Added {added} noqa {}.", plural(added, "directive"));
    }
    if failed { ExitCode::from(2) } else { ExitCode::SUCCESS }
}

/// What a run's reports add up to.
struct Totals {
    /// About paths that could not be walked and files that could not be read, checked or written.
    errors: Vec<String>,
    findings: Vec<Finding>,
    diffs: String,
    fixed: usize,
    coverage: Coverage,
}

impl Totals {
    fn of(outcome: RunOutcome) -> Self {
        let errors = outcome
            .discovery_errors
            .iter()
            .map(|error| format!("{}: {}", discovery::display_path(&error.path), error.message))
            .collect();
        let coverage = Coverage { checked: outcome.files.len(), unchecked: outcome.discovery_errors.len() };
        let mut totals = Totals { errors, findings: Vec::new(), diffs: String::new(), fixed: 0, coverage };
        for report in outcome.reports {
            if report.unchecked {
                totals.coverage.checked -= 1;
                totals.coverage.unchecked += 1;
            }
            totals.errors.extend(report.error);
            totals.findings.extend(report.findings);
            totals.diffs.extend(report.diff);
            totals.fixed += report.fixed;
        }
        totals
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// Prints the findings (or their statistics) on stdout, with the summary line for people.
fn write_report(
    args: &CheckArgs,
    totals: &Totals,
    context: &EmitContext,
    mode: FixMode,
    applicability: Applicability,
) -> io::Result<()> {
    let emitter = args.output_format.emitter();
    let mut out = io::BufWriter::new(io::stdout().lock());
    match (args.statistics, args.output_format) {
        (true, OutputFormat::Json) => write_statistics_json(&mut out, &totals.findings, applicability)?,
        (true, _) => write_statistics(&mut out, &totals.findings, applicability)?,
        (false, _) => emitter.emit(&mut out, &totals.findings, context)?,
    }
    if emitter.is_human() && !args.quiet && !args.statistics {
        write_summary(&mut out, &totals.findings, totals.fixed, mode, applicability, totals.coverage)?;
    }
    out.flush()
}

/// The cache of this run (see [`cache::open`]), anchored at the first path checked; none
/// with `--no-cache`.
fn open_cache(args: &CheckArgs, settings: &Settings, environment: Option<&Environment>) -> Option<Cache> {
    if args.no_cache || args.parse_only {
        return None;
    }
    let start = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let overrides = Overrides { select: args.select.clone(), ignore: args.ignore.clone() };
    Some(cache::open(settings, args.cache_dir.clone(), start, &overrides, environment))
}

/// Prints the diffs on stdout (so that they can be piped to `git apply`) and the count on
/// stderr; an exit code if stdout cannot be written.
fn show_diff(diffs: &str, fixed: usize, quiet: bool) -> Option<ExitCode> {
    let mut out = io::stdout().lock();
    if let Err(error) = out.write_all(diffs.as_bytes()).and(out.flush())
        && error.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the diff: {error}");
        return Some(ExitCode::from(2));
    }
    if !quiet {
        eprintln!("Would fix {fixed} {}.", plural(fixed, "problem"));
    }
    None
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 { noun.to_owned() } else { format!("{noun}s") }
}

/// How many findings this run's fixes would fix, and how many more `--unsafe-fixes`
/// would add.
fn count_fixable(findings: &[Finding], applicability: Applicability) -> (usize, usize) {
    let fixable = findings.iter().filter(|finding| finding.is_fixable(applicability)).count();
    let with_unsafe = findings.iter().filter(|finding| finding.is_fixable(Applicability::Unsafe)).count();
    (fixable, with_unsafe - fixable)
}

/// How many files a run checked, and how many files or paths it could not check (each
/// named by an error on stderr).
#[derive(Clone, Copy, Debug)]
struct Coverage {
    checked: usize,
    unchecked: usize,
}

fn write_summary(
    out: &mut dyn Write,
    findings: &[Finding],
    fixed: usize,
    mode: FixMode,
    applicability: Applicability,
    coverage: Coverage,
) -> io::Result<()> {
    let remaining = findings.len();
    let total = remaining + fixed;
    let noun = plural(total, "problem");
    match (total, coverage.unchecked) {
        (0, 0) => return writeln!(out, "All checks passed!"),
        (0, _) => writeln!(out, "No problems found in {} {}.", coverage.checked, plural(coverage.checked, "file"))?,
        _ if fixed > 0 => writeln!(out, "Found {total} {noun} ({fixed} fixed, {remaining} remaining).")?,
        _ => writeln!(out, "Found {total} {noun}.")?,
    }
    if coverage.unchecked > 0 {
        let files = plural(coverage.unchecked, "file");
        writeln!(out, "{} {files} could not be checked (see the errors above).", coverage.unchecked)?;
    }
    let (fixable, hidden) = count_fixable(findings, applicability);
    let hidden_note = format!("{hidden} more with `--unsafe-fixes`");
    match (mode == FixMode::Report && fixable > 0, hidden > 0) {
        (true, true) => writeln!(out, "[*] {fixable} fixable with the `--fix` option ({hidden_note})."),
        (true, false) => writeln!(out, "[*] {fixable} fixable with the `--fix` option."),
        (false, true) => writeln!(out, "{hidden} more fixable with `--fix --unsafe-fixes`."),
        (false, false) => Ok(()),
    }
}

/// A rule's findings: how many, whether any of them is fixable by this run's options,
/// and how many of each cost class (blocking calls), from the cheapest.
struct RuleStatistics {
    rule: &'static registry::RuleInfo,
    count: usize,
    fixable: bool,
    costs: Vec<(Cost, usize)>,
}

/// Each rule with findings, in the registry's order.
fn statistics(findings: &[Finding], applicability: Applicability) -> Vec<RuleStatistics> {
    registry::ALL
        .iter()
        .filter_map(|rule| {
            let of_rule: Vec<&Finding> = findings.iter().filter(|finding| std::ptr::eq(finding.rule, *rule)).collect();
            let fixable = of_rule.iter().any(|finding| finding.is_fixable(applicability));
            let costs = Cost::ALL
                .into_iter()
                .map(|cost| (cost, of_rule.iter().filter(|finding| finding.cost == Some(cost)).count()))
                .filter(|(_, count)| *count > 0)
                .collect();
            (!of_rule.is_empty()).then_some(RuleStatistics { rule, count: of_rule.len(), fixable, costs })
        })
        .collect()
}

fn write_statistics(out: &mut dyn Write, findings: &[Finding], applicability: Applicability) -> io::Result<()> {
    for RuleStatistics { rule, count, fixable, costs } in statistics(findings, applicability) {
        let fixable = if fixable { "[*]" } else { "   " };
        let costs: Vec<String> = costs.iter().map(|(cost, count)| format!("{count} {}", cost.as_str())).collect();
        let costs = if costs.is_empty() { String::new() } else { format!("\t({})", costs.join(", ")) };
        writeln!(out, "{count:>5}\t{}\t{fixable} {}{costs}", rule.code, rule.name)?;
    }
    Ok(())
}

/// The statistics as a JSON array in the shape of ruff's: `code`, `name`, `count`,
/// `fixable`; and for blocking calls `costs`, the count of each cost class.
fn write_statistics_json(out: &mut dyn Write, findings: &[Finding], applicability: Applicability) -> io::Result<()> {
    let rows: Vec<serde_json::Value> = statistics(findings, applicability)
        .into_iter()
        .map(|RuleStatistics { rule, count, fixable, costs }| {
            let mut row = serde_json::json!({"code": rule.code, "name": rule.name, "count": count, "fixable": fixable});
            if !costs.is_empty() {
                let costs: serde_json::Map<String, serde_json::Value> =
                    costs.into_iter().map(|(cost, count)| (cost.as_str().to_owned(), count.into())).collect();
                row["costs"] = costs.into();
            }
            row
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}
