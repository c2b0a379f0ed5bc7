//! The `starling` command: `serve`, `migrate` and `admin …`.

use clap::{Args, Parser, Subcommand};
use starling::config::Config;
use starling::db::users::Role;
use starling::id::RuleId;
use starling::service::{admin, instance};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Serve HTTP (the default): creates and migrates the database first.
    Serve,
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
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
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

async fn serve(config: Config) -> Result<(), String> {
    let bind = config.http.bind.clone();
    let app = starling::build(config).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    tracing::info!(address = %bind, url = %app.state.urls.base(), "Starling is serving");
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
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
