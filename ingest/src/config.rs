//! Configuration: a TOML file (`--config`, or `POS_INGEST_CONFIG`), then environment overrides
//! (`POS_INGEST_DATABASE_URL`, `POS_INGEST_LISTEN`, `POS_INGEST_TENANT`, the webhook secrets,
//! `POS_INGEST_TOKENS`).
//! Secrets belong in the environment; the file holds the shape of the deployment.

use anyhow::{bail, Context as _};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: Option<String>,
    /// Tenant for sources that do not name one (webhooks, POSLog, CSV).
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// IANA zone of stores not listed in `[stores]`: it turns local POS times into instants and
    /// defines the business day.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Currency of stores not listed in `[stores]`, for sources that do not say.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// Local time (`HH:MM`) at which the business day starts for stores not listed, for sources
    /// whose records carry no business day of their own: a bar's 01:30 sale belongs to the
    /// evening before with `"04:00"`. Midnight when unset.
    pub business_day_start: Option<String>,
    #[serde(default)]
    pub stores: HashMap<String, StoreConfig>,
    #[serde(default)]
    pub serve: ServeConfig,
    #[serde(default)]
    pub square: SquareConfig,
    #[serde(default)]
    pub shopify: ShopifyConfig,
    #[serde(default)]
    pub clover: CloverConfig,
    #[serde(default)]
    pub toast: ToastConfig,
    /// CSV column mappings by name: `[csv.NAME]` with the mapping inline, or `path = "…"`.
    #[serde(default)]
    pub csv: HashMap<String, toml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    pub timezone: Option<String>,
    pub name: Option<String>,
    pub currency: Option<String>,
    /// As the top-level `business_day_start`, for this store.
    pub business_day_start: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeConfig {
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Concurrent writer connections (each commits its own group of requests).
    #[serde(default = "default_writers")]
    pub writers: usize,
    /// How long a writer waits for more requests to join a group commit.
    #[serde(default = "default_linger_ms")]
    pub linger_ms: u64,
    /// A group is committed once it holds this many sale lines.
    #[serde(default = "default_max_batch_lines")]
    pub max_batch_lines: usize,
    /// Requests waiting for a writer; beyond it the service answers 503 with Retry-After.
    #[serde(default = "default_queue")]
    pub queue: usize,
    /// Raw payload bytes queued or being written; beyond it the service answers 503 too.
    /// Bounds memory whatever the request sizes (at least `max_body_bytes`).
    #[serde(default = "default_queue_bytes")]
    pub queue_bytes: usize,
    /// Open connections at most; beyond it a connection gets 503 and is closed (bounds memory
    /// when senders open a connection per request under overload).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Largest accepted request body.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// A connection that neither sends nor takes a byte for this long is closed: a request
    /// that stops coming, a keep-alive connection left idle (bounds what `max_connections`
    /// slow or silent senders can hold).
    #[serde(default = "default_idle_timeout_secs")]
    pub idle_timeout_secs: u64,
    /// Threads answering HTTP (parsing, decoding, packing payloads); 0 = half the cores, at
    /// least 1. The writers always run on one thread of their own, so their work never delays a
    /// request being read. With one HTTP thread nothing moves between threads but the requests
    /// handed to the writers and their answers (benches/ingest/RESULTS.md).
    #[serde(default)]
    pub http_threads: usize,
    /// Bearer tokens of `/v1/events` and `/v1/ingest/{format}`: the SHA-256 hex digest of each
    /// token → the tenant it may write, or `"*"` for any (env `POS_INGEST_TOKENS`,
    /// `digest=tenant,digest=*`). Empty, those routes take any sender (`serve::tokens`).
    #[serde(default)]
    pub tokens: HashMap<String, String>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: default_listen(),
            writers: default_writers(),
            linger_ms: default_linger_ms(),
            max_batch_lines: default_max_batch_lines(),
            queue: default_queue(),
            queue_bytes: default_queue_bytes(),
            max_connections: default_max_connections(),
            max_body_bytes: default_max_body(),
            idle_timeout_secs: default_idle_timeout_secs(),
            http_threads: 0,
            tokens: HashMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SquareConfig {
    /// Webhook signature key (env `POS_INGEST_SQUARE_SIGNATURE_KEY`).
    pub signature_key: Option<String>,
    /// The notification URL exactly as registered with Square: it is part of the signed bytes.
    pub notification_url: Option<String>,
    /// Base URL of the Square API for fetching orders named by `order.updated` notifications.
    pub api_base_url: Option<String>,
    /// Access token for the fetcher (env `POS_INGEST_SQUARE_ACCESS_TOKEN`).
    pub access_token: Option<String>,
    /// Square `location_id` → our `store_id` (unlisted locations keep their id).
    #[serde(default)]
    pub locations: HashMap<String, String>,
    /// Where no-sales come from (see [`SquareNoSales`]).
    #[serde(default)]
    pub no_sales_from: SquareNoSales,
}

/// Where Square no-sales are read. Square reports a drawer opened with nothing sold in two
/// places that nothing links: a NO_SALE tender on an order (some accounts) and a NO_SALE shift
/// event (ListCashDrawerShiftEvents). An account that imports both would count each opening
/// twice, so it names the one it trusts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SquareNoSales {
    /// Both are mapped: right for an account that imports only one of the two.
    #[default]
    Both,
    /// Only shift events give no-sales; an order's NO_SALE tender is left out.
    ShiftEvents,
    /// Only orders' NO_SALE tenders give no-sales; shift events map nothing.
    Orders,
}

