use std::process::ExitCode;

fn main() -> ExitCode {
    aioguard::cli::run()
}
