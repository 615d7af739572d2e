//! A lease-based lock on etcd whose fencing token is the lock key's create revision, and a
//! store that refuses writes carrying an older token.
//!
//! In: an etcd 3.4 or later endpoint (its v3 JSON gateway over plain HTTP), a lock name, a
//! lease TTL in seconds; for the store, each write's token.
//! Out: `Etcd` grants, keeps alive and revokes leases and takes the lock with one
//! transaction: create the key, attached to the lease, only if it does not exist
//! (create_revision == 0). The revision of that transaction, which etcd never reuses and
//! which grows with every write to the cluster, is the fencing token. `FencedStore`
//! remembers the highest token it has accepted and rejects any lower one. The test
//! `snippets/tests/etcd.rs` runs both against a real etcd, with a holder paused past its
//! lease; the Coordination handbook shows the code and the timings.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// A failed call to etcd: the network, an HTTP error, or a reply that etcd should not send.
#[derive(Debug)]
pub struct EtcdError(pub String);

impl fmt::Display for EtcdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "etcd: {}", self.0)
    }
}

impl std::error::Error for EtcdError {}

/// A lease: etcd deletes every key attached to it when it is revoked or expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The lease id etcd chose.
    pub id: i64,
    /// The TTL etcd granted, in seconds; etcd raises a TTL below its minimum.
    pub ttl_secs: i64,
}

/// A held lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    /// The lock's key in etcd.
    pub key: String,
    /// The lease the key is attached to.
    pub lease: Lease,
    /// The fencing token: the key's create revision.
    pub token: u64,
}

/// A client for etcd's v3 JSON gateway.
#[derive(Clone, Debug)]
pub struct Etcd {
    base: String,
    agent: ureq::Agent,
}

impl Etcd {
    /// A client for the endpoint `http://host:port`; every call gives up after `timeout`.
    pub fn new(endpoint: &str, timeout: Duration) -> Etcd {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build();
        Etcd {
            base: endpoint.trim_end_matches('/').to_string(),
            agent: ureq::Agent::new_with_config(config),
        }
    }

    /// POSTs `body` to a gateway path and returns the JSON reply, or etcd's error.
    fn call(&self, path: &str, body: &Value) -> Result<Value, EtcdError> {
        let mut reply = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(body)
            .map_err(|e| EtcdError(e.to_string()))?;
        let value: Value = reply
            .body_mut()
            .read_json()
            .map_err(|e| EtcdError(e.to_string()))?;
        match value.get("error") {
            Some(message) => Err(EtcdError(message.to_string())),
            None => Ok(value),
        }
    }

    /// Grants a lease of `ttl_secs` seconds.
    pub fn grant(&self, ttl_secs: i64) -> Result<Lease, EtcdError> {
        let r = self.call("/v3/lease/grant", &json!({ "TTL": ttl_secs }))?;
        Ok(Lease {
            id: int(&r["ID"])?,
            ttl_secs: int(&r["TTL"])?,
        })
    }

    /// Renews a lease for its full TTL. Returns the TTL left, which is 0 or less once the
    /// lease has expired: a holder that sees that has lost the lock.
    pub fn keep_alive(&self, lease: Lease) -> Result<i64, EtcdError> {
        let r = self.call(
            "/v3/lease/keepalive",
            &json!({ "ID": lease.id.to_string() }),
        )?;
        // An expired lease comes back without a TTL field: zero in proto3's JSON.
        Ok(int(&r["result"]["TTL"]).unwrap_or(0))
    }

    /// Revokes a lease, deleting its keys. Revoking an expired lease is not an error.
    pub fn revoke(&self, lease: Lease) -> Result<(), EtcdError> {
        match self.call("/v3/lease/revoke", &json!({ "ID": lease.id.to_string() })) {
            Err(e) if e.0.contains("lease not found") => Ok(()),
            other => other.map(|_| ()),
        }
    }

