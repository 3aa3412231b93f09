//! `clipdesk-server`: the command line over the library.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clipdesk_server::configuration::{Config, Flags};
use clipdesk_server::db::Db;
use clipdesk_server::startup::StopSignals;
use clipdesk_server::telemetry::{self, LogFormat};
use clipdesk_server::{Server, backup, doctor, tokens};

#[derive(Parser)]
#[command(
    name = "clipdesk-server",
    version,
    about = "The clipdesk server: links, recorder page, resumable uploads, event feed"
)]
struct Cli {
    /// Optional TOML file with any of the settings (flags and environment win over it).
    #[arg(long, global = true, env = "CLIPDESK_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the recorder page and uploads until SIGINT/SIGTERM.
    Serve {
        #[command(flatten)]
        settings: Box<Flags>,
        #[arg(long, env = "CLIPDESK_LOG_FORMAT", value_enum, default_value = "text")]
        log_format: LogFormat,
    },
    /// Check what a deployment needs (ffmpeg, the data folder, the secret key, the public URL,
    /// the clock): one line per check, exit status 1 when any fails.
    Doctor {
        #[command(flatten)]
        settings: Box<Flags>,
    },
    /// Copy the database (a consistent snapshot) and the media files it names into a new folder,
    /// while the server runs.
    Backup {
        /// The backup folder to make; it must not exist yet (or be empty).
        #[arg(long)]
        to: PathBuf,
        /// Folder of the server's data [default: clipdesk-data]
        #[arg(long, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
    /// Restore a backup into a new (or empty) data folder, checking every file against the
    /// backup's manifest; the restored folder gets its own instance id.
    Restore {
        /// The backup folder (made by `clipdesk-server backup`).
        #[arg(long)]
        from: PathBuf,
        /// The data folder to restore into: absent or empty.
        #[arg(long)]
        data: PathBuf,
    },
    /// Operators' API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
        /// Folder of the server's data (the database holds the tokens) [default: clipdesk-data]
        #[arg(long, global = true, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Make a token; it is printed once, on the last line of stdout.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List tokens (names and dates, never the tokens).
    List,
    /// Revoke the token with this name; requests with it get 401 from then on.
    Revoke { name: String },
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let file = cli.config.as_deref();
    match cli.command {
        Command::Serve {
            settings,
            log_format,
        } => {
            telemetry::init(log_format);
            let config = Config::load(file, &settings)?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            let stopped = runtime.block_on(async {
                let mut signals = StopSignals::install()?;
                Server::start(config).await?.run_until(&mut signals).await
            });
            // A blocking task still running (a file write on a stalled disk) must not hold
            // the process past the grace the server already gave its requests.
            runtime.shutdown_timeout(Duration::from_secs(1));
            stopped.map(|()| ExitCode::SUCCESS)
        }
        Command::Doctor { settings } => {
            let config = Config::load(file, &settings)?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            let report = runtime.block_on(doctor::run(&config));
            for check in &report.checks {
                println!("{check}");
            }
            println!("{}", report.summary());
            Ok(if report.failed() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Backup { to, data } => {
            let settings = Flags {
                data,
                ..Flags::default()
            };
            let config = Config::load(file, &settings)?;
            let started = std::time::Instant::now();
            let manifest = backup::backup(&config, &to)?;
            println!(
                "backed up {} into {}: {} videos, {} files, {:.1} MiB, events up to {}, in {:.1} s",
                config.data_dir.display(),
                to.display(),
                manifest.videos,
                manifest.files.len(),
                manifest.bytes() as f64 / 1048576.0,
                manifest.last_event_seq,
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from, data } => {
            let restored = backup::restore(&from, &data)?;
            let manifest = &restored.manifest;
            println!(
                "restored {} (taken {}) into {}: {} videos, {} files, events up to {}; new \
                 instance id {} (secret.key is made at first start, so media URLs signed \
                 before stop working)",
                from.display(),
                manifest.created_at,
                data.display(),
                manifest.videos,
                manifest.files.len(),
                manifest.last_event_seq,
                restored.instance_id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { action, data } => {
            let settings = Flags {
                data,
                ..Flags::default()
            };
            let config = Config::load(file, &settings)?;
            std::fs::create_dir_all(&config.data_dir).with_context(|| {
                format!("cannot create data folder {}", config.data_dir.display())
            })?;
            let db = Db::open(&config.database_path())?;
            let conn = db.lock()?;
            match action {
                TokenAction::Create { name } => {
                    let token = tokens::create(&conn, &name)?;
                    eprintln!(
                        "token for {name:?} (shown once; store it in the desktop's Settings):"
                    );
                    println!("{}", token.as_str());
                }
                TokenAction::List => {
                    for t in tokens::list(&conn)? {
                        let state = t
                            .revoked_at
                            .map_or_else(|| "active".to_owned(), |at| format!("revoked {at}"));
                        println!("{}\tcreated {}\t{state}", t.name, t.created_at);
                    }
                }
                TokenAction::Revoke { name } => {
                    tokens::revoke(&conn, &name)?;
                    eprintln!("revoked {name:?}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
