//! The `starling` command: `serve`, `migrate` and `admin …`.

use clap::{Args, Parser, Subcommand};
use starling::config::Config;
use starling::db::users::Role;
use starling::delivery::{Worker, WorkerOptions};
use starling::id::RuleId;
use starling::service::seed::{self, SeedOptions};
use starling::service::{admin, instance};
use std::path::PathBuf;
use std::process::ExitCode;

/// glibc's allocator took a quarter of the server's time on timeline pages (many small
/// strings built and freed per request); mimalloc does the same work in far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "starling",
    version,
    about = "A Mastodon-compatible federated microblogging server"
)]
struct Cli {
    /// Configuration file (default: ./config.toml if it exists).
    #[arg(long, global = true, env = "STARLING_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve HTTP and run the job worker (the default): creates and migrates the
    /// database first.
    Serve {
        /// Serve HTTP only; run `starling worker` processes for the queue.
        #[arg(long)]
        no_worker: bool,
    },
    /// Run only the job worker (any number of these may share one database).
    Worker,
    /// Create the database if missing and apply migrations, then exit.
    Migrate,
    /// Operator tasks without the web UI.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a local account.
    CreateAccount(CreateAccountArgs),
    /// Change the role of a local account.
    SetRole {
        username: String,
        /// user, moderator or admin
        role: Role,
    },
    /// Mark an account's e-mail address as confirmed.
    Confirm { username: String },
    /// Set a new password (printed when generated) and end all sessions.
    ResetPassword {
        username: String,
        #[arg(long)]
        password: Option<String>,
    },
    /// Server rules shown before sign-up.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Server settings kept in the database.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// The job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Fill an empty database with a synthetic community for benchmarks (accounts,
    /// follows, statuses, favourites) and print a token for its viewer, @viewer.
    SeedBench(SeedBenchArgs),
}

#[derive(Args)]
struct SeedBenchArgs {
    #[arg(long, default_value_t = SeedOptions::default().accounts)]
    accounts: i64,
    #[arg(long, default_value_t = SeedOptions::default().statuses)]
    statuses: i64,
    /// Accounts the viewer follows.
    #[arg(long, default_value_t = SeedOptions::default().following)]
    following: i64,
    /// Follows made by each other account (about).
    #[arg(long, default_value_t = SeedOptions::default().follows_per_account)]
    follows_per_account: i64,
    #[arg(long, default_value_t = SeedOptions::default().tags)]
    tags: i64,
    #[arg(long, default_value_t = SeedOptions::default().favourites)]
    favourites: i64,
    /// Days the statuses are spread over.
    #[arg(long, default_value_t = SeedOptions::default().days)]
    days: i64,
}