/// Toast: where its cash entries land (they name no restaurant; the caller adds the one it
/// asked for, see docs/ingest.md → Toast).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToastConfig {
    /// Toast restaurant GUID → our `store_id` (unlisted restaurants keep their GUID).
    #[serde(default)]
    pub restaurants: HashMap<String, String>,
    /// The webhook subscription's secret, which signs `POST /v1/webhooks/toast` (env
    /// `POS_INGEST_TOAST_WEBHOOK_SECRET`).
    pub webhook_secret: Option<String>,
}

/// Clover: fetching the orders its notifications name (`O:<id>`), and where they land.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloverConfig {
    /// Base URL of the Clover REST API (`https://api.clover.com`, `https://apisandbox.dev.clover.com`,
    /// `https://api.eu.clover.com`): unset, notifications are kept without fetching.
    pub base_url: Option<String>,
    /// Access token for merchants without one of their own (env
    /// `POS_INGEST_CLOVER_ACCESS_TOKEN`). Clover's OAuth tokens are issued per merchant (each
    /// merchant installs the app), so several merchants need `access_tokens`.
    pub access_token: Option<String>,
    /// Merchant id → access token (env `POS_INGEST_CLOVER_ACCESS_TOKENS`, `MID=token,MID2=token2`).
    #[serde(default)]
    pub access_tokens: HashMap<String, String>,
    /// Clover merchant id → our `store_id` (unlisted merchants keep their id).
    #[serde(default)]
    pub merchants: HashMap<String, String>,
    /// The Clover Auth Code of each app whose webhooks `POST /v1/webhooks/clover` accepts
    /// (Clover sends it as `X-Clover-Auth`): one string or a list, one per app (env
    /// `POS_INGEST_CLOVER_WEBHOOK_AUTH_CODE`, comma-separated). Empty, the route refuses
    /// notifications.
    #[serde(default, deserialize_with = "one_or_many")]
    pub webhook_auth_code: Vec<String>,
}

/// A string or a list of strings as a list, blank entries left out (an empty code would
/// accept an empty header).
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let list = match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    };
    Ok(codes(list.iter().map(String::as_str)))
}

/// Trimmed, non-empty codes.
fn codes<'a>(list: impl Iterator<Item = &'a str>) -> Vec<String> {
    list.map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

impl CloverConfig {
    /// The token for `merchant`: its own, else the shared one.
    pub fn token_for(&self, merchant: &str) -> Option<&str> {
        self.access_tokens
            .get(merchant)
            .or(self.access_token.as_ref())
            .map(String::as_str)
    }
}

/// `MID=token,MID2=token2` as a map; pairs without `=` or with an empty side are skipped.
fn token_pairs(v: &str) -> impl Iterator<Item = (String, String)> + '_ {
    v.split(',').filter_map(|pair| {
        let (m, t) = pair.split_once('=')?;
        let (m, t) = (m.trim(), t.trim());
        (!m.is_empty() && !t.is_empty()).then(|| (m.to_string(), t.to_string()))
    })
}

