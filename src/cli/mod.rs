//! The command line: argument parsing, dispatch, and errors worded for people.

mod audit;
mod backup;
mod campaign;
mod check;
mod classes;
mod columns;
mod console;
mod context;
mod correct;
mod demo;
mod dialect;
mod dispatch;
mod encoding;
mod export;
mod failure;
mod fit;
pub mod import;
mod json;
mod kept;
mod ledger;
mod model_check;
mod progress;
pub mod remote;
mod report;
mod salvage;
mod segments;
mod serve;
mod show;
mod table;
mod torture;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

pub use context::Context;
pub use failure::INTERNAL;

/// kehu — a keyboard-first customer-management console.
#[derive(Debug, Parser)]
#[command(name = "kehu", version, about, long_about = None)]
pub struct Cli {
    /// Database directory [default: the platform data dir, e.g. ~/.local/share/kehu/db]
    #[arg(long, global = true, env = "KEHU_DB", value_name = "DIR")]
    pub db: Option<PathBuf>,
    /// Classify as of this date instead of today (YYYY-MM-DD)
    #[arg(long, global = true, env = "KEHU_TODAY", value_name = "DATE", value_parser = parse_date_arg)]
    pub as_of: Option<chrono::NaiveDate>,
    /// A rules file overriding the built-in classification rules
    #[arg(long, global = true, env = "KEHU_RULES", value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// The branch of a chain this process works at: its new sales, contacts and ledger entries
    /// carry it, and the console's lists start narrowed to it [default: the config's `branch`;
    /// none: head office, which sees every branch]
    #[arg(long, global = true, env = "KEHU_BRANCH", value_name = "NAME")]
    pub branch: Option<String>,
    /// Interface language: en or zh [default: KEHU_LANG, the config's `lang`, else the locale]
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
    /// Open a throwaway demo database (generated on first use)
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--model`: auto, bgnbd, mbgnbd or pnbd.
fn parse_choice(s: &str) -> Result<crate::classify::Choice, String> {
    s.parse()
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fill a database with a synthetic shop
    Demo {
        /// How many customers (1 to 2,000,000)
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=crate::demo::MAX_CUSTOMERS))]
        customers: u64,
        /// Random seed: the same seed gives the same shop
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Import customers, purchases or interactions from a CSV file with a header row
    Import {
        /// What the file holds
        #[arg(long, value_enum)]
        kind: Kind,
        /// The CSV file
        file: PathBuf,
        /// Create customers for unknown refs in purchase and interaction files
        #[arg(long)]
        create_missing: bool,
        /// Check the file and report, without writing anything
        #[arg(long)]
        dry_run: bool,
        /// For customer files: create only, update only, or both (matched by ref, then phone)
        #[arg(long, value_enum, default_value_t = import::Mode::Upsert)]
        mode: import::Mode,
        /// The file's encoding (utf-8, gb18030, big5, windows-1252…) [default: UTF-8, else
        /// GB18030 when the file reads as Chinese]
        #[arg(long, value_name = "LABEL", value_parser = encoding::parse_label)]
        encoding: Option<&'static encoding_rs::Encoding>,
    },
    /// Export records or classes as CSV or JSON, or a campaign's contact list (--kind contacts)
    Export {
        /// What to export
        #[arg(long, value_enum)]
        kind: ExportKind,
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Csv)]
        format: Format,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Start the CSV with a UTF-8 byte-order mark, so Excel on Chinese Windows reads it right
        #[arg(long)]
        bom: bool,
        /// Campaign lists (--kind contacts) and their options.
        #[command(flatten)]
        contacts: ContactsOpts,
    },
    /// Reports over the records: `report day` is the day's close
    Report {
        #[command(subcommand)]
        report: ReportKind,
    },
    /// Count customers, shares and revenue shares per class
    Segments {
        /// Only this dimension (e.g. lifecycle, rfm, tier)
        #[arg(long, value_name = "NAME")]
        dimension: Option<String>,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// With --branch: count every branch's customers, not only that branch's
        #[arg(long)]
        all_branches: bool,
    },
    /// Refit the predictive model now, store it and print its parameters
    Fit {
        /// The purchase model predictions come from: bgnbd, mbgnbd, pnbd, or auto (the one with
        /// the lowest holdout error; BG/NBD when there is too little data to check)
        #[arg(long, default_value = "auto", value_name = "MODEL", value_parser = parse_choice)]
        model: crate::classify::Choice,
    },
    /// Check the purchase models on a holdout of the shop's own history and say which predicts best
    ModelCheck {
        /// Fit on the purchases up to this day, compare after it [default: the last quarter held out]
        #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
        calibration_end: Option<chrono::NaiveDate>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// One customer: fields, every class with its reason, history
    Show {
        /// A ref (card number), phone, id (#12 or 12) or name
        query: String,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Verify every record, index and counter; exit 0 when clean, 1 when damaged, 2 when refused
    Check,
    /// Write a consistent snapshot of the database to FILE (checksummed)
    Backup {
        /// The backup file to write
        file: PathBuf,
    },
    /// Restore backup FILE into a new or empty database directory, after verifying it whole
    Restore {
        /// The backup file to read
        file: PathBuf,
    },
    /// Move a shop between a database directory and PostgreSQL (either way), into one that holds
    /// nothing yet; verified by counting and summing every entry on both sides
    Migrate {
        /// The database to copy: a directory or a postgres:// URL (only read)
        #[arg(long, value_name = "DB")]
        from: PathBuf,
        /// Where to: a new or empty directory, or the URL of a database kehu has not written to
        #[arg(long, value_name = "DB")]
        to: PathBuf,
    },
    /// Rebuild a damaged database into a new directory: from its last backup and its journal,
    /// else from every record that still reads; prints what was lost, per kind
    Salvage {
        /// The new database directory (must not exist, or be empty)
        #[arg(long, value_name = "NEWDIR")]
        out: PathBuf,
        /// Start from this backup instead of the newest daily backup that reads back whole
        #[arg(long, value_name = "FILE")]
        backup: Option<PathBuf>,
    },
    /// Serve the console to many operators over SSH (public keys in an authorized_keys file)
    Serve {
        /// Address to listen on (port 0: any free port, printed at start)
        #[arg(long, default_value = "127.0.0.1:2222", value_name = "ADDR")]
        listen: String,
        /// OpenSSH authorized_keys file; operator="name" or the key's comment names the operator
        #[arg(long, value_name = "FILE")]
        authorized_keys: PathBuf,
        /// Host key file, generated on first start [default: DIR.host_key beside the database]
        #[arg(long, value_name = "FILE")]
        host_key: Option<PathBuf>,
        /// Most consoles open at once (1 to 256); one more is refused with a message
        #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=MAX_SESSIONS))]
        max_sessions: u64,
        /// Close a console after this long without a key (e.g. 30m, 90s, 2h; 1s to 7d)
        #[arg(long, default_value = "30m", value_parser = crate::serve::parse_idle)]
        idle: std::time::Duration,
        /// Close a connection that has not logged in by then (1s to 10m): an open socket that
        /// never logs in must not hold a place an operator needs
        #[arg(long, default_value = "20s", value_parser = crate::serve::parse_login_timeout)]
        login_timeout: std::time::Duration,
        /// Most connections waiting to log in (2 to 4096); when all are taken a newcomer pushes
        /// out the oldest of the busiest address, so a flood never locks operators out
        #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u64).range(2..=4096))]
        max_waiting: u64,
    },
    /// Void a purchase or interaction entered by mistake (it stays, counted nowhere)
    Void {
        /// What to void
        #[arg(value_enum)]
        what: correct::Record,
        /// Its id (the `id` column of `export`, or `show`)
        id: u64,
        /// Why (kept with the void)
        #[arg(long)]
        reason: String,
    },
    /// Record the return of (part of) a purchase: by default all that is left of it
    Refund {
        /// The purchase's id
        purchase_id: u64,
        /// Money given back (default: all not yet given back)
        #[arg(long, value_name = "X")]
        amount: Option<String>,
        /// Items brought back (default: all, when all the money goes back; else none)
        #[arg(long, value_name = "N")]
        quantity: Option<u32>,
        /// Day of the return [default: today]
        #[arg(long, value_name = "D", value_parser = parse_date_arg)]
        date: Option<chrono::NaiveDate>,
    },
    /// Resolve a complaint: it leaves the follow-up queue and the open-complaint counts
    Resolve {
        /// The complaint's id
        interaction_id: u64,
        /// How it was resolved
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take back your last change (with --operator, another operator's)
    Undo {
        /// Whose last change [default: you ($USER)]
        #[arg(long, value_name = "NAME")]
        operator: Option<String>,
        /// Take it back even when someone else has changed the same customer since
        #[arg(long)]
        yes: bool,
    },
    /// Print the audit log: who changed which customer, when, and how (before → after)
    Audit {
        /// Only this customer (#id, ref, phone or id)
        #[arg(long, value_name = "REF")]
        customer: Option<String>,
    },
    /// Campaigns made by `export --kind contacts`: list them, or report what one did
    Campaign {
        #[command(subcommand)]
        action: CampaignAction,
    },
    // Member accounts: points and stored value.
    /// A member's points and when they expire; --redeem N takes N off at the till
    Points {
        /// The member: a ref (card number), phone or #id [none with --expire: everyone]
        query: Option<String>,
        /// Redeem this many points (money off, or --gift)
        #[arg(long, value_name = "N")]
        redeem: Option<i64>,
        /// What the points were redeemed for (a gift), instead of money off
        #[arg(long, value_name = "TEXT", requires = "redeem")]
        gift: Option<String>,
        /// Write off points that have expired (the member's, or everyone's without a member)
        #[arg(long, conflicts_with = "redeem")]
        expire: bool,
        /// Idempotency key: the same key saved again changes nothing (for scripts that retry)
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// Top up a member's stored value (储值) with the bonus the rules give (充500送50)
    Topup {
        /// The member: a ref (card number), phone or #id
        query: String,
        /// The amount paid in
        amount: String,
        /// Idempotency key: the same key saved again changes nothing (for scripts that retry)
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// A member's points and stored-value entries; --summary: what the shop owes its members
    Ledger {
        /// The member: a ref (card number), phone or #id
        #[arg(required_unless_present = "summary")]
        query: Option<String>,
        /// The shop's outstanding stored value and points, and what moved to date
        #[arg(long, conflicts_with = "query")]
        summary: bool,
        /// Correct the member's points by N (an entry of its own; negative takes off)
        #[arg(
            long,
            value_name = "N",
            allow_hyphen_values = true,
            conflicts_with = "summary",
            requires = "reason"
        )]
        adjust_points: Option<i64>,
        /// Correct the member's stored value by this amount (negative takes off)
        #[arg(
            long,
            value_name = "X",
            allow_hyphen_values = true,
            conflicts_with = "summary",
            requires = "reason"
        )]
        adjust_value: Option<String>,
        /// Why the correction (kept with the entry)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Idempotency key of the correction: the same key saved again changes nothing
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
    /// Test harness: a deterministic stream of edits, each acknowledged on stdout once saved
    #[command(hide = true)]
    Torture {
        /// Random seed of the stream
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many edits
        #[arg(long, default_value_t = 1000)]
        edits: u64,
    },
}

/// The options of a campaign list (`export --kind contacts`).
#[derive(Debug, Clone, clap::Args)]
pub struct ContactsOpts {
    /// For --kind contacts: the customers of this saved segment (the console's segments view)
    #[arg(long, value_name = "NAME")]
    pub segment: Option<String>,
    /// For --kind contacts: customers in this class, DIMENSION=CLASS (CLASS|CLASS for either;
    /// repeat for more, all must hold), e.g. --where tier=gold --where activity=sleeping
    #[arg(long = "where", value_name = "DIM=CLASS")]
    pub filters: Vec<String>,
    /// For --kind contacts: the channel; only customers who said yes on it are listed
    #[arg(long, value_name = "sms|wechat|phone|email", value_parser = campaign::parse_channel)]
    pub channel: Option<crate::domain::ContactChannel>,
    /// For --kind contacts: the campaign's name [default: the segment or filter, channel and day]
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// For --kind contacts: percent of the consenting customers held out as the control group
    #[arg(long, value_name = "PERCENT", default_value_t = crate::campaign::DEFAULT_CONTROL_PERCENT)]
    pub control: u8,
    /// For --kind contacts: the seed of the control group's draw [default: from the name]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
}

/// What `kehu campaign` does.
#[derive(Debug, Subcommand)]
pub enum CampaignAction {
    /// Every campaign: day, channel, name, target, how many contacted and held out
    List,
    /// Purchases and revenue per customer in the days after the campaign, contacted against
    /// control, and the lift with its 95% interval (Welch)
    Report {
        /// The campaign's name
        name: String,
        /// Days counted from the campaign day on
        #[arg(long, default_value_t = crate::campaign::report::DEFAULT_DAYS, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// Most consoles `kehu serve --max-sessions` takes: each holds a copy of the classified shop
/// (about 7 MB at 2,000 customers), and a shop with more operators at once than this is
/// beyond what one process serving one sled database is meant for.
const MAX_SESSIONS: u64 = 256;

/// The reports `kehu report` prints.
#[derive(Debug, Clone, Subcommand)]
pub enum ReportKind {
    /// The day's close: sales and returns, new members, contacts, follow-ups still due, and 30
    /// days of revenue
    Day {
        /// The day [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date_arg)]
        date: Option<chrono::NaiveDate>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

/// Record kinds that can be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Customers,
    Purchases,
    Interactions,
}

/// Record kinds that can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    Customers,
    Purchases,
    Interactions,
    Classes,
    /// A campaign's contact list for one channel (--channel, with --segment or --where)
    Contacts,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

fn parse_date_arg(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::parse_date(s).map_err(|e| e.to_string())
}

/// Runs the command line and returns the process exit code (see [`failure`]).
pub fn main() -> i32 {
    failure::install_hook();
    let cli = Cli::parse();
    let db = Context::from_cli(&cli).map(|c| c.db_path).unwrap_or_else(|_| PathBuf::from("DIR"));
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        // A reader that stops early (`kehu export | head`) is not an error worth a message.
        Ok(Err(e)) if is_broken_pipe(&e) => 0,
        Ok(Err(e)) => {
            eprintln!("kehu: {}", crate::text::terminal_safe(&failure::message(&e, &db)));
            failure::code_of(&e)
        }
        // The hook has said what happened.
        Err(_) => failure::panic_code(),
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<csv::Error>().is_some_and(
                |c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe),
            )
    })
}

/// Runs one parsed command line (this process's own: beside a running `kehu serve` it is sent
/// to the server as the process was given it); `Ok` carries the exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let lang = crate::i18n::detect(cli.lang.as_deref());
    crate::i18n::set_current(lang);
    let ctx = Context::from_cli(&cli)?;
    let mut out = std::io::stdout().lock();
    let command = match cli.command {
        Some(command) => command,
        None => {
            let db = if cli.demo { ctx.open_demo()? } else { ctx.open()? };
            drop(out);
            return console::run(&ctx, db, !cli.demo);
        }
    };
    // Asked of the server when it holds the database (see `remote`).
    let served = |name: &str| {
        let ran = remote::forward(&ctx.db_path, lang)?;
        Some(ran.inspect(|&code| said_by_server(name, code)))
    };
    let name = dispatch::name(&command);
    // These would replace or rebuild what the server holds: it says so.
    let replacing = matches!(
        command,
        Command::Restore { .. } | Command::Salvage { .. } | Command::Demo { .. } | Command::Torture { .. }
    );
    if replacing && let Some(refused) = served(name) {
        return refused;
    }
    match command {
        Command::Demo { customers, seed } => ctx.run_demo(customers, seed, &*progress::on_stderr(), &mut out),
        Command::Check => {
            check::run(&ctx.db_path, &ctx.rules, &*progress::on_stderr(), &mut out, || served(name))
        }
        Command::Backup { file } => {
            let made = backup::run_backup(&ctx.db_path, &file, &*progress::on_stderr(), &mut out);
            or_served(made, || served(name))
        }
        Command::Restore { file } => {
            backup::run_restore(&ctx.db_path, &file, &*progress::on_stderr(), &mut out)
        }
        Command::Migrate { from, to } => backup::run_migrate(&from, &to, &*progress::on_stderr(), &mut out),
        Command::Salvage { out: to, backup } => salvage::run(&ctx.db_path, &to, backup.as_deref(), &mut out),
        Command::Serve {
            listen,
            authorized_keys,
            host_key,
            max_sessions,
            idle,
            login_timeout,
            max_waiting,
        } => {
            drop(out);
            let max_sessions = usize::try_from(max_sessions)?;
            let max_waiting = usize::try_from(max_waiting)?;
            serve::run(
                &ctx,
                serve::Args {
                    listen,
                    authorized_keys,
                    host_key,
                    max_sessions,
                    idle,
                    login_timeout,
                    max_waiting,
                },
            )
        }
        Command::Torture { seed, edits } => torture::run(&ctx.db_path, seed, edits, &mut out),
        command => {
            debug_assert!(dispatch::on_open_store(&command));
            let importing = matches!(command, Command::Import { .. });
            // Only an import may make the database; the others need one there.
            let opened = if importing { ctx.open() } else { ctx.open_existing() };
            let db = match opened {
                Ok(db) => db,
                Err(e) => return or_served(Err(e), || served(name)),
            };
            let p = progress::on_stderr();
            // stderr unlocked: the progress bar draws there from its own thread too.
            let mut err = std::io::stderr();
            let mut io = dispatch::Io {
                out_terminal: std::io::stdout().is_terminal(),
                out: &mut out,
                err: &mut err,
                operator: crate::tui::operator(),
                progress: &*p,
                may_ask: std::io::stdin().is_terminal(),
            };
            let code = dispatch::on_store(&ctx, &*db, command, &mut io)?;
            if importing {
                ctx.checkpoint_if_large(&db, &*p)?;
            }
            Ok(code)
        }
    }
}

/// `ran`, or when it failed because another process holds the database, what `served` made
/// of it (when a `kehu serve` answers).
fn or_served(
    ran: anyhow::Result<i32>,
    served: impl FnOnce() -> Option<anyhow::Result<i32>>,
) -> anyhow::Result<i32> {
    match ran {
        Err(e)
            if matches!(
                e.downcast_ref(),
                Some(failure::OpenFailed(crate::store::StoreError::Locked { .. }))
            ) =>
        {
            served().unwrap_or(Err(e))
        }
        ran => ran,
    }
}

/// One line on stderr (standard output stays the command's alone) when the server changed or
/// checked the database for this command.
fn said_by_server(command: &str, code: i32) {
    match command {
        "import" | "fit" | "void" | "refund" | "resolve" | "undo" | "points" | "topup" if code == 0 => {
            eprintln!("kehu: run by the kehu serve holding this database; its consoles show what changed")
        }
        "check" => eprintln!("kehu: checked by the running kehu serve, on the database it holds open"),
        _ => {}
    }
}