impl SeedBenchArgs {
    fn options(&self) -> SeedOptions {
        SeedOptions {
            accounts: self.accounts,
            statuses: self.statuses,
            following: self.following,
            follows_per_account: self.follows_per_account,
            tags: self.tags,
            favourites: self.favourites,
            days: self.days,
        }
    }
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Jobs per lane and state, the oldest ready job's age, and failing hosts.
    Stats,
    /// Jobs that failed for good, with their errors.
    Dead {
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Put a dead job (or all of them) back in the queue.
    Retry {
        /// The job id (see `jobs dead`).
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        all_dead: bool,
    },
}

#[derive(Args)]
struct CreateAccountArgs {
    #[arg(long)]
    username: String,
    #[arg(long)]
    email: String,
    /// Generated and printed when omitted.
    #[arg(long)]
    password: Option<String>,
    #[arg(long, default_value = "user")]
    role: Role,
    /// Skip the confirmation e-mail.
    #[arg(long)]
    confirmed: bool,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Append a rule.
    Add {
        text: String,
        #[arg(long, default_value = "")]
        hint: String,
    },
    /// List rules with their ids.
    List,
    /// Remove a rule by id.
    Remove { id: String },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Set one of: site_title, site_short_description, site_extended_description,
    /// site_contact_email, site_contact_username.
    Set { key: String, value: String },
    /// Show all settings.
    List,
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: could not read the configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve { no_worker: false }) {
        Command::Serve { no_worker } => serve(config, !no_worker).await,
        Command::Worker => work(config).await,
        Command::Migrate => starling::connect(config)
            .await
            .map(|_| println!("database is up to date"))
            .map_err(|e| e.to_string()),
        Command::Admin(cmd) => run_admin(config, cmd).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("starling=info,tower_http=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

async fn serve(config: Config, with_worker: bool) -> Result<(), String> {
    let bind = config.http.bind.clone();
    let app = starling::build(config).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = with_worker.then(|| {
        let options = WorkerOptions::from_config(&app.state.config.worker);
        let worker = Worker::new(app.state.clone(), options);
        tokio::spawn(async move { worker.run(stopped).await })
    });
    tracing::info!(address = %bind, url = %app.state.urls.base(), worker = with_worker, "Starling is serving");
    let server = axum::serve(listener, starling::http::service(app.router)).with_graceful_shutdown(
        async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        },
    );
    server.await.map_err(|e| e.to_string())?;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn work(config: Config) -> Result<(), String> {
    let state = starling::connect(config).await.map_err(|e| e.to_string())?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = Worker::new(
        state.clone(),
        WorkerOptions::from_config(&state.config.worker),
    );
    let run = tokio::spawn(async move { worker.run(stopped).await });
    shutdown_signal().await;
    tracing::info!("stopping: finishing in-flight jobs");
    let _ = stop.send(true);
    let _ = run.await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn run_admin(config: Config, cmd: AdminCommand) -> Result<(), String> {
    let state = starling::connect(config).await.map_err(|e| e.to_string())?;
    let err = |e: starling::error::AppError| e.to_string();
    match cmd {
        AdminCommand::CreateAccount(a) => {
            let generated = a.password.is_none();
            let (user, password) = admin::create_account(
                &state,
                &admin::CreateAccount {
                    username: a.username.clone(),
                    email: a.email,
                    password: a.password,
                    role: a.role,
                    confirmed: a.confirmed,
                },
            )
            .await
            .map_err(err)?;
            println!(
                "created @{} (account {}, role {})",
                a.username,
                user.account_id,
                user.role()
            );
            if generated {
                println!("password: {password}");
            }
            if !a.confirmed {
                println!("a confirmation e-mail was sent to {}", user.email);
            }
        }
        AdminCommand::SetRole { username, role } => {
            admin::set_role(&state, &username, role)
                .await
                .map_err(err)?;
            println!("@{username} is now {role}");
        }
        AdminCommand::Confirm { username } => {
            admin::confirm(&state, &username).await.map_err(err)?;
            println!("@{username} is confirmed");
        }
        AdminCommand::ResetPassword { username, password } => {
            let generated = password.is_none();
            let password = admin::reset_password(&state, &username, password)
                .await
                .map_err(err)?;
            println!("password of @{username} changed; all sessions ended");
            if generated {
                println!("password: {password}");
            }
        }
        AdminCommand::Rules(RulesCommand::Add { text, hint }) => {
            let id = instance::add_rule(&state, &text, &hint)
                .await
                .map_err(err)?;
            println!("added rule {id}");
        }
        AdminCommand::Rules(RulesCommand::List) => {
            for (i, r) in instance::info(&state)
                .await
                .map_err(err)?
                .rules
                .iter()
                .enumerate()
            {
                println!("{}\t{}\t{}", i + 1, r.id, r.text);
            }
        }
        AdminCommand::Rules(RulesCommand::Remove { id }) => {
            let id: RuleId = id
                .parse()
                .map_err(|_| format!("{id:?} is not a rule id (see `rules list`)"))?;
            instance::remove_rule(&state, id).await.map_err(err)?;
            println!("removed rule {id}");
        }
        AdminCommand::Settings(SettingsCommand::Set { key, value }) => {
            instance::set_setting(&state, &key, &value)
                .await
                .map_err(err)?;
            println!("{key} set");
        }
        AdminCommand::Jobs(JobsCommand::Stats) => {
            let report = admin::queue_report(&state).await.map_err(err)?;
            println!("lane\tstate\tjobs\toldest ready (s)");
            for l in &report.lanes {
                let age = l
                    .oldest_ready_secs
                    .map(|s| format!("{s:.0}"))
                    .unwrap_or_else(|| "-".into());
                println!("{}\t{}\t{}\t{}", l.lane, l.state, l.count, age);
            }
            if report.hosts.is_empty() {
                println!("all delivery hosts healthy");
            } else {
                println!("host\tfailures\tcircuit open until\tunavailable since\tlast error");
                for h in &report.hosts {
                    let t = |t: Option<time::OffsetDateTime>| {
                        t.map(|t| t.to_string()).unwrap_or_else(|| "-".into())
                    };
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        h.host,
                        h.consecutive_failures,
                        t(h.circuit_open_until),
                        t(h.unavailable_since),
                        h.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        AdminCommand::Jobs(JobsCommand::Dead { limit }) => {
            let dead = admin::dead_jobs(&state, limit).await.map_err(err)?;
            if dead.is_empty() {
                println!("no dead jobs");
            }
            for j in dead {
                println!(
                    "{}\t{}\t{}\t{}\tattempts {}\t{}",
                    j.id,
                    j.lane,
                    j.kind,
                    j.host.as_deref().unwrap_or("-"),
                    j.attempts,
                    j.last_error.as_deref().unwrap_or("")
                );
            }
        }
        AdminCommand::Jobs(JobsCommand::Retry { id, all_dead }) => {
            if id.is_none() && !all_dead {
                return Err("give a job id or --all-dead".into());
            }
            let n = admin::retry_dead_jobs(&state, id).await.map_err(err)?;
            println!("{n} job(s) queued again");
        }
        AdminCommand::SeedBench(a) => seed_bench(&state, &a.options()).await?,
        AdminCommand::Settings(SettingsCommand::List) => {
            let info = instance::info(&state).await.map_err(err)?;
            println!("site_title\t{}", info.title);
            println!("site_short_description\t{}", info.short_description);
            println!("site_extended_description\t{}", info.extended_description);
            println!("site_contact_email\t{}", info.contact_email);
            println!("site_contact_username\t{}", info.contact_username);
        }
    }
    Ok(())
}

/// `admin seed-bench`: seeds (or finds the same seed already there), then prints what
/// is in the database and how to act as the viewer.
async fn seed_bench(
    state: &starling::state::AppState,
    options: &SeedOptions,
) -> Result<(), String> {
    // An operator needs the cause of a failed seed, not the API's safe message.
    let err = |e: starling::error::AppError| format!("{e:?}");
    let started = std::time::Instant::now();
    let seeded = seed::seed_bench(state, options).await.map_err(err)?;
    let s = seeded.shape;
    if seeded.reused {
        println!("already seeded with these counts; nothing changed");
    } else {
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
    }
    println!(
        "accounts: {}\nstatuses: {} ({} boosts, {} replies, {} with hashtags)\nmentions: {}\nfollows: {} ({} by the viewer)\nfavourites: {}",
        s.accounts,
        s.statuses,
        s.boosts,
        s.replies,
        s.tagged,
        s.mentions,
        s.follows,
        s.viewer_following,
        s.favourites
    );
    let token = seed::viewer_token(state).await.map_err(err)?;
    println!("viewer: @{} (password: {})", seed::VIEWER, seed::PASSWORD);
    println!("token: {token}");
    Ok(())
}