/// `digest=tenant,digest=*` as pairs. An entry without `=` is kept with no tenant rather than
/// skipped, so that `check` refuses it: a mistyped variable must not leave the routes open.
fn digest_pairs(v: &str) -> impl Iterator<Item = (String, String)> + '_ {
    v.split(',').filter(|p| !p.trim().is_empty()).map(|pair| {
        let (d, t) = pair.split_once('=').unwrap_or((pair, ""));
        (d.trim().to_string(), t.trim().to_string())
    })
}

/// An API base URL the fetchers can put a path after: `http(s)://host[:port][/prefix]`, no
/// query or fragment. A typo (`connect.squareup.com` without its scheme) started a service
/// whose every order fetch failed at once (Square's notifications answered 503 until Square
/// gave them up, Clover's kept with a reject each), said only per request.
fn check_base_url(key: &str, url: Option<&str>) -> anyhow::Result<()> {
    let Some(url) = url else { return Ok(()) };
    let ok = reqwest::Url::parse(url.trim()).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https")
            && u.host().is_some()
            && u.query().is_none()
            && u.fragment().is_none()
    });
    if !ok {
        bail!("{key} `{url}` is not an http(s) URL of the API (e.g. https://connect.squareup.com, https://api.clover.com; no query)");
    }
    Ok(())
}

/// Every `[serve.tokens]` key is a digest and every tenant is named (`"*"` for any).
fn check_tokens(tokens: &HashMap<String, String>) -> anyhow::Result<()> {
    for (key, tenant) in tokens {
        crate::serve::tokens::parse_digest(key)?;
        if tenant.trim().is_empty() {
            let key = &key[..8];
            bail!("[serve.tokens] key \"{key}…\" names no tenant: write the tenant it may write, or \"*\" for any");
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopifyConfig {
    /// Webhook secret (env `POS_INGEST_SHOPIFY_SECRET`).
    pub secret: Option<String>,
    /// Shop domain → store id; unlisted shops use `default_store`.
    #[serde(default)]
    pub shops: HashMap<String, String>,
    pub default_store: Option<String>,
    /// POS location id → store id: a POS sale lands in its location's store.
    #[serde(default)]
    pub locations: HashMap<String, String>,
    /// Where an order's payments come from (see [`ShopifyTenders`]).
    #[serde(default)]
    pub tenders: ShopifyTenders,
}

/// The one source of a Shopify order's payments, so that none is counted twice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShopifyTenders {
    /// One tender per order, synthesized from its totals and first gateway; transaction
    /// payloads (`order_transactions/create`, `transactions.json`) are kept with no facts.
    #[default]
    Order,
    /// The order maps no tender; each payment transaction (sale, capture, change) is a tender
    /// of its order: split payments and declined attempts are seen as they were.
    Transactions,
}

/// The tokio runtime for `threads` workers (`pos_core::worker_threads`: 0 = half the cores, at
/// least 1); one worker is the current-thread runtime.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    match pos_core::worker_threads::here(threads) {
        1 => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        n => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(n)
            .enable_all()
            .build(),
    }
}

fn default_tenant() -> String {
    "default".into()
}
/// A `business_day_start` must read as `HH:MM`.
fn check_day_start(s: Option<&str>) -> anyhow::Result<()> {
    match s {
        Some(s) if crate::adapters::csv::day_start(s).is_none() => {
            bail!("{s:?} is not a time of day as HH:MM (e.g. \"04:00\")")
        }
        _ => Ok(()),
    }
}

