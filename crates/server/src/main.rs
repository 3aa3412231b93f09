//! `clipdesk-server`: the command line over the library.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use clipdesk_server::Server;
use clipdesk_server::configuration::{Config, DEFAULT_LISTEN};
use clipdesk_server::telemetry::{self, LogFormat};

#[derive(Parser)]
#[command(
    name = "clipdesk-server",
    version,
    about = "The clipdesk server: links, recorder page, uploads, event feed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, the recorder page and uploads until SIGINT/SIGTERM.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Folder for the database, uploads and videos (created when missing).
    #[arg(long, env = "CLIPDESK_DATA", default_value = "clipdesk-data")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, env = "CLIPDESK_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Base URL that recipients' links are built on, e.g. https://clips.example.com
    #[arg(long, env = "CLIPDESK_PUBLIC_URL")]
    public_url: Option<String>,
    #[arg(long, env = "CLIPDESK_LOG_FORMAT", value_enum, default_value = "text")]
    log_format: LogFormat,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => {
            telemetry::init(args.log_format);
            let config = Config {
                data_dir: args.data,
                listen: args.listen,
                public_url: args.public_url,
            };
            Server::start(config).await?.run_until_signal().await
        }
    }
}
