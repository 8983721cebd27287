//! `desktop-usage`: how long each Huawei Cloud Workspace desktop was used,
//! by whom, and which sit idle, from the command line.
//!
//! What it is for: admins who want usage per desktop (`report`), idle
//! desktops (`idle`) and totals per user (`users`) as a table, csv, json or
//! ndjson, without writing code; `--demo` runs it all against an embedded
//! simulator. What it is not for: a library: code should depend on the
//! `huaweicloud-workspace` crate, which this tool is a thin layer over.

mod chart;
mod cli;
mod completions;
mod connections;
mod demo;
mod emit;
mod failure;
mod job;
mod logging;
mod manpages;
mod metrics;
mod names;
mod output;
mod progress;
mod rows;
mod run;
mod sanitize;
mod secrets;
mod session;
mod signals;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command, SchemaKind};
use crate::emit::Kind;
use crate::failure::Failure;
use crate::logging::say;

fn main() -> ExitCode {
    if let Some(message) = cli::errors::removed_flag(std::env::args_os()) {
        say(&format!("desktop-usage: error: {message}"));
        return ExitCode::from(2);
    }
    // Usage errors exit 2 as one line on stderr; --help and --version exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        // No command at all: the help itself is the most useful answer.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            return ExitCode::from(2);
        }
        Err(e) => {
            let line = cli::errors::one_line_usage_error(&e.render().to_string());
            say(&format!("desktop-usage: error: {line} (see --help)"));
            return ExitCode::from(2);
        }
    };
    let default_names = cli::usage::NamesArgs::default();
    let (job, output) = match &cli.command {
        Command::Schema { command } => return print_schema(*command),
        Command::Completions { shell } => {
            return print_generated(|out| completions::generate(*shell, out));
        }
        Command::Man { dir: Some(dir), .. } => {
            return match manpages::write_all(dir) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    say(&format!("desktop-usage: error: {e}"));
                    ExitCode::from(1)
                }
            };
        }
        Command::Man { dir: None, page } => {
            return print_generated(|out| manpages::render(*page, out));
        }
        Command::Report {
            query,
            names,
            sort,
            output,
        } => (Job::Usage(Kind::Report, query, names, *sort), output),
        Command::Idle {
            query,
            threshold,
            names,
            sort,
            output,
        } => (
            Job::Usage(
                Kind::Idle {
                    threshold: *threshold,
                },
                query,
                names,
                *sort,
            ),
            output,
        ),
        Command::UsersDaily {
            query,
            sort,
            output,
        } => (
            Job::Usage(Kind::UsersDaily, query, &default_names, *sort),
            output,
        ),
        Command::Desktops {
            range,
            filters,
            output,
        } => (Job::Desktops(range, filters), output),
        Command::Users {
            range,
            filters,
            output,
        } => (Job::Users(range, filters), output),
        Command::Sessions {
            range,
            filters,
            output,
        } => (Job::Sessions(range, filters), output),
        Command::Concurrency { range, by, output } => (Job::Concurrency(range, *by), output),
        Command::Unused { args, output } => (Job::Unused(args), output),
    };
    logging::init(cli.global.verbose, cli.global.quiet);
    // One thread: a run is bound by the network, and decoding keeps up on
    // one core; one thread also keeps one malloc arena (a year of 20,000
    // desktops peaked about 4 MB higher on the multi-threaded runtime, at
    // the same speed).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            say(&format!(
                "desktop-usage: error: cannot start the async runtime: {e}"
            ));
            return ExitCode::from(1);
        }
    };
    // On a signal the run's future is dropped, which deletes its temporary
    // output file: the previous --output file, if any, stays as it was.
    // The handlers are in place before the output file is created.
    let outcome = runtime.block_on(async {
        let mut signals = match signals::Signals::new() {
            Ok(signals) => signals,
            Err(e) => {
                return Err(Failure::Usage(format!(
                    "cannot install the signal handlers: {e}"
                )));
            }
        };
        tokio::select! {
            result = job.run(&cli.global, output) => result,
            signal = signals.recv() => Err(Failure::Interrupted {
                signal,
                to_file: output.writes_file(),
            }),
        }
    });
    // Do not wait for a blocked open of a named pipe nobody reads.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // `desktop-usage report | head`: the reader left; that is not a failure.
        Err(Failure::Output(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(failure) => {
            say(&format!("desktop-usage: error: {failure}"));
            ExitCode::from(failure.exit_code())
        }
    }
}

