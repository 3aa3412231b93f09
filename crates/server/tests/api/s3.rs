//! A real S3-protocol server on loopback for the object-storage tests: s3s-fs, which keeps each
//! bucket as a folder of its root and each object as a file named by its key.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The version `./dev` installs; newer ones need a newer rustc than the project's.
const S3S_FS_VERSION: &str = "0.14.1";

/// One s3s-fs process with one empty bucket, killed on drop.
pub struct S3Server {
    /// `http://127.0.0.1:PORT`, for `--s3-endpoint` (path-style requests).
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// The folder s3s-fs serves: `root/<bucket>/<key>` is an object's bytes.
    pub root: TempDir,
    child: Child,
}

impl S3Server {
    /// Starts s3s-fs on a free loopback port with a bucket `clips` and waits until it answers.
    pub fn start() -> Self {
        let binary = s3s_fs_binary();
        let root = tempfile::tempdir().expect("temp folder for the bucket");
        let bucket = "clips".to_owned();
        // s3s-fs has no CreateBucket of its own: a bucket is a folder under its root.
        std::fs::create_dir(root.path().join(&bucket)).expect("bucket folder");
        let access_key = "clipdesk-test-key".to_owned();
        let secret_key = "clipdesk-test-secret".to_owned();
        // A port found free can be taken before s3s-fs binds it: try a few.
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(root.path().join(".s3s-fs.log")).expect("log file");
            let mut child = Command::new(&binary)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", &access_key, "--secret-key", &secret_key])
                .arg(root.path())
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("{} does not start: {e}", binary.display()));
            match wait_until_listening(&mut child, port) {
                Ok(()) => {
                    return Self {
                        endpoint: format!("http://127.0.0.1:{port}"),
                        bucket,
                        access_key,
                        secret_key,
                        root,
                        child,
                    };
                }
                Err(why) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let log = std::fs::read_to_string(root.path().join(".s3s-fs.log"))
                        .unwrap_or_default();
                    last_error = format!("{why}; its log:\n{log}");
                }
            }
        }
        panic!("s3s-fs did not start: {last_error}")
    }

    /// `s3://<bucket>/<prefix>` (`s3://<bucket>` for an empty prefix): the `--storage` value.
    pub fn storage_url(&self, prefix: &str) -> String {
        if prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{prefix}", self.bucket)
        }
    }

    /// The `clipdesk-server` flags that put media in this bucket under `prefix`; the
    /// credentials go in the environment ([`Self::credentials_env`]), as an admin sets them.
    pub fn server_args(&self, prefix: &str) -> Vec<String> {
        vec![
            "--storage".into(),
            self.storage_url(prefix),
            "--s3-endpoint".into(),
            self.endpoint.clone(),
            "--s3-region".into(),
            "us-east-1".into(),
            "--s3-path-style".into(),
            "true".into(),
        ]
    }

    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for this server.
    pub fn credentials_env(&self) -> [(&'static str, String); 2] {
        [
            ("AWS_ACCESS_KEY_ID", self.access_key.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_key.clone()),
        ]
    }

    /// Adds [`Self::server_args`] and [`Self::credentials_env`] to a `clipdesk-server` command.
    pub fn configure<'c>(&self, command: &'c mut Command, prefix: &str) -> &'c mut Command {
        command
            .args(self.server_args(prefix))
            .envs(self.credentials_env())
    }

    /// Where the object `key` of the bucket is kept (it may not exist).
    pub fn object_path(&self, key: &str) -> PathBuf {
        self.root.path().join(&self.bucket).join(key)
    }

    /// Every object key in the bucket that starts with `prefix`, sorted.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let bucket = self.root.path().join(&self.bucket);
        let mut keys = Vec::new();
        collect_files(&bucket, &bucket, &mut keys);
        keys.retain(|key| key.starts_with(prefix));
        keys.sort();
        keys
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// s3s-fs on PATH, else in ~/.cargo/bin (where `cargo install` puts it).
fn s3s_fs_binary() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("s3s-fs"));
    let in_cargo = std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo/bin/s3s-fs"));
    on_path
        .chain(in_cargo)
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "s3s-fs {S3S_FS_VERSION} is not installed (neither on PATH nor in ~/.cargo/bin): \
                 run ./dev to install s3s-fs"
            )
        })
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Waits until `child` accepts connections on `port`, or says why not.
fn wait_until_listening(child: &mut Child, port: u16) -> Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!(
                "it exited with {status} before listening on {addr}"
            ));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("it did not listen on {addr} within 20 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The paths of the files under `dir`, relative to `base` with `/` between folders.
fn collect_files(base: &Path, dir: &Path, into: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.map(|e| e.expect("bucket folder readable")) {
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            collect_files(base, &path, into);
        } else {
            let relative = path.strip_prefix(base).expect("under the bucket");
            let key: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            into.push(key.join("/"));
        }
    }
}