    // region: try_lock
    /// Takes the lock `name` for `lease` if nobody holds it. One transaction: if the key has
    /// never been created (create_revision is 0; an expired or revoked lease deletes it),
    /// create it attached to the lease. The transaction's revision is the key's create
    /// revision, and etcd's revisions only grow, so each new holder gets a larger token.
    pub fn try_lock(&self, name: &str, lease: Lease) -> Result<Option<Lock>, EtcdError> {
        let key = BASE64.encode(name);
        let txn = json!({
            "compare": [{ "target": "CREATE", "key": key, "create_revision": "0" }],
            "success": [{ "request_put": {
                "key": key,
                "value": BASE64.encode(lease.id.to_string()),
                "lease": lease.id.to_string(),
            }}],
            "failure": [{ "request_range": { "key": key } }],
        });
        let r = self.call("/v3/kv/txn", &txn)?;
        if r["succeeded"] != json!(true) {
            return Ok(None); // held by someone else
        }
        let token = int(&r["header"]["revision"])?;
        Ok(Some(Lock {
            key: name.to_string(),
            lease,
            token: u64::try_from(token).map_err(|_| EtcdError(format!("revision {token}")))?,
        }))
    }
    // endregion: try_lock

    /// The create revision of the lock's key, or `None` if nobody holds it.
    pub fn holder_token(&self, name: &str) -> Result<Option<u64>, EtcdError> {
        let r = self.call("/v3/kv/range", &json!({ "key": BASE64.encode(name) }))?;
        match r["kvs"].get(0) {
            None => Ok(None),
            Some(kv) => Ok(Some(int(&kv["create_revision"])? as u64)),
        }
    }
}

/// The gateway writes 64-bit integers as JSON strings.
fn int(v: &Value) -> Result<i64, EtcdError> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_i64())
        .ok_or_else(|| EtcdError(format!("expected an integer, got {v}")))
}

/// A write refused because its token is older than one already seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stale {
    /// The token the write carried.
    pub token: u64,
    /// The highest token the store had accepted.
    pub highest: u64,
}

/// The protected resource: a value, written only by the holder of the newest token.
///
/// ```
/// use snippets::coordination::lock::{FencedStore, Stale};
///
/// let mut store = FencedStore::default();
/// store.write(33, "from client 1").unwrap();
/// store.write(34, "from client 2").unwrap();
/// // Client 1 wakes from its pause and writes with its old token.
/// assert_eq!(store.write(33, "late"), Err(Stale { token: 33, highest: 34 }));
/// assert_eq!(store.value(), Some("from client 2"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct FencedStore {
    highest: u64,
    value: Option<String>,
    unchecked: bool,
}

// region: fenced_store
impl FencedStore {
    /// Accepts the write if no newer token has been seen; the same holder may write again
    /// with its own token.
    pub fn write(&mut self, token: u64, value: &str) -> Result<(), Stale> {
        if token < self.highest && !self.unchecked {
            return Err(Stale {
                token,
                highest: self.highest,
            });
        }
        self.highest = self.highest.max(token);
        self.value = Some(value.to_string());
        Ok(())
    }
}
// endregion: fenced_store

impl FencedStore {
    /// A store that skips the check: the unsafe store the tests compare against.
    pub fn without_check() -> FencedStore {
        FencedStore {
            unchecked: true,
            ..FencedStore::default()
        }
    }

    /// The value last accepted.
    pub fn value(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_may_repeat_and_grow_but_never_go_back() {
        let mut s = FencedStore::default();
        for t in [1, 1, 5, 5, 9] {
            s.write(t, "x").unwrap();
        }
        for t in [0, 4, 8] {
            assert_eq!(
                s.write(t, "y"),
                Err(Stale {
                    token: t,
                    highest: 9
                })
            );
        }
        let mut unsafe_store = FencedStore::without_check();
        unsafe_store.write(9, "new").unwrap();
        unsafe_store.write(4, "stale").unwrap();
        assert_eq!(unsafe_store.value(), Some("stale"));
    }

    #[test]
    fn integers_come_as_strings_or_numbers() {
        assert_eq!(int(&json!("42")).unwrap(), 42);
        assert_eq!(int(&json!(7)).unwrap(), 7);
        assert!(int(&Value::Null).is_err());
    }
}