/// What a data command does.
enum Job<'a> {
    /// `report`, `idle`, `users-daily`: the per-day operation.
    Usage(
        Kind,
        &'a cli::usage::QueryArgs,
        &'a cli::usage::NamesArgs,
        cli::usage::SortArgs,
    ),
    /// `desktops`: the desktop metrics.
    Desktops(&'a cli::MetricsRangeArgs, &'a cli::DesktopFilterArgs),
    /// `users`: the user metrics.
    Users(&'a cli::MetricsRangeArgs, &'a cli::UserFilterArgs),
    /// `sessions`: the connection records.
    Sessions(
        &'a cli::connections::RecordsRangeArgs,
        &'a cli::connections::SessionsArgs,
    ),
    /// `concurrency`: sessions at once.
    Concurrency(
        &'a cli::connections::RecordsRangeArgs,
        cli::connections::ConcurrencyBy,
    ),
    /// `unused`: the inventory against the records.
    Unused(&'a cli::connections::UnusedArgs),
}

impl Job<'_> {
    async fn run(
        &self,
        global: &cli::global::GlobalArgs,
        output: &cli::OutputArgs,
    ) -> Result<(), Failure> {
        match self {
            Job::Usage(kind, query, names, sort) => {
                run::run(global, *kind, query, (names, *sort), output).await
            }
            Job::Desktops(range, filters) => {
                metrics::desktops(global, range, filters, output).await
            }
            Job::Users(range, filters) => metrics::users(global, range, filters, output).await,
            Job::Sessions(range, filters) => {
                connections::sessions(global, range, filters, output).await
            }
            Job::Concurrency(range, by) => {
                connections::concurrency(global, range, *by, output).await
            }
            Job::Unused(args) => connections::unused(global, args, output).await,
        }
    }
}

/// Writes what `generate` produces to stdout; a closed stdout is not an error.
fn print_generated(generate: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>) -> ExitCode {
    let mut text = Vec::new();
    if let Err(e) = generate(&mut text) {
        say(&format!("desktop-usage: error: {e}"));
        return ExitCode::from(1);
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(&text).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!(
                "desktop-usage: error: writing the output failed: {e}"
            ));
            ExitCode::from(1)
        }
    }
}

fn print_schema(kind: SchemaKind) -> ExitCode {
    let schema = match kind {
        SchemaKind::Report => schemars::schema_for!(rows::ReportRow),
        SchemaKind::Idle => schemars::schema_for!(rows::IdleRow),
        SchemaKind::Desktops => schemars::schema_for!(rows::DesktopRow),
        SchemaKind::Users => schemars::schema_for!(rows::UserRow),
        SchemaKind::UsersDaily => schemars::schema_for!(rows::UserDailyRow),
        SchemaKind::Sessions => schemars::schema_for!(rows::sessions::SessionRow),
        SchemaKind::SessionsByUser => schemars::schema_for!(rows::sessions::SessionUserRow),
        SchemaKind::SessionsByDesktop => schemars::schema_for!(rows::sessions::SessionDesktopRow),
        SchemaKind::SessionsByDay => schemars::schema_for!(rows::sessions::SessionDayRow),
        SchemaKind::Concurrency => schemars::schema_for!(rows::sessions::ConcurrencyRow),
        SchemaKind::ConcurrencyByHour => schemars::schema_for!(rows::sessions::ConcurrencyHourRow),
        SchemaKind::Unused => schemars::schema_for!(rows::sessions::UnusedRow),
        SchemaKind::UnusedUsers => schemars::schema_for!(rows::sessions::UnusedUserRow),
    };
    let text = match serde_json::to_string_pretty(&schema) {
        Ok(text) => text,
        Err(e) => {
            say(&format!(
                "desktop-usage: error: cannot print the schema: {e}"
            ));
            return ExitCode::from(1);
        }
    };
    // Not println!: it panics when stdout cannot be written (`> /dev/full`).
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            say(&format!(
                "desktop-usage: error: writing the output failed: {e}"
            ));
            ExitCode::from(1)
        }
    }
}
