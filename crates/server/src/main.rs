//! `clipdesk-server`: the command line over the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use clipdesk_server::auth::Role;
use clipdesk_server::configuration::{Config, Flags};
use clipdesk_server::db::Db;
use clipdesk_server::objects::{MediaStore, S3Settings};
use clipdesk_server::startup::StopSignals;
use clipdesk_server::telemetry::{self, LogFormat};
use clipdesk_server::{
    Server, backup, campaigns, doctor, releases, storage_migrate, tokens, webhooks,
};

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
    /// Campaigns, for an admin on the server machine.
    Campaign {
        #[command(subcommand)]
        action: CampaignAction,
        /// Folder of the server's data [default: clipdesk-data]
        #[arg(long, global = true, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
    /// Desktop releases offered to the desktops connected to this server (their updater).
    Release {
        #[command(subcommand)]
        action: ReleaseAction,
        /// Folder of the server's data (releases are kept there) [default: clipdesk-data]
        #[arg(long, global = true, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
    /// Webhooks: endpoints that get the feed's events, signed (Standard Webhooks), at least
    /// once. A running server picks up changes made here.
    Webhook {
        #[command(subcommand)]
        action: WebhookAction,
        /// Folder of the server's data (the database holds the endpoints) [default: clipdesk-data]
        #[arg(long, global = true, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
    /// Where media are kept (`storage` setting): moving a data folder's videos into a bucket.
    Storage {
        #[command(subcommand)]
        action: StorageAction,
    },
}

#[derive(Subcommand)]
enum StorageAction {
    /// Move every video's files from the data folder's videos/ into a bucket, each object
    /// checked (size and SHA-256) before the local copy is deleted. Safe to run again, and
    /// while the server runs; unfinished uploads stay local.
    Migrate {
        /// The bucket (and prefix) to move into: s3://BUCKET/PREFIX.
        #[arg(long)]
        to: String,
        /// S3-compatible server URL (R2, B2, MinIO, Garage…); unset for AWS
        #[arg(long, env = "CLIPDESK_S3_ENDPOINT")]
        s3_endpoint: Option<String>,
        /// The bucket's region [default: us-east-1]
        #[arg(long, env = "CLIPDESK_S3_REGION")]
        s3_region: Option<String>,
        /// Path-style bucket URLs (endpoint/bucket/key), as MinIO and Garage want
        #[arg(
            long,
            env = "CLIPDESK_S3_PATH_STYLE",
            num_args = 0..=1,
            default_missing_value = "true"
        )]
        s3_path_style: Option<bool>,
        /// Folder of the server's data [default: clipdesk-data]
        #[arg(long, env = "CLIPDESK_DATA")]
        data: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ReleaseAction {
    /// Publish a .deb or .rpm of the desktop app with its signature (the .sig file `./dev
    /// package` writes when TAURI_SIGNING_PRIVATE_KEY is set).
    Add {
        /// Its semantic version, e.g. 0.2.0.
        #[arg(long)]
        version: String,
        /// The package, named as the bundler names it (clipdesk_0.2.0_amd64.deb).
        #[arg(long)]
        file: PathBuf,
        /// Its signature file (clipdesk_0.2.0_amd64.deb.sig).
        #[arg(long)]
        signature: PathBuf,
        /// What the desktops show beside the offer.
        #[arg(long)]
        notes: Option<String>,
    },
    /// List published releases, newest first.
    List,
    /// Stop offering a version and delete its files.
    Remove {
        #[arg(long)]
        version: String,
    },
}

#[derive(Subcommand)]
enum WebhookAction {
    /// Add an endpoint for events from now on; its secret (`whsec_…`) is printed once, on the
    /// last line of stdout.
    Add {
        /// http:// or https:// URL the events are POSTed to.
        url: String,
        /// Event kinds, comma-separated: video_ready,review_set,link_declined…
        #[arg(long, required = true, value_delimiter = ',')]
        events: Vec<String>,
    },
    /// List endpoints with their pending, delivered and failed deliveries.
    List,
    /// Stop delivering to an endpoint (its pending deliveries end failed).
    Remove { id: String },
    /// The delivery log, newest first: of one endpoint, or of all.
    Deliveries {
        id: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Subcommand)]
enum CampaignAction {
    /// Delete a campaign that has no videos or uploads: its links and claims go, the DMs sent
    /// for it still count for pacing and the hold. Refused (exit status 1) while it has any.
    Delete {
        #[arg(long)]
        slug: String,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Make a token; it is printed once, on the last line of stdout.
    Create {
        #[arg(long)]
        name: String,
        /// Comma-separated roles: admin (tokens, webhooks, deleting campaigns), operator
        /// (campaigns, recipients, claims, outcomes), reviewer (videos, reviews).
        #[arg(long, default_value = "admin,operator,reviewer")]
        role: String,
    },
    /// List tokens (names, roles and dates, never the tokens).
    List,
    /// Revoke the token with this name; requests with it get 401 from then on.
    Revoke { name: String },
}

/// The configuration and database an admin command works on: the config file's data folder,
/// or `--data` when given (made when missing).
fn open_data(file: Option<&Path>, data: Option<PathBuf>) -> anyhow::Result<(Config, Db)> {
    let settings = Flags {
        data,
        ..Flags::default()
    };
    let config = Config::load(file, &settings)?;
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    let db = Db::open(&config.database_path())?;
    Ok((config, db))
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
            if let Some(bucket) = &manifest.media_storage {
                println!(
                    "media are in {bucket} and were not copied: back the bucket up with its own \
                     tools (versioning, replication, rclone)"
                );
            }
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
            let (_, db) = open_data(file, data)?;
            let conn = db.lock()?;
            match action {
                TokenAction::Create { name, role } => {
                    let roles =
                        Role::parse_list(&role).map_err(|err| anyhow::anyhow!("--role: {err}"))?;
                    let token = tokens::create_with_roles(&conn, &name, &roles)?;
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
                        println!(
                            "{}\t{}\tcreated {}\t{state}",
                            t.name,
                            Role::join(&t.roles),
                            t.created_at
                        );
                    }
                }
                TokenAction::Revoke { name } => {
                    tokens::revoke(&conn, &name)?;
                    eprintln!("revoked {name:?}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Campaign {
            action: CampaignAction::Delete { slug },
            data,
        } => {
            let (_, db) = open_data(file, data)?;
            match campaigns::delete_now(&db, &slug, "command line") {
                Ok(deleted) => {
                    println!(
                        "deleted campaign {slug:?} and its {} link(s); its sends still count",
                        deleted.links
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(err) => {
                    eprintln!("error: {err:#}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Webhook { action, data } => {
            let (_, db) = open_data(file, data)?;
            let mut conn = db.lock()?;
            match action {
                WebhookAction::Add { url, events } => {
                    let (endpoint, secret) = webhooks::add(&conn, &url, &events)?;
                    println!("{}", endpoint.id);
                    eprintln!(
                        "webhook {} for {} ({}); its signing secret (shown once):",
                        endpoint.id,
                        endpoint.url,
                        endpoint.events.join(",")
                    );
                    println!("{secret}");
                }
                WebhookAction::List => {
                    for w in webhooks::list(&conn)? {
                        println!(
                            "{}\t{}\t{}\tpending {}\tdelivered {}\tfailed {}",
                            w.id,
                            w.url,
                            w.events.join(","),
                            w.pending,
                            w.delivered,
                            w.failed
                        );
                    }
                }
                WebhookAction::Remove { id } => {
                    webhooks::remove(&mut conn, &id)?;
                    eprintln!("removed {id}");
                }
                WebhookAction::Deliveries { id, limit } => {
                    let limit = limit.clamp(1, webhooks::MAX_DELIVERIES_LISTED);
                    for d in webhooks::deliveries(&conn, id.as_deref(), limit)? {
                        println!(
                            "{}\t{}\tevent {} {}\t{}\tattempts {}\tlast status {}\t{}",
                            d.id,
                            d.endpoint,
                            d.event_seq,
                            d.kind,
                            d.state.as_str(),
                            d.attempts,
                            d.last_status
                                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                            d.last_error.as_deref().unwrap_or("-")
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Storage {
            action:
                StorageAction::Migrate {
                    to,
                    s3_endpoint,
                    s3_region,
                    s3_path_style,
                    data,
                },
        } => {
            let settings = Flags {
                data,
                s3_endpoint,
                s3_region,
                s3_path_style,
                ..Flags::default()
            };
            let config = Config::load(file, &settings)?;
            let store = MediaStore::from_url(&to, &S3Settings::from_config(&config))?;
            let runtime = tokio::runtime::Runtime::new().context("cannot start the runtime")?;
            let summary = runtime.block_on(storage_migrate::migrate(&config, &store, |line| {
                println!("{line}")
            }))?;
            for line in summary.closing(&config, store.storage()) {
                println!("{line}");
            }
            Ok(match summary.failures.first() {
                Some((video, err)) => {
                    eprintln!("error: video {video} was not moved: {err:#}");
                    ExitCode::FAILURE
                }
                None => ExitCode::SUCCESS,
            })
        }
        Command::Release { action, data } => {
            let (config, db) = open_data(file, data)?;
            let mut conn = db.lock()?;
            match action {
                ReleaseAction::Add {
                    version,
                    file,
                    signature,
                    notes,
                } => {
                    let release = releases::add(
                        &config,
                        &mut conn,
                        &releases::NewRelease {
                            version: &version,
                            file: &file,
                            signature: &signature,
                            notes: notes.as_deref(),
                        },
                    )?;
                    println!(
                        "published {} {} ({}, {:.1} MiB): desktops on an older version will be \
                         offered it",
                        release.version,
                        release.format,
                        release.arch,
                        release.size as f64 / 1048576.0
                    );
                }
                ReleaseAction::List => {
                    for r in releases::list(&conn)? {
                        println!(
                            "{}\t{}\t{}\t{}\t{} bytes\tpublished {}",
                            r.version,
                            r.format,
                            r.arch,
                            r.file_name,
                            r.size,
                            clipdesk_protocol::clock::to_rfc3339(r.published_at_ms)
                        );
                    }
                }
                ReleaseAction::Remove { version } => {
                    for r in releases::remove(&config, &mut conn, &version)? {
                        println!("removed {} {} ({})", r.version, r.format, r.file_name);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
