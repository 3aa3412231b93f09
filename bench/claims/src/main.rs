//! `claims-bench`: issue 13's team-mode figures against a release clipdesk-server it starts on
//! 127.0.0.1 with a fresh data folder (bench/claims/run builds it and writes the report).
//!
//! 1. Claims per second under OPERATORS concurrent operators (one token and one HTTP client
//!    each, `token create --role operator`), each looping claim → `PUT outcome sent` on one
//!    campaign (daily_cap 10000, spacing_s 0) of RECIPIENTS links, for SECONDS or until the
//!    pool is empty; beside it, in the same run and at the same concurrency, the reference: a
//!    write of the same weight that already exists (`POST /api/v1/campaigns/ref/links` with
//!    one new recipient: one IMMEDIATE transaction and one event).
//! 2. "Start next" as one operator feels it, one after the other: through clipdesk-core
//!    (`team::next` → `team::mark`, as the Queue calls them, a store of its own) and over bare HTTP.
//! 3. Outcome propagation: A records outcomes; B is a desktop's sync loop (`sync::spawn`,
//!    from A's answer to the page applied in B's store) or a bare long-poll (to B's page).
//!
//! Every figure counts only right answers: a claim must be a link of the campaign, for the
//! operator who asked, never handed out twice; the outcome must answer `sent` for that claim;
//! after the run the feed must hold exactly one `outcome_set` per claimed person.
//!
//!   claims-bench --server PATH --data DIR [--port 18797] [--operators 20] [--recipients 50000]
//!                [--seconds 20] [--sequential 1000] [--propagation 200] [--gap-ms 50]
//!                [--out FILE.md] [--command TEXT] [--load-before TEXT]

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clipdesk_core::campaigns::{self, CampaignInput};
use clipdesk_core::client::ServerClient;
use clipdesk_core::queue::{NextStep, Outcome};
use clipdesk_core::store::StoreHandle;
use clipdesk_core::sync;
use clipdesk_core::team::{self, NextAsk};
use clipdesk_core::templates::{Part, Template};
use clipdesk_protocol::api::{CreatedLinks, EventsPage};
use clipdesk_protocol::team::{ClaimCreated, ClaimView};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CAMPAIGN: &str = "claims";
const REFERENCE: &str = "ref";
const SEQUENTIAL: &str = "seq";
const PROPAGATION: &str = "prop";
/// The same two through clipdesk-core (a desktop's store): the local campaigns' names give
/// these slugs.
const CORE_SEQUENTIAL: &str = "coreseq";
const CORE_PROPAGATION: &str = "coreprop";
const WARMUP: usize = 20;

struct Args {
    server: PathBuf,
    data: PathBuf,
    port: u16,
    operators: usize,
    recipients: usize,
    seconds: f64,
    sequential: usize,
    propagation: usize,
    gap_ms: u64,
    out: Option<PathBuf>,
    command: String,
    load_before: String,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut args = Args {
        server: PathBuf::new(),
        data: PathBuf::new(),
        port: 18797,
        operators: 20,
        recipients: 50_000,
        seconds: 20.0,
        sequential: 1000,
        propagation: 200,
        gap_ms: 50,
        out: None,
        command: "claims-bench".into(),
        load_before: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let number = |v: &str| -> anyhow::Result<usize> {
            v.parse()
                .with_context(|| format!("{flag}: {v:?} is not a whole number"))
        };
        match flag.as_str() {
            "--server" => args.server = value.into(),
            "--data" => args.data = value.into(),
            "--port" => args.port = number(&value)?.try_into().context("--port: too large")?,
            "--operators" => args.operators = number(&value)?,
            "--recipients" => args.recipients = number(&value)?,
            "--seconds" => {
                args.seconds = value
                    .parse()
                    .with_context(|| format!("--seconds: {value:?}"))?
            }
            "--sequential" => args.sequential = number(&value)?,
            "--propagation" => args.propagation = number(&value)?,
            "--gap-ms" => args.gap_ms = number(&value)? as u64,
            "--out" => args.out = Some(value.into()),
            "--command" => args.command = value,
            "--load-before" => args.load_before = value,
            other => bail!("unknown flag {other}; see the doc comment of bench/claims/src/main.rs"),
        }
    }
    if args.server.as_os_str().is_empty() || args.data.as_os_str().is_empty() {
        bail!("--server and --data are required");
    }
    if args.operators == 0 {
        bail!("--operators must be at least 1");
    }
    Ok(args)
}

/// The server process, stopped with SIGTERM (then killed) when dropped.
struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        for _ in 0..100 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(server: &Path, data: &Path, argv: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(server)
        .args(argv)
        .arg("--data")
        .arg(data)
        .output()
        .with_context(|| format!("cannot run {}", server.display()))?;
    if !out.status.success() {
        bail!(
            "{} {}: {}",
            server.display(),
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stdout = String::from_utf8(out.stdout)?;
    Ok(stdout.trim().lines().last().unwrap_or_default().to_owned())
}

fn operator_token(server: &Path, data: &Path, name: &str) -> anyhow::Result<String> {
    cli(
        server,
        data,
        &["token", "create", "--name", name, "--role", "operator"],
    )
}

/// One HTTP client per operator, as each desktop has its own.
fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?)
}

#[derive(Clone)]
struct Api {
    base: String,
    http: reqwest::Client,
    token: String,
    name: String,
}

impl Api {
    fn new(base: &str, token: &str, name: &str) -> anyhow::Result<Self> {
        Ok(Self {
            base: base.to_owned(),
            http: client()?,
            token: token.to_owned(),
            name: name.to_owned(),
        })
    }

