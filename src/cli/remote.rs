//! The command line beside a running `kehu serve`: the client asks the server holding the
//! database to run its command ([`forward`]), and the server runs it on the store it holds open
//! ([`serve`]); the socket and its protocol are [`crate::serve::control`].

use super::dispatch::{self, Io};
use super::{Cli, Command, Context, check, failure};
use crate::i18n::Lang;
use crate::serve::control::{self, Request};
use crate::store::Store;
use crate::text::{shown_path, terminal_safe};
use anyhow::{Context as _, anyhow};
use clap::{CommandFactory, FromArgMatches};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The variables the command line reads, sent with a request: the server's own are not the
/// client's.
const ENV: [&str; 2] = ["KEHU_TODAY", "KEHU_RULES"];

/// Asks the `kehu serve` holding the database in `db` to run this process's command line in
/// `lang`, copying its output here; `None` when no server answers there.
pub fn forward(db: &Path, lang: Lang) -> Option<anyhow::Result<i32>> {
    let conn = control::connect(db)?;
    Some(request(lang).and_then(|req| {
        control::call(conn, &req, &mut std::io::stdout().lock(), &mut std::io::stderr().lock())
    }))
}

/// This process's command line as a request.
fn request(lang: Lang) -> anyhow::Result<Request> {
    let argv = std::env::args_os()
        .map(|a| {
            a.into_string().map_err(|a| {
                anyhow!(
                    "the argument {:?} is not UTF-8 text, and kehu serve, which holds the database, runs only command lines that are; stop kehu serve to run it here",
                    a.to_string_lossy()
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let cwd = std::env::current_dir().context("cannot tell the working directory")?;
    let cwd = cwd.into_os_string().into_string().map_err(|d| {
        anyhow!(
            "the working directory {:?} is not UTF-8 text; kehu serve cannot be told it",
            d.to_string_lossy()
        )
    })?;
    let env = ENV.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
    Ok(Request {
        argv,
        cwd,
        operator: crate::tui::operator(),
        lang: match lang {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
        .into(),
        terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        env,
    })
}

/// Runs `req` for a client on `store`, the database the server holds in `dir`; the exit code.
/// `command` is given the command's name as soon as the command line parses (it is kept should
/// the command panic).
pub fn serve(
    store: &dyn Store,
    dir: &Path,
    req: &Request,
    command: &mut Option<&'static str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    crate::i18n::set_current(Lang::parse(&req.lang).unwrap_or_default());
    let cli = match parse(req, dir) {
        Ok(cli) => cli,
        Err(e) => {
            // clap's own words (usage errors) come whole; ours on one line.
            let text = match e.downcast_ref::<clap::Error>() {
                Some(c) => c.render().to_string(),
                None => format!("kehu: {}\n", terminal_safe(&format!("{e:#}"))),
            };
            let _ = err.write_all(text.as_bytes());
            return failure::UNUSABLE;
        }
    };
    let mut cli = cli;
    let Some(parsed) = cli.command.take() else {
        let _ = writeln!(err, "kehu: the console runs over ssh while kehu serve holds the database");
        return failure::UNUSABLE;
    };
    let name = dispatch::name(&parsed);
    *command = Some(name);
    // Test hook: a command that panics inside the server, to show that only it ends.
    if std::env::var("KEHU_TEST_PANIC_COMMAND").is_ok_and(|c| c == name) {
        panic!("KEHU_TEST_PANIC_COMMAND: test panic in kehu {name}");
    }
    let ran = Context::from_cli(&cli).and_then(|ctx| run(&ctx, store, parsed, req, out, err));
    let code = match ran {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(err, "kehu: {}", terminal_safe(&failure::message(&e, dir)));
            failure::code_of(&e)
        }
    };
    let _ = out.flush();
    code
}

/// Runs a parsed command on the open store.
fn run(
    ctx: &Context,
    store: &dyn Store,
    command: Command,
    req: &Request,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<i32> {
    match command {
        Command::Check => {
            let report = store.verify(crate::progress::QUIET);
            check::print_report(&report, out)?;
            Ok(if report.is_clean() { 0 } else { check::DAMAGED })
        }
        Command::Backup { file } => {
            let s = store.backup(&file)?;
            writeln!(
                out,
                "backed up {} entries of {} trees to {} (written by the running kehu serve, at change {})",
                s.entries,
                s.trees,
                shown_path(&file),
                s.seq
            )?;
            Ok(0)
        }
        command if dispatch::on_open_store(&command) => {
            let mut io = Io {
                out,
                err,
                out_terminal: req.terminal,
                operator: req.operator.clone(),
                progress: crate::progress::QUIET,
                may_ask: false,
            };
            dispatch::on_store(ctx, store, command, &mut io)
        }
        other => {
            writeln!(err, "kehu: {}", refusal(&other, &ctx.db_path))?;
            Ok(failure::UNUSABLE)
        }
    }
}

/// Why `command` does not run beside the server, and what to do.
fn refusal(command: &Command, db: &Path) -> String {
    let db = shown_path(db);
    let why = match command {
        Command::Restore { .. } => {
            format!(
                "restore fills a new database, and kehu serve holds {db}; restore into a new directory (--db NEWDIR)"
            )
        }
        Command::Salvage { .. } => {
            format!(
                "salvage reads the database files, which kehu serve holds open in {db}; stop kehu serve first"
            )
        }
        Command::Demo { .. } => format!("demo data goes into an empty database; kehu serve holds {db}"),
        other => format!("kehu {} does not run beside kehu serve, which holds {db}", dispatch::name(other)),
    };
    format!("{why}; stop kehu serve first if you mean this database")
}

/// The client's command line as the command line's own parser reads it, without the server's
/// environment; relative paths made absolute against the client's directory.
fn parse(req: &Request, dir: &Path) -> anyhow::Result<Cli> {
    let parser = Cli::command().mut_args(|a| a.env(None));
    let matches = parser.try_get_matches_from(&req.argv)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    let var = |k: &str| req.env.get(k).filter(|v| !v.is_empty());
    if cli.as_of.is_none()
        && let Some(day) = var("KEHU_TODAY")
    {
        cli.as_of = Some(super::parse_date_arg(day).map_err(|e| anyhow!("KEHU_TODAY: {e}"))?);
    }
    if cli.rules.is_none() {
        cli.rules = var("KEHU_RULES").map(PathBuf::from);
    }
    // The socket is in the database directory: whatever --db says, it is this one.
    cli.db = Some(dir.to_path_buf());
    cli.demo = false;
    let cwd = Path::new(&req.cwd);
    anyhow::ensure!(cwd.is_absolute(), "the request's working directory {:?} is not absolute", req.cwd);
    absolutize(&mut cli, cwd);
    Ok(cli)
}

/// Every path of `cli` read against `cwd`.
fn absolutize(cli: &mut Cli, cwd: &Path) {
    let abs = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = cwd.join(&*p);
        }
    };
    cli.rules.as_mut().map(abs);
    match cli.command.as_mut() {
        Some(Command::Import { file, .. } | Command::Backup { file } | Command::Restore { file }) => {
            abs(file)
        }
        Some(Command::Export { out: Some(file), .. }) => abs(file),
        Some(Command::Salvage { out, backup }) => {
            abs(out);
            backup.as_mut().map(abs);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(argv: &[&str], env: &[(&str, &str)]) -> Request {
        Request {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: "/home/ann/work".into(),
            operator: "ann".into(),
            lang: "en".into(),
            terminal: false,
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn paths_are_the_clients_and_the_database_is_the_servers() {
        let dir = Path::new("/srv/kehu/db");
        let cli = parse(
            &req(
                &[
                    "kehu",
                    "--db",
                    "elsewhere",
                    "--rules",
                    "r.toml",
                    "import",
                    "--kind",
                    "customers",
                    "in.csv",
                ],
                &[],
            ),
            dir,
        )
        .unwrap();
        assert_eq!(cli.db.as_deref(), Some(dir));
        assert_eq!(cli.rules.as_deref(), Some(Path::new("/home/ann/work/r.toml")));
        assert!(
            matches!(cli.command, Some(Command::Import { file, .. }) if file == Path::new("/home/ann/work/in.csv"))
        );
        let cli =
            parse(&req(&["kehu", "export", "--kind", "classes", "--out", "../x.csv"], &[]), dir).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Export { out: Some(f), .. }) if f == Path::new("/home/ann/work/../x.csv"))
        );
        let cli = parse(&req(&["kehu", "backup", "/tmp/b.kehubak"], &[]), dir).unwrap();
        assert!(matches!(cli.command, Some(Command::Backup { file }) if file == Path::new("/tmp/b.kehubak")));
    }

    #[test]
    fn the_clients_environment_stands_in_for_the_servers() {
        let dir = Path::new("/srv/kehu/db");
        let env = [("KEHU_TODAY", "2024-01-02"), ("KEHU_RULES", "rules.toml")];
        let cli = parse(&req(&["kehu", "segments"], &env), dir).unwrap();
        assert_eq!(cli.as_of, chrono::NaiveDate::from_ymd_opt(2024, 1, 2));
        assert_eq!(cli.rules.as_deref(), Some(Path::new("/home/ann/work/rules.toml")));
        // The command line wins over the environment, as clap has it.
        let cli = parse(&req(&["kehu", "--as-of", "2024-03-04", "segments"], &env), dir).unwrap();
        assert_eq!(cli.as_of, chrono::NaiveDate::from_ymd_opt(2024, 3, 4));
        let cli = parse(&req(&["kehu", "segments"], &[]), dir).unwrap();
        assert_eq!((cli.as_of, cli.rules), (None, None));
        let e = parse(&req(&["kehu", "segments"], &[("KEHU_TODAY", "soon")]), dir).unwrap_err();
        assert!(format!("{e:#}").starts_with("KEHU_TODAY: "), "{e:#}");
        let mut relative = req(&["kehu", "audit"], &[]);
        relative.cwd = "work".into();
        assert!(parse(&relative, dir).unwrap_err().to_string().contains("not absolute"));
    }

    #[test]
    fn commands_that_would_replace_the_database_are_refused_with_what_to_do() {
        let cli = parse(&req(&["kehu", "restore", "b.kehubak"], &[]), Path::new("/srv/db")).unwrap();
        let why = refusal(cli.command.as_ref().unwrap(), Path::new("/srv/db"));
        assert!(
            why.contains("restore into a new directory") && why.contains("stop kehu serve first"),
            "{why}"
        );
    }
}