fn default_timezone() -> String {
    "UTC".into()
}
fn default_currency() -> String {
    "USD".into()
}
fn default_listen() -> String {
    "127.0.0.1:8088".into()
}
fn default_writers() -> usize {
    2
}
fn default_linger_ms() -> u64 {
    3
}
fn default_max_batch_lines() -> usize {
    5000
}
fn default_queue() -> usize {
    1024
}
fn default_queue_bytes() -> usize {
    32 * 1024 * 1024
}
fn default_max_connections() -> usize {
    1024
}
fn default_max_body() -> usize {
    16 * 1024 * 1024
}
fn default_idle_timeout_secs() -> u64 {
    60
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str("").expect("empty config is valid")
    }
}

impl Config {
    /// Reads the file (if any), applies the environment, and checks the time zones.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let path: Option<PathBuf> = path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("POS_INGEST_CONFIG").map(PathBuf::from));
        let mut cfg = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read config file {}", p.display()))?;
                Config::parse(&text).with_context(|| format!("in config file {}", p.display()))?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok());
        cfg.check()?;
        Ok(cfg)
    }

    pub fn parse(text: &str) -> anyhow::Result<Config> {
        Ok(toml::from_str(text)?)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("POS_INGEST_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("POS_INGEST_TENANT") {
            self.tenant = v;
        }
        if let Some(v) = get("POS_INGEST_LISTEN") {
            self.serve.listen = v;
        }
        if let Some(v) = get("POS_INGEST_SQUARE_SIGNATURE_KEY") {
            self.square.signature_key = Some(v);
        }
        if let Some(v) = get("POS_INGEST_SQUARE_ACCESS_TOKEN") {
            self.square.access_token = Some(v);
        }
        if let Some(v) = get("POS_INGEST_SHOPIFY_SECRET") {
            self.shopify.secret = Some(v);
        }
        if let Some(v) = get("POS_INGEST_CLOVER_ACCESS_TOKEN") {
            self.clover.access_token = Some(v);
        }
        if let Some(v) = get("POS_INGEST_CLOVER_ACCESS_TOKENS") {
            self.clover.access_tokens.extend(token_pairs(&v));
        }
        if let Some(v) = get("POS_INGEST_CLOVER_WEBHOOK_AUTH_CODE") {
            self.clover.webhook_auth_code = codes(v.split(','));
        }
        if let Some(v) = get("POS_INGEST_TOAST_WEBHOOK_SECRET") {
            self.toast.webhook_secret = Some(v);
        }
        if let Some(v) = get("POS_INGEST_TOKENS") {
            self.serve.tokens.extend(digest_pairs(&v));
        }
    }

    /// Fails on a time zone name chrono-tz does not know, naming the store.
    pub fn check(&self) -> anyhow::Result<()> {
        // `POS_INGEST_TENANT=` (set to nothing) started a service, or an import, that rejected
        // every record of a source naming no tenant ("field `tenant_id` is empty").
        if self.tenant.trim().is_empty() {
            bail!("`tenant` (or POS_INGEST_TENANT) is empty: name the tenant of sources that do not name one");
        }
        parse_tz(&self.timezone).context("in `timezone`")?;
        check_day_start(self.business_day_start.as_deref()).context("in `business_day_start`")?;
        for (id, s) in &self.stores {
            if let Some(tz) = &s.timezone {
                parse_tz(tz).with_context(|| format!("in [stores.{id}]"))?;
            }
            check_day_start(s.business_day_start.as_deref())
                .with_context(|| format!("in [stores.{id}] business_day_start"))?;
        }
        // `max_connections = 0` and `max_body_bytes = 0` started a service that refused every
        // connection (503), or every body with a byte in it (413), without a word at start.
        let sv = &self.serve;
        let zero: Vec<&str> = [
            ("writers", sv.writers),
            ("queue", sv.queue),
            ("idle_timeout_secs", sv.idle_timeout_secs as usize),
            ("max_connections", sv.max_connections),
            ("max_body_bytes", sv.max_body_bytes),
        ]
        .into_iter()
        .filter(|(_, v)| *v == 0)
        .map(|(k, _)| k)
        .collect();
        if !zero.is_empty() {
            bail!(
                "[serve] {} must be at least 1 (writers, queue, idle_timeout_secs, max_connections and max_body_bytes all must)",
                zero.join(", ")
            );
        }
        if self.serve.queue_bytes < self.serve.max_body_bytes
            || u32::try_from(self.serve.queue_bytes).is_err()
        {
            bail!("[serve] queue_bytes must be at least max_body_bytes and below 4 GiB");
        }
        check_base_url("[square] api_base_url", self.square.api_base_url.as_deref())?;
        check_base_url("[clover] base_url", self.clover.base_url.as_deref())?;
        check_tokens(&self.serve.tokens)
    }

    /// The URL, or an error saying where to give it. A blank one (`POS_INGEST_DATABASE_URL=`)
    /// counts as none: it failed as "PostgreSQL is unavailable: invalid configuration".
    pub fn database_url(&self) -> anyhow::Result<&str> {
        self.database_url.as_deref().filter(|u| !u.trim().is_empty()).context(
            "no database URL: pass --url, set POS_INGEST_DATABASE_URL, or put database_url in the config file",
        )
    }
}