    async fn put_campaign(&self, slug: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .put(format!("{}/api/v1/campaigns/{slug}", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"title": format!("Bench {slug}"), "daily_cap": 10000, "spacing_s": 0, "hold_days": 0}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "PUT campaign {slug}: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// POSTs the handles; answers the link tokens the server made (created = true only).
    async fn add_links(&self, slug: &str, handles: &[String]) -> anyhow::Result<Vec<String>> {
        let recipients: Vec<Value> = handles.iter().map(|h| json!({"handle": h})).collect();
        let r = self
            .http
            .post(format!("{}/api/v1/campaigns/{slug}/links", self.base))
            .bearer_auth(&self.token)
            .json(&json!({ "recipients": recipients }))
            .send()
            .await?;
        let status = r.status();
        if !status.is_success() {
            bail!(
                "POST links: {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
        let links: CreatedLinks = r.json().await?;
        if links.links.len() != handles.len() || links.links.iter().any(|l| !l.created) {
            bail!(
                "POST links of {} new handles answered {} links, not all created",
                handles.len(),
                links.links.len()
            );
        }
        Ok(links.links.into_iter().map(|l| l.token).collect())
    }

    /// `Ok(None)`: nobody left (204).
    async fn claim(&self, slug: &str) -> anyhow::Result<Option<ClaimCreated>> {
        self.claim_with(slug, json!({})).await
    }

    async fn claim_with(&self, slug: &str, body: Value) -> anyhow::Result<Option<ClaimCreated>> {
        let r = self
            .http
            .post(format!("{}/api/v1/campaigns/{slug}/claims", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await?;
        match r.status() {
            StatusCode::CREATED => {
                let created: ClaimCreated = r.json().await?;
                if created.claim.operator != self.name || created.claim.campaign != slug {
                    bail!(
                        "{} asked for a claim in {slug} and got one for {} in {}",
                        self.name,
                        created.claim.operator,
                        created.claim.campaign
                    );
                }
                Ok(Some(created))
            }
            StatusCode::NO_CONTENT => Ok(None),
            status => bail!(
                "POST claims: {status} {}",
                r.text().await.unwrap_or_default()
            ),
        }
    }

    async fn sent(&self, claim: &str) -> anyhow::Result<()> {
        let r = self
            .http
            .put(format!("{}/api/v1/claims/{claim}/outcome", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"outcome": "sent"}))
            .send()
            .await?;
        let status = r.status();
        if status != StatusCode::OK {
            bail!(
                "PUT outcome: {status} {}",
                r.text().await.unwrap_or_default()
            );
        }
        let view: ClaimView = r.json().await?;
        if view.claim.id != claim || view.state != "sent" {
            bail!(
                "PUT outcome sent for {claim} answered claim {} in state {}",
                view.claim.id,
                view.state
            );
        }
        Ok(())
    }

    async fn events(&self, after: i64, wait: u64) -> anyhow::Result<EventsPage> {
        let r = self
            .http
            .get(format!(
                "{}/api/v1/events?after={after}&limit=1000&wait={wait}",
                self.base
            ))
            .bearer_auth(&self.token)
            .send()
            .await?;
        if !r.status().is_success() {
            bail!(
                "GET events: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            );
        }
        Ok(r.json().await?)
    }

    /// The feed's last seq now.
    async fn last_seq(&self) -> anyhow::Result<i64> {
        let mut after = 0;
        loop {
            let page = self.events(after, 0).await?;
            after = page.next_after;
            if !page.more {
                return Ok(after);
            }
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Nearest-rank percentile of an already sorted list.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

struct Latency {
    n: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

impl Latency {
    fn of(v: Vec<f64>) -> Self {
        let s = sorted(v);
        Self {
            n: s.len(),
            p50: pct(&s, 50.0),
            p99: pct(&s, 99.0),
            max: s.last().copied().unwrap_or(f64::NAN),
        }
    }
    fn cells(&self) -> String {
        format!("{:.2} | {:.2} | {:.2}", self.p50, self.p99, self.max)
    }
}

#[derive(Default)]
struct Worker {
    /// (link token, claim id) of every completed pair.
    pairs: Vec<(String, String)>,
    first: Vec<f64>,
    second: Vec<f64>,
    errors: usize,
    first_error: Option<String>,
    emptied: bool,
}

impl Worker {
    fn failed(&mut self, e: anyhow::Error) {
        self.errors += 1;
        self.first_error.get_or_insert_with(|| format!("{e:#}"));
    }
}

/// How many errors one worker takes before it stops (a broken server must not spin).
const MAX_ERRORS: usize = 50;

async fn claim_worker(api: Api, until: Instant) -> Worker {
    let mut w = Worker::default();
    while Instant::now() < until && w.errors < MAX_ERRORS {
        let t = Instant::now();
        let claim = match api.claim(CAMPAIGN).await {
            Ok(Some(c)) => c.claim,
            Ok(None) => {
                w.emptied = true;
                break;
            }
            Err(e) => {
                w.failed(e);
                continue;
            }
        };
        w.first.push(ms(t.elapsed()));
        let t = Instant::now();
        match api.sent(&claim.id).await {
            Ok(()) => {
                w.second.push(ms(t.elapsed()));
                w.pairs.push((claim.token, claim.id));
            }
            Err(e) => w.failed(e),
        }
    }
    w
}

async fn reference_worker(api: Api, round: usize, index: usize, until: Instant) -> Worker {
    let mut w = Worker::default();
    let mut i = 0usize;
    while Instant::now() < until && w.errors < MAX_ERRORS {
        let handle = format!("ref{round}_{index}_{i}");
        i += 1;
        let t = Instant::now();
        match api
            .add_links(REFERENCE, std::slice::from_ref(&handle))
            .await
        {
            Ok(tokens) => {
                w.first.push(ms(t.elapsed()));
                w.pairs
                    .extend(tokens.into_iter().map(|t| (t, handle.clone())));
            }
            Err(e) => w.failed(e),
        }
    }
    w
}

struct Phase {
    seconds: f64,
    workers: Vec<Worker>,
    /// User + system seconds the server process used during the phase.
    server_cpu_s: Option<f64>,
}

/// The server's pid, for its CPU time.
static SERVER_PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// User + system CPU seconds of the server so far (`/proc/<pid>/stat`, in clock ticks).
fn server_cpu_s() -> Option<f64> {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    let ticks = *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    });
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", SERVER_PID.get()?)).ok()?;
    // Fields after the command name (which may hold spaces) start at the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (fields.get(11)?.parse().ok()?, fields.get(12)?.parse().ok()?);
    Some((utime + stime) / ticks)
}

impl Phase {
    fn done(&self) -> usize {
        self.workers.iter().map(|w| w.pairs.len()).sum()
    }
    fn rate(&self) -> f64 {
        self.done() as f64 / self.seconds
    }
    /// Server CPU ms per completed operation.
    fn cpu_ms_each(&self) -> String {
        match self.server_cpu_s {
            Some(cpu) if self.done() > 0 => format!("{:.3}", cpu * 1e3 / self.done() as f64),
            _ => "?".into(),
        }
    }
    fn errors(&self) -> usize {
        self.workers.iter().map(|w| w.errors).sum()
    }
    fn first_error(&self) -> Option<&str> {
        self.workers.iter().find_map(|w| w.first_error.as_deref())
    }
    fn first(&self) -> Latency {
        Latency::of(self.workers.iter().flat_map(|w| w.first.clone()).collect())
    }
    fn second(&self) -> Latency {
        Latency::of(self.workers.iter().flat_map(|w| w.second.clone()).collect())
    }
}

async fn run_phase<F, Fut>(apis: &[Api], seconds: f64, work: F) -> anyhow::Result<Phase>
where
    F: Fn(Api, usize, Instant) -> Fut,
    Fut: std::future::Future<Output = Worker> + Send + 'static,
{
    let cpu_before = server_cpu_s();
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(seconds);
    let tasks: Vec<_> = apis
        .iter()
        .enumerate()
        .map(|(i, api)| tokio::spawn(work(api.clone(), i, until)))
        .collect();
    let mut workers = Vec::new();
    for t in tasks {
        workers.push(t.await?);
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(Phase {
        seconds,
        workers,
        server_cpu_s: server_cpu_s()
            .zip(cpu_before)
            .map(|(after, before)| after - before),
    })
}

/// What the feed and the answers say about phase 1: every claimed person handed out once and
/// sent once.
struct Checks {
    duplicate_people: usize,
    duplicate_claims: usize,
    unknown_people: usize,
    outcome_events: usize,
    people_without_one_event: usize,
}

impl Checks {
    fn ok(&self) -> bool {
        self.duplicate_people == 0
            && self.duplicate_claims == 0
            && self.unknown_people == 0
            && self.people_without_one_event == 0
    }
}

async fn check_claims(
    api: &Api,
    after: i64,
    issued: &HashSet<String>,
    phase: &Phase,
) -> anyhow::Result<Checks> {
    let pairs: Vec<&(String, String)> = phase.workers.iter().flat_map(|w| &w.pairs).collect();
    let mut per_link: HashMap<String, usize> = HashMap::new();
    let mut outcome_events = 0;
    let mut after = after;
    loop {
        let page = api.events(after, 0).await?;
        for e in &page.events {
            if e.kind.as_str() == "outcome_set" && e.campaign.as_deref() == Some(CAMPAIGN) {
                outcome_events += 1;
                *per_link
                    .entry(e.link.clone().unwrap_or_default())
                    .or_default() += 1;
            }
        }
        after = page.next_after;
        if !page.more {
            break;
        }
    }
    Ok(Checks::of(&pairs, issued, &per_link, outcome_events))
}

impl Checks {
    /// `pairs`: (link token, claim id) of every completed claim → sent; `per_link`: how many
    /// `outcome_set` events the feed holds for each link of the campaign.
    fn of(
        pairs: &[&(String, String)],
        issued: &HashSet<String>,
        per_link: &HashMap<String, usize>,
        outcome_events: usize,
    ) -> Self {
        let people: HashSet<&str> = pairs.iter().map(|(t, _)| t.as_str()).collect();
        let claims: HashSet<&str> = pairs.iter().map(|(_, c)| c.as_str()).collect();
        Checks {
            duplicate_people: pairs.len() - people.len(),
            duplicate_claims: pairs.len() - claims.len(),
            unknown_people: people.iter().filter(|t| !issued.contains(**t)).count(),
            outcome_events,
            people_without_one_event: people
                .iter()
                .filter(|t| per_link.get(**t).copied() != Some(1))
                .count()
                + per_link
                    .keys()
                    .filter(|t| !people.contains(t.as_str()))
                    .count(),
        }
    }
}

async fn run_reference(apis: &[Api], seconds: f64, round: usize) -> anyhow::Result<Phase> {
    log(&format!(
        "reference {round}: {} writers POST one new recipient each, {seconds} s",
        apis.len()
    ));
    let phase = run_phase(apis, seconds, move |api, i, until| {
        reference_worker(api, round, i, until)
    })
    .await?;
    log(&format!(
        "reference {round}: {:.1}/s, {} errors",
        phase.rate(),
        phase.errors()
    ));
    Ok(phase)
}

async fn add_people(api: &Api, slug: &str, prefix: &str, n: usize) -> anyhow::Result<Vec<String>> {
    let handles: Vec<String> = (0..n).map(|i| format!("{prefix}_{i}")).collect();
    let mut tokens = Vec::with_capacity(n);
    for batch in handles.chunks(1000) {
        tokens.extend(api.add_links(slug, batch).await?);
    }
    Ok(tokens)
}

struct Sequential {
    pair: Latency,
    claim: Latency,
    outcome: Latency,
}

async fn sequential(api: &Api, n: usize) -> anyhow::Result<Sequential> {
    let (mut pair, mut claim, mut outcome) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for i in 0..n + WARMUP {
        let t = Instant::now();
        let c = api
            .claim(SEQUENTIAL)
            .await?
            .context("the sequential campaign ran out of people")?
            .claim;
        let claimed = t.elapsed();
        let t2 = Instant::now();
        api.sent(&c.id).await?;
        let (sent, total) = (t2.elapsed(), t.elapsed());
        if !seen.insert(c.token.clone()) {
            bail!("{} was handed out twice", c.token);
        }
        if i >= WARMUP {
            pair.push(ms(total));
            claim.push(ms(claimed));
            outcome.push(ms(sent));
        }
    }
    Ok(Sequential {
        pair: Latency::of(pair),
        claim: Latency::of(claim),
        outcome: Latency::of(outcome),
    })
}

struct Propagation {
    latency: Latency,
    missing: usize,
    before_answer: usize,
}

async fn propagation(a: &Api, b: &Api, n: usize, gap: Duration) -> anyhow::Result<Propagation> {
    let start = b.last_seq().await?;
    let arrivals: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let listener = {
        let (b, arrivals) = (b.clone(), arrivals.clone());
        tokio::spawn(async move {
            let mut after = start;
            loop {
                let page = match b.events(after, 25).await {
                    Ok(p) => p,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let now = Instant::now();
                if let Ok(mut seen) = arrivals.lock() {
                    for e in &page.events {
                        if e.kind.as_str() == "outcome_set"
                            && e.campaign.as_deref() == Some(PROPAGATION)
                            && let Some(link) = &e.link
                        {
                            seen.entry(link.clone()).or_insert(now);
                        }
                    }
                }
                after = page.next_after;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut answered = Vec::new();
    for _ in 0..n {
        let c = a
            .claim(PROPAGATION)
            .await?
            .context("the propagation campaign ran out of people")?
            .claim;
        // Let B's poll that the claim_created event woke come back and wait again.
        tokio::time::sleep(gap).await;
        a.sent(&c.id).await?;
        answered.push((c.token, Instant::now()));
        tokio::time::sleep(gap).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let got = arrivals.lock().map(|s| s.len()).unwrap_or(0);
        if got >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    listener.abort();
    let seen = arrivals
        .lock()
        .map_err(|_| anyhow::anyhow!("the listener panicked"))?
        .clone();
    let mut lat = Vec::new();
    let (mut missing, mut before_answer) = (0, 0);
    for (token, answer) in &answered {
        match seen.get(token) {
            // Signed: the page can arrive before A's answer (the event is in the same
            // transaction, and the waiting poll is woken before A's response is written).
            Some(arrived) if arrived >= answer => lat.push(ms(*arrived - *answer)),
            Some(arrived) => {
                before_answer += 1;
                lat.push(-ms(*answer - *arrived));
            }
            None => missing += 1,
        }
    }
    Ok(Propagation {
        latency: Latency::of(lat),
        missing,
        before_answer,
    })
}

/// One desktop: its own store (a temporary folder) with one campaign whose name gives `slug`.
struct Desk {
    store: StoreHandle,
    client: ServerClient,
    campaign: i64,
    _dir: tempfile::TempDir,
}

async fn desk(base: &str, token: &str, slug: &str) -> anyhow::Result<Desk> {
    let dir = tempfile::tempdir()?;
    let store = StoreHandle::start(&dir.path().join("clipdesk.sqlite3")).map_err(core_err)?;
    let name = slug.to_owned();
    let (campaign, made) = store
        .call(move |conn| {
            let template = Template {
                parts: vec![Part::text(["Hi {{handle}}, record for us: {{link}}"])],
            };
            let c = campaigns::create(conn, &CampaignInput::new(&name, template))?;
            Ok((c.id, c.slug))
        })
        .await
        .map_err(core_err)?;
    if made != slug {
        bail!("the local campaign got the slug {made}, not {slug}");
    }
    Ok(Desk {
        store,
        client: ServerClient::new(base, token).map_err(core_err)?,
        campaign,
        _dir: dir,
    })
}

fn core_err(e: clipdesk_core::error::CoreError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

struct CoreSequential {
    pair: Latency,
    start_next: Latency,
    record: Latency,
}

/// "Start next" → "sent" through clipdesk-core as the desktop's Queue runs it: `team::next`
/// (a due follow-up looked for, the outbox flushed, the claim, the person stored and their
/// message rendered) then `team::mark` (stored locally and in the outbox, then sent), one
/// after the other.
async fn core_sequential(base: &str, token: &str, n: usize) -> anyhow::Result<CoreSequential> {
    let d = desk(base, token, CORE_SEQUENTIAL).await?;
    let (mut pair, mut next, mut rec) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for i in 0..n + WARMUP {
        let t = Instant::now();
        let step = team::next(&d.store, &d.client, d.campaign, "seq", NextAsk::default())
            .await
            .map_err(core_err)?;
        let NextStep::Started(started) = step else {
            bail!("next answered {step:?}");
        };
        let started_in = t.elapsed();
        if started.lease_expires_at.is_none() || started.parts.is_empty() {
            bail!(
                "next rendered {:?} for {} without a claim",
                started.parts,
                started.link_url
            );
        }
        let t2 = Instant::now();
        team::mark(
            &d.store,
            &d.client,
            started.outreach_id,
            Outcome::Sent,
            "seq",
        )
        .await
        .map_err(core_err)?;
        let (recorded_in, total) = (t2.elapsed(), t.elapsed());
        let pending = d
            .store
            .call(|conn| team::pending(conn))
            .await
            .map_err(core_err)?;
        if pending != 0 {
            bail!("the outcome for {} stayed in the outbox", started.link_url);
        }
        if !seen.insert(started.link_url.clone()) {
            bail!("{} was handed out twice", started.link_url);
        }
        if i >= WARMUP {
            pair.push(ms(total));
            next.push(ms(started_in));
            rec.push(ms(recorded_in));
        }
    }
    Ok(CoreSequential {
        pair: Latency::of(pair),
        start_next: Latency::of(next),
        record: Latency::of(rec),
    })
}

/// A records outcomes over HTTP; B is a desktop whose core sync loop (`sync::spawn`) long-polls
/// the feed into its store. Latency: A's PUT answer → the page holding it applied in B's store
/// (the loop's `on_applied`, after the transaction), checked by reading B's outreach row.
async fn core_propagation(
    admin: &Api,
    a: &Api,
    b_token: &str,
    n: usize,
    gap: Duration,
) -> anyhow::Result<Propagation> {
    let b = desk(&admin.base, b_token, CORE_PROPAGATION).await?;
    let (applied_tx, mut applied) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let (status, mut watch) = tokio::sync::watch::channel(sync::SyncStatus::default());
    let sync_loop = sync::spawn(
        b.store.clone(),
        b.client.clone(),
        status,
        Arc::new(tokio::sync::Notify::new()),
        move |_| {
            let _ = applied_tx.send(Instant::now());
        },
    );
    let state_on_b = |token: String| {
        let store = b.store.clone();
        async move {
            store
                .call(move |conn| {
                    Ok(conn
                        .query_row(
                            "SELECT state FROM outreach WHERE link_token = ?1",
                            [token],
                            |r| r.get::<_, String>(0),
                        )
                        .ok())
                })
                .await
                .map_err(core_err)
        }
    };
    // B catches up (the whole feed from 0: every person of every campaign) and waits.
    let caught_up = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let people: i64 = b
                .store
                .call(|conn| Ok(conn.query_row("SELECT count(*) FROM outreach", [], |r| r.get(0))?))
                .await
                .unwrap_or(0);
            if watch.borrow().state == sync::SyncState::Connected && people >= n as i64 {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), watch.changed()).await;
        }
    })
    .await;
    if caught_up.is_err() {
        sync_loop.abort();
        bail!("B's sync loop did not catch up within 120 s");
    }
    // B's loop pushed its own copy of the campaign (default pacing): put the bench's back.
    admin.put_campaign(CORE_PROPAGATION).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut lat = Vec::new();
    let (mut missing, mut before_answer) = (0, 0);
    for _ in 0..n {
        let c = a
            .claim_with(CORE_PROPAGATION, json!({"override_pacing": true}))
            .await?
            .context("the core propagation campaign ran out of people")?
            .claim;
        tokio::time::sleep(gap).await;
        while applied.try_recv().is_ok() {}
        a.sent(&c.id).await?;
        let answered = Instant::now();
        let deadline = answered + Duration::from_secs(5);
        let mut seen = None;
        while let Ok(Some(at)) = tokio::time::timeout_at(deadline.into(), applied.recv()).await {
            if state_on_b(c.token.clone()).await?.as_deref() == Some("sent") {
                seen = Some(at);
                break;
            }
        }
        match seen {
            Some(at) if at >= answered => lat.push(ms(at - answered)),
            Some(at) => {
                before_answer += 1;
                lat.push(-ms(answered - at));
            }
            None => missing += 1,
        }
        tokio::time::sleep(gap).await;
    }
    sync_loop.abort();
    Ok(Propagation {
        latency: Latency::of(lat),
        missing,
        before_answer,
    })
}

fn start_server(args: &Args, data: &Path, base: &str) -> anyhow::Result<Server> {
    let log = std::fs::File::create(args.data.join("server.log"))?;
    let child = Command::new(&args.server)
        .arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", args.port))
        .arg("--data")
        .arg(data)
        .args(["--public-url", base, "--public-rate-per-minute", "0"])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot start {}", args.server.display()))?;
    Ok(Server { child })
}

async fn wait_healthy(server: &mut Server, base: &str) -> anyhow::Result<()> {
    let http = client()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "the server exited at start ({status}); is 127.0.0.1 port in use? see server.log"
            );
        }
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the server did not answer /healthz within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn cpu() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores")
}

fn log(msg: &str) {
    eprintln!("==> {msg}");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let _ = std::fs::remove_dir_all(&args.data);
    let data = args.data.join("server");
    std::fs::create_dir_all(&data)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let version = cli(&args.server, &data, &["--version"]).unwrap_or_default();

    log(&format!(
        "{} operator tokens (token create --role operator)",
        args.operators
    ));
    let mut operators = Vec::new();
    for i in 0..args.operators {
        let name = format!("op-{i}");
        operators.push(Api::new(
            &base,
            &operator_token(&args.server, &data, &name)?,
            &name,
        )?);
    }
    let seq_op = Api::new(&base, &operator_token(&args.server, &data, "seq")?, "seq")?;
    let prop_a = Api::new(
        &base,
        &operator_token(&args.server, &data, "prop-a")?,
        "prop-a",
    )?;
    let prop_b = Api::new(
        &base,
        &operator_token(&args.server, &data, "prop-b")?,
        "prop-b",
    )?;

    let mut server = start_server(&args, &data, &base)?;
    let _ = SERVER_PID.set(server.child.id());
    wait_healthy(&mut server, &base).await?;
    let admin = &operators[0];
    for slug in [
        CAMPAIGN,
        REFERENCE,
        SEQUENTIAL,
        PROPAGATION,
        CORE_SEQUENTIAL,
        CORE_PROPAGATION,
    ] {
        admin.put_campaign(slug).await?;
    }
    log(&format!(
        "{} recipients in batches of 1000",
        args.recipients
    ));
    let t = Instant::now();
    let issued: HashSet<String> = add_people(admin, CAMPAIGN, "r", args.recipients)
        .await?
        .into_iter()
        .collect();
    let import_s = t.elapsed().as_secs_f64();
    add_people(admin, SEQUENTIAL, "s", args.sequential + WARMUP).await?;
    add_people(admin, PROPAGATION, "p", args.propagation).await?;
    add_people(admin, CORE_SEQUENTIAL, "cs", args.sequential + WARMUP).await?;
    add_people(admin, CORE_PROPAGATION, "cp", args.propagation).await?;

    // Are the claim routes there? (before CLAIMS lands they answer 404/405)
    let probe = operators[0]
        .http
        .post(format!("{base}/api/v1/campaigns/{CAMPAIGN}/claims"))
        .bearer_auth(&operators[0].token)
        .json(&json!({"lease_s": 5}))
        .send()
        .await?;
    let claims_there = matches!(probe.status(), StatusCode::CREATED | StatusCode::NO_CONTENT);
    if claims_there && probe.status() == StatusCode::CREATED {
        // Give the probe's person back so phase 1 starts with the whole pool.
        let created: ClaimCreated = probe.json().await?;
        operators[0]
            .http
            .delete(format!("{base}/api/v1/claims/{}", created.claim.id))
            .bearer_auth(&operators[0].token)
            .send()
            .await?;
    } else if !claims_there {
        log(&format!(
            "POST /api/v1/campaigns/{CAMPAIGN}/claims answered {}: no claims in this build, reference only",
            probe.status()
        ));
    }

    let mut reference = vec![run_reference(&operators, args.seconds, 1).await?];

    let mut claims = None;
    let mut seq = None;
    let mut prop = None;
    let mut core_seq = None;
    let mut core_prop = None;
    if claims_there {
        let after = admin.last_seq().await?;
        log(&format!(
            "claims: {} operators claim → sent, {} s or until empty",
            args.operators, args.seconds
        ));
        let phase = run_phase(&operators, args.seconds, |api, _, until| {
            claim_worker(api, until)
        })
        .await?;
        log(&format!(
            "claims: {:.1}/s, {} errors",
            phase.rate(),
            phase.errors()
        ));
        let checks = check_claims(admin, after, &issued, &phase).await?;
        claims = Some((phase, checks));
        // Reference, claims, reference: a machine getting busier or quieter during the run
        // shows as two different reference figures.
        reference.push(run_reference(&operators, args.seconds, 2).await?);
        log(&format!(
            "start next: one operator, {} claim → sent in a row",
            args.sequential
        ));
        seq = Some(sequential(&seq_op, args.sequential).await);
        log(&format!(
            "propagation: {} outcomes, B long-polling",
            args.propagation
        ));
        prop = Some(
            propagation(
                &prop_a,
                &prop_b,
                args.propagation,
                Duration::from_millis(args.gap_ms),
            )
            .await,
        );
        log(&format!(
            "start next through clipdesk-core: {} team::next → team::mark(sent)",
            args.sequential
        ));
        core_seq = Some(core_sequential(&base, &seq_op.token, args.sequential).await);
        log(&format!(
            "propagation to a desktop's sync loop: {} outcomes",
            args.propagation
        ));
        core_prop = Some(
            core_propagation(
                admin,
                &prop_a,
                &prop_b.token,
                args.propagation,
                Duration::from_millis(args.gap_ms),
            )
            .await,
        );
    }
    drop(server);

    let results = Results {
        version,
        import_s,
        reference,
        claims,
        seq,
        prop,
        core_seq,
        core_prop,
    };
    let report = report(&args, &results);
    let claims = results.claims;
    match &args.out {
        Some(path) => {
            std::fs::write(path, &report)?;
            log(&format!("wrote {}", path.display()));
        }
        None => print!("{report}"),
    }
    if let Some((_, checks)) = &claims
        && !checks.ok()
    {
        bail!("wrong answers: see the checks in the report");
    }
    Ok(())
}

/// Everything one run measured (`None`: not measured, the build has no claim routes).
struct Results {
    version: String,
    import_s: f64,
    reference: Vec<Phase>,
    claims: Option<(Phase, Checks)>,
    seq: Option<anyhow::Result<Sequential>>,
    prop: Option<anyhow::Result<Propagation>>,
    core_seq: Option<anyhow::Result<CoreSequential>>,
    core_prop: Option<anyhow::Result<Propagation>>,
}

fn report(args: &Args, r: &Results) -> String {
    use std::fmt::Write;
    let (version, import_s, reference) = (&r.version, r.import_s, &r.reference);
    let (claims, seq, prop) = (r.claims.as_ref(), r.seq.as_ref(), r.prop.as_ref());
    let (core_seq, core_prop) = (r.core_seq.as_ref(), r.core_prop.as_ref());
    let mut s = String::new();
    let _ = writeln!(s, "# Claims (issue 13, team mode)\n");
    let _ = writeln!(s, "Command: `{}`", args.command);
    let _ = writeln!(
        s,
        "Server: {version} (`{}`) on 127.0.0.1 with a fresh data folder; client: claims-bench (tokio + reqwest, one HTTP client per operator) on the same machine.\n",
        args.server.display()
    );
    let _ = writeln!(
        s,
        "Machine: {}; load average {} before, {} at the end.\n",
        cpu(),
        if args.load_before.is_empty() {
            "?"
        } else {
            &args.load_before
        },
        loadavg()
    );
    let _ = writeln!(
        s,
        "Setup: {} operator tokens (`token create --name op-N --role operator`); campaign `{CAMPAIGN}` (daily_cap 10000, spacing_s 0, hold_days 0) with {} recipients added in batches of 1000 ({:.2} s, {:.0} recipients/s).\n",
        args.operators,
        args.recipients,
        import_s,
        args.recipients as f64 / import_s
    );

    let _ = writeln!(
        s,
        "## 1. Claims per second, {} operators at once\n",
        args.operators
    );
    let _ = writeln!(
        s,
        "Each operator loops `POST /api/v1/campaigns/{CAMPAIGN}/claims {{}}` → `PUT /api/v1/claims/{{id}}/outcome {{\"outcome\":\"sent\"}}` for {} s or until the pool is empty. The reference, in the same run, at the same concurrency and for as long: each writer loops `POST /api/v1/campaigns/{REFERENCE}/links` with one new recipient (one IMMEDIATE transaction and one `link_created` event). Latencies in ms.\n",
        args.seconds
    );
    let _ = writeln!(
        s,
        "| what | done | seconds | per second | server CPU ms each | errors | p50 | p99 | max |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (round, phase) in reference.iter().enumerate() {
        let _ = writeln!(
            s,
            "| reference {}: POST links, one new recipient | {} | {:.1} | **{:.1}** | {} | {} | {} |",
            round + 1,
            phase.done(),
            phase.seconds,
            phase.rate(),
            phase.cpu_ms_each(),
            phase.errors(),
            phase.first().cells()
        );
    }
    let reference_rate =
        reference.iter().map(Phase::rate).sum::<f64>() / reference.len().max(1) as f64;
    match claims {
        None => {
            let _ = writeln!(
                s,
                "\nThe claim routes are not in this build (`POST /api/v1/campaigns/{{slug}}/claims` did not answer 201/204): reference only.\n"
            );
        }
        Some((phase, checks)) => {
            let emptied = phase.workers.iter().filter(|w| w.emptied).count();
            let _ = writeln!(
                s,
                "| claim → sent pairs | {} | {:.1} | **{:.1}** | {} | {} | | | |",
                phase.done(),
                phase.seconds,
                phase.rate(),
                phase.cpu_ms_each(),
                phase.errors()
            );
            let _ = writeln!(
                s,
                "| · the claim request | {} | | | | | {} |",
                phase.first().n,
                phase.first().cells()
            );
            let _ = writeln!(
                s,
                "| · the outcome request | {} | | | | | {} |",
                phase.second().n,
                phase.second().cells()
            );
            let _ = writeln!(
                s,
                "\n**claims/s ÷ reference/s = {:.2}** (against the mean of the reference runs before and after; {}). A pair is two requests, each one transaction with one event; the reference is one. Server CPU per pair ÷ per reference write: {}.\n",
                phase.rate() / reference_rate,
                reference
                    .iter()
                    .map(|r| format!("{:.2}", phase.rate() / r.rate()))
                    .collect::<Vec<_>>()
                    .join(" and "),
                match (
                    phase.server_cpu_s,
                    reference
                        .iter()
                        .map(|r| r.server_cpu_s.map(|c| c / r.done().max(1) as f64))
                        .sum::<Option<f64>>()
                ) {
                    (Some(cpu), Some(per_ref)) if phase.done() > 0 => format!(
                        "{:.2}",
                        (cpu / phase.done() as f64) / (per_ref / reference.len() as f64)
                    ),
                    _ => "?".into(),
                }
            );
            if emptied > 0 {
                let _ = writeln!(
                    s,
                    "{emptied} operators found the pool empty before the time was up.\n"
                );
            }
            if let Some(e) = phase.first_error() {
                let _ = writeln!(s, "First error: `{e}`\n");
            }
            let _ = writeln!(
                s,
                "Checks ({}): people handed out twice {}, claim ids repeated {}, people not of the campaign {}; the feed holds {} `outcome_set` events for {} pairs, people without exactly one: {}.\n",
                if checks.ok() { "passed" } else { "FAILED" },
                checks.duplicate_people,
                checks.duplicate_claims,
                checks.unknown_people,
                checks.outcome_events,
                phase.done(),
                checks.people_without_one_event
            );
        }
    }
    if let Some(e) = reference.iter().find_map(Phase::first_error) {
        let _ = writeln!(s, "First reference error: `{e}`\n");
    }

    let _ = writeln!(s, "## 2. Start next, end to end, one operator\n");
    let _ = writeln!(
        s,
        "One operator, one after the other, {} times after {WARMUP} warm-up pairs. Through clipdesk-core as the desktop's Queue runs it: `team::next` (a due follow-up looked for, outbox flush, claim, the person stored in the desktop's SQLite store, their message rendered) then `team::mark(Sent)` (stored locally and in the outbox, then PUT); and the server's share alone: the claim and the outcome requests over HTTP. Latencies in ms.\n",
        args.sequential
    );
    let _ = writeln!(s, "| what | n | p50 | p99 | max |");
    let _ = writeln!(s, "|---|---:|---:|---:|---:|");
    let row = |s: &mut String, what: &str, l: &Latency, bold: bool| {
        let b = if bold { "**" } else { "" };
        let _ = writeln!(
            s,
            "| {what} | {} | {b}{:.2}{b} | {b}{:.2}{b} | {:.2} |",
            l.n, l.p50, l.p99, l.max
        );
    };
    let failed = |s: &mut String, what: &str, r: Option<&anyhow::Error>| {
        let why = r.map_or("not measured (no claim routes)".to_owned(), |e| {
            format!("failed: `{e:#}`")
        });
        let _ = writeln!(s, "| {what} | {why} | | | |");
    };
    match core_seq {
        Some(Ok(q)) => {
            row(&mut s, "core: next + mark", &q.pair, true);
            row(&mut s, "· team::next", &q.start_next, false);
            row(&mut s, "· team::mark (sent)", &q.record, false);
        }
        other => failed(
            &mut s,
            "core: next + mark",
            other.and_then(|r| r.as_ref().err()),
        ),
    }
    match seq {
        Some(Ok(q)) => {
            row(&mut s, "HTTP: claim + outcome", &q.pair, true);
            row(&mut s, "· POST claims", &q.claim, false);
            row(&mut s, "· PUT outcome", &q.outcome, false);
        }
        other => failed(
            &mut s,
            "HTTP: claim + outcome",
            other.and_then(|r| r.as_ref().err()),
        ),
    }

    let _ = writeln!(s, "\n## 3. Outcome propagation\n");
    let _ = writeln!(
        s,
        "Operator A claims, waits {} ms, records `sent` over HTTP, waits {} ms, {} times (its own campaign each way). B is either a desktop whose clipdesk-core sync loop (`sync::spawn`, long-polling with its own wait) applies the feed into its store: latency = A's PUT answer → the page holding it applied in B's store (the loop's `on_applied`, and B's outreach row reads `sent`); or a bare HTTP client long-polling `GET /api/v1/events?after=…&wait=25`: latency = A's PUT answer → B's page holding that `outcome_set` arriving. One process, one monotonic clock; negative when B had it before A's answer arrived (\"B first\"). ms.\n",
        args.gap_ms, args.gap_ms, args.propagation
    );
    let _ = writeln!(
        s,
        "| B | outcomes | seen by B | p50 | p99 | max | B first | missing |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (what, r) in [
        ("desktop (core sync loop → store)", core_prop),
        ("HTTP long-poll", prop),
    ] {
        match r {
            Some(Ok(p)) => {
                let _ = writeln!(
                    s,
                    "| {what} | {} | {} | **{:.2}** | **{:.2}** | {:.2} | {} | {} |",
                    args.propagation,
                    p.latency.n,
                    p.latency.p50,
                    p.latency.p99,
                    p.latency.max,
                    p.before_answer,
                    p.missing
                );
            }
            other => {
                let why = other
                    .and_then(|r| r.as_ref().err())
                    .map_or("not measured (no claim routes)".to_owned(), |e| {
                        format!("failed: `{e:#}`")
                    });
                let _ = writeln!(s, "| {what} | {why} | | | | | | |");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(token: &str, claim: &str) -> (String, String) {
        (token.to_owned(), claim.to_owned())
    }

    fn check(pairs: &[(String, String)], events: &[(&str, usize)]) -> Checks {
        let issued: HashSet<String> = ["a", "b", "c"].map(String::from).into();
        let per_link: HashMap<String, usize> =
            events.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect();
        let refs: Vec<&(String, String)> = pairs.iter().collect();
        Checks::of(
            &refs,
            &issued,
            &per_link,
            events.iter().map(|(_, n)| n).sum(),
        )
    }

    #[test]
    fn every_person_claimed_once_and_sent_once_passes() {
        let c = check(&[pair("a", "1"), pair("b", "2")], &[("a", 1), ("b", 1)]);
        assert!(c.ok());
        assert_eq!(c.outcome_events, 2);
    }

    #[test]
    fn a_person_handed_to_two_operators_fails_the_run() {
        let c = check(&[pair("a", "1"), pair("a", "2")], &[("a", 2)]);
        assert_eq!(c.duplicate_people, 1);
        assert_eq!(c.people_without_one_event, 1);
        assert!(!c.ok());
    }

    #[test]
    fn a_claim_id_answered_twice_fails_the_run() {
        let c = check(&[pair("a", "1"), pair("b", "1")], &[("a", 1), ("b", 1)]);
        assert_eq!(c.duplicate_claims, 1);
        assert!(!c.ok());
    }

    #[test]
    fn a_person_not_of_the_campaign_fails_the_run() {
        let c = check(&[pair("z", "1")], &[("z", 1)]);
        assert_eq!(c.unknown_people, 1);
        assert!(!c.ok());
    }

    #[test]
    fn a_sent_the_feed_does_not_show_or_shows_for_someone_unclaimed_fails_the_run() {
        assert_eq!(check(&[pair("a", "1")], &[]).people_without_one_event, 1);
        let c = check(&[pair("a", "1")], &[("a", 1), ("c", 1)]);
        assert_eq!(c.people_without_one_event, 1);
        assert!(!c.ok());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(pct(&v, 50.0), 50.0);
        assert_eq!(pct(&v, 99.0), 99.0);
        assert_eq!(pct(&v[..10], 99.0), 10.0);
        assert!(pct(&[], 50.0).is_nan());
    }
}