pub fn parse_tz(name: &str) -> anyhow::Result<Tz> {
    name.parse::<Tz>().map_err(|_| {
        anyhow::anyhow!(
            "unknown time zone `{name}`: use an IANA name such as `Europe/Berlin` or `UTC`"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_threads_default_to_auto_and_pick_the_runtime() {
        assert_eq!(Config::parse("").unwrap().serve.http_threads, 0);
        let c = Config::parse("[serve]\nhttp_threads = 3\n").unwrap();
        assert_eq!(c.serve.http_threads, 3);
        let flavor = |n| runtime(n).unwrap().handle().runtime_flavor();
        assert_eq!(flavor(1), tokio::runtime::RuntimeFlavor::CurrentThread);
        assert_eq!(flavor(3), tokio::runtime::RuntimeFlavor::MultiThread);
        assert_eq!(runtime(3).unwrap().metrics().num_workers(), 3);
    }

    #[test]
    fn idle_timeout_defaults_to_a_minute_and_zero_is_refused() {
        assert_eq!(Config::parse("").unwrap().serve.idle_timeout_secs, 60);
        let c = Config::parse("[serve]\nidle_timeout_secs = 0\n").unwrap();
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("idle_timeout_secs"), "{e}");
    }

    #[test]
    fn a_blank_tenant_is_refused_and_a_blank_url_is_no_url() {
        let mut c = Config::default();
        c.apply_env(|k| (k == "POS_INGEST_TENANT").then(String::new));
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("POS_INGEST_TENANT"), "{e}");
        c.apply_env(|k| (k == "POS_INGEST_DATABASE_URL").then(|| " ".to_string()));
        let e = c.database_url().unwrap_err().to_string();
        assert!(e.starts_with("no database URL"), "{e}");
    }

    /// A service that could take no connection or no body is refused at start, naming the key.
    #[test]
    fn serve_limits_of_zero_are_refused_naming_them() {
        for key in ["max_connections", "max_body_bytes", "writers", "queue"] {
            let c = Config::parse(&format!("[serve]\n{key} = 0\n")).unwrap();
            let e = c.check().expect_err(key).to_string();
            assert!(e.starts_with(&format!("[serve] {key} must be")), "{e}");
        }
        Config::default().check().expect("the defaults pass");
    }

    /// A base URL the fetchers cannot use is refused at start, naming the key.
    #[test]
    fn fetch_base_urls_must_be_http_urls() {
        for good in [
            "https://connect.squareup.com",
            "http://127.0.0.1:8080/",
            "https://proxy.internal/square/",
        ] {
            let c = Config::parse(&format!("[square]\napi_base_url = \"{good}\"\n")).unwrap();
            c.check().expect(good);
        }
        for bad in [
            "connect.squareup.com",
            "ftp://api.clover.com",
            "https://api.clover.com?x=1",
            "",
        ] {
            let c = Config::parse(&format!("[clover]\nbase_url = \"{bad}\"\n")).unwrap();
            let e = c.check().expect_err(bad).to_string();
            assert!(e.starts_with("[clover] base_url"), "{e}");
        }
    }

    #[test]
    fn shopify_tenders_default_to_the_order_and_a_typo_is_refused() {
        assert_eq!(
            Config::parse("").unwrap().shopify.tenders,
            ShopifyTenders::Order
        );
        let c = Config::parse("[shopify]\ntenders = \"transactions\"\n").unwrap();
        assert_eq!(c.shopify.tenders, ShopifyTenders::Transactions);
        let ctx = crate::adapters::Context::from_config(&c).unwrap();
        assert_eq!(ctx.shopify_tenders, ShopifyTenders::Transactions);
        assert!(Config::parse("[shopify]\ntenders = \"payments\"\n").is_err());
    }

    #[test]
    fn clover_tokens_are_per_merchant_with_a_shared_fallback() {
        let mut c = Config::parse(
            "[clover]\nbase_url = \"http://127.0.0.1:9\"\n[clover.merchants]\nM1 = \"S01\"\n",
        )
        .unwrap();
        assert_eq!(c.clover.token_for("M1"), None);
        c.apply_env(|k| match k {
            "POS_INGEST_CLOVER_ACCESS_TOKEN" => Some("shared".into()),
            "POS_INGEST_CLOVER_ACCESS_TOKENS" => Some("M1=t1, M2 = t2,broken,=x".into()),
            _ => None,
        });
        assert_eq!(c.clover.token_for("M1"), Some("t1"));
        assert_eq!(c.clover.token_for("M2"), Some("t2"));
        assert_eq!(c.clover.token_for("M3"), Some("shared"));
        assert_eq!(c.clover.access_tokens.len(), 2);
        let ctx = crate::adapters::Context::from_config(&c).unwrap();
        assert_eq!(
            ctx.clover_merchants.get("M1").map(String::as_str),
            Some("S01")
        );
    }

    #[test]
    fn square_no_sales_come_from_both_unless_one_is_named_and_a_typo_is_refused() {
        let ctx = |toml: &str| {
            crate::adapters::Context::from_config(&Config::parse(toml).unwrap())
                .unwrap()
                .square_no_sales
        };
        assert_eq!(ctx(""), SquareNoSales::Both);
        assert_eq!(
            ctx("[square]\nno_sales_from = \"shift_events\"\n"),
            SquareNoSales::ShiftEvents
        );
        assert_eq!(
            ctx("[square]\nno_sales_from = \"orders\"\n"),
            SquareNoSales::Orders
        );
        assert!(Config::parse("[square]\nno_sales_from = \"events\"\n").is_err());
    }

    #[test]
    fn toast_restaurants_name_their_stores_and_a_typo_is_refused() {
        let c = Config::parse("[toast.restaurants]\n\"8d3f5c21-6b0e\" = \"bistro\"\n").unwrap();
        let ctx = crate::adapters::Context::from_config(&c).unwrap();
        assert_eq!(
            ctx.toast_restaurants
                .get("8d3f5c21-6b0e")
                .map(String::as_str),
            Some("bistro")
        );
        assert!(Config::parse("[toast]\nrestaurant = { a = \"b\" }\n").is_err());
        let mut c = Config::parse("[toast]\nwebhook_secret = \"from-file\"\n").unwrap();
        assert_eq!(c.toast.webhook_secret.as_deref(), Some("from-file"));
        c.apply_env(|k| (k == "POS_INGEST_TOAST_WEBHOOK_SECRET").then(|| "from-env".into()));
        assert_eq!(c.toast.webhook_secret.as_deref(), Some("from-env"));
    }

    #[test]
    fn clover_webhook_auth_codes_are_one_or_a_list_and_the_env_replaces_them() {
        let one = Config::parse("[clover]\nwebhook_auth_code = \" code-1 \"\n").unwrap();
        assert_eq!(one.clover.webhook_auth_code, vec!["code-1".to_string()]);
        let mut many =
            Config::parse("[clover]\nwebhook_auth_code = [\"a\", \"\", \"b\"]\n").unwrap();
        assert_eq!(many.clover.webhook_auth_code, vec!["a", "b"]);
        assert!(Config::parse("")
            .unwrap()
            .clover
            .webhook_auth_code
            .is_empty());
        assert!(Config::parse("[clover]\nwebhook_auth_code = 7\n").is_err());
        many.apply_env(|k| {
            (k == "POS_INGEST_CLOVER_WEBHOOK_AUTH_CODE").then(|| "x, y,,".to_string())
        });
        assert_eq!(many.clover.webhook_auth_code, vec!["x", "y"]);
    }

    #[test]
    fn a_business_day_start_is_a_time_of_day_and_a_bad_one_is_named() {
        let c = Config::parse(
            "business_day_start = \"05:00\"\n[stores.BAR]\nbusiness_day_start = \"04:00\"\n",
        )
        .unwrap();
        assert!(c.check().is_ok());
        let ctx = crate::adapters::Context::from_config(&c).unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-03-07T04:30:00Z").unwrap();
        let at = at.with_timezone(&chrono::Utc);
        // 04:30 UTC: 04:30 at the bar (day starts 04:00) and elsewhere (05:00).
        assert_eq!(ctx.business_date("BAR", at).to_string(), "2026-03-07");
        assert_eq!(ctx.business_date("S1", at).to_string(), "2026-03-06");
        let c = Config::parse("[stores.BAR]\nbusiness_day_start = \"4am\"\n").unwrap();
        let err = format!("{:#}", c.check().unwrap_err());
        assert!(err.contains("BAR") && err.contains("4am"), "{err}");
    }

    #[test]
    fn serve_tokens_are_digests_bound_to_tenants_and_a_bad_key_is_refused_naming_it() {
        let d = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let c = Config::parse(&format!("[serve.tokens]\n{d} = \"acme\"\n")).unwrap();
        assert_eq!(c.serve.tokens.get(d).map(String::as_str), Some("acme"));
        assert!(c.check().is_ok());
        assert!(Config::parse("").unwrap().serve.tokens.is_empty());
        for key in [
            d.to_uppercase(),
            d[..63].to_string(),
            "my-token-in-clear".into(),
        ] {
            let c = Config::parse(&format!("[serve.tokens]\n\"{key}\" = \"acme\"\n")).unwrap();
            let e = format!("{:#}", c.check().unwrap_err());
            assert!(e.contains("[serve.tokens]") && e.contains(&key[..8]), "{e}");
            assert!(!e.contains(&key), "named by its start only: {e}");
        }
        let c = Config::parse(&format!("[serve.tokens]\n{d} = \" \"\n")).unwrap();
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("names no tenant") && e.contains(&d[..8]), "{e}");
    }

    #[test]
    fn serve_tokens_from_the_env_add_to_the_file_and_a_malformed_one_is_refused() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let mut c = Config::parse(&format!("[serve.tokens]\n{a} = \"acme\"\n")).unwrap();
        c.apply_env(|k| (k == "POS_INGEST_TOKENS").then(|| format!(" {b} = * ,")));
        assert_eq!(c.serve.tokens.get(&a).map(String::as_str), Some("acme"));
        assert_eq!(c.serve.tokens.get(&b).map(String::as_str), Some("*"));
        assert!(c.check().is_ok());
        c.apply_env(|k| (k == "POS_INGEST_TOKENS").then(|| "cleartext-token".into()));
        let e = c.check().unwrap_err().to_string();
        assert!(e.contains("\"cleartex…\"") && e.contains("SHA-256"), "{e}");
        let mut c = Config::default();
        c.apply_env(|k| (k == "POS_INGEST_TOKENS").then(|| format!("{a}=")));
        assert!(c
            .check()
            .unwrap_err()
            .to_string()
            .contains("names no tenant"));
    }

    #[test]
    fn env_overrides_file_and_bad_zone_is_named() {
        let mut c =
            Config::parse("tenant = \"t1\"\n[stores.S1]\ntimezone = \"Europe/Berlin\"\n").unwrap();
        c.apply_env(|k| (k == "POS_INGEST_TENANT").then(|| "t2".to_string()));
        assert_eq!(c.tenant, "t2");
        assert!(c.check().is_ok());
        let c = Config::parse("[stores.S9]\ntimezone = \"Mars/Base\"\n").unwrap();
        let err = format!("{:#}", c.check().unwrap_err());
        assert!(err.contains("S9") && err.contains("Mars/Base"), "{err}");
        assert!(
            Config::parse("tenat = \"x\"").is_err(),
            "typos in keys are refused"
        );
    }
}
