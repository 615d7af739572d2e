//! A consistent-hash ring with virtual nodes, weights and replica placement.
//!
//! Shown in the Consistent-Hash Ring Explorer (`book/src/tools/ring-explorer.md`), whose
//! JavaScript core must agree with this module key for key (see the `vectors` tests), and
//! meant for the Key-Value Store and Distributed Cache chapters.
//!
//! In: physical nodes with weights, a number of virtual nodes per unit of weight, and keys.
//! Out: each key's owner (the first token clockwise from the key's hash, wrapping at 2³²),
//! its preference list (the owner, then the next distinct physical nodes clockwise), and
//! for comparison placement by `hash mod n`, by rendezvous hashing and by jump hash.

use std::collections::BTreeMap;

// region: hash
/// A 32-bit hash that is the same on every machine and in every language the book uses:
/// FNV-1a over the UTF-8 bytes, then MurmurHash3's 32-bit finaliser so that names which
/// differ only in their last character (`node-a#1`, `node-a#2`) land far apart.
///
/// ```
/// use snippets::ring::hash32;
///
/// assert_eq!(hash32("node-a#0"), hash32("node-a#0")); // stable everywhere
/// assert_ne!(hash32("node-a#0"), hash32("node-a#1"));
/// ```
pub fn hash32(text: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5; // FNV-1a offset basis
    for &b in text.as_bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193); // FNV prime
    }
    h ^= h >> 16; // fmix32
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}
// endregion: hash

/// The ring: physical nodes with weights, and the tokens their virtual nodes place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ring {
    /// Virtual nodes per unit of weight.
    vnodes: u32,
    /// Physical node name → weight.
    nodes: BTreeMap<String, u32>,
    /// Token position → the node that owns the arc ending there.
    tokens: BTreeMap<u32, String>,
}

impl Ring {
    /// An empty ring that gives each node `vnodes` tokens per unit of weight.
    pub fn new(vnodes: u32) -> Ring {
        assert!(vnodes > 0, "a node needs at least one token");
        Ring {
            vnodes,
            ..Ring::default()
        }
    }

    // region: tokens
    /// Adds `node` with `weight`: it places `weight × vnodes` tokens, each at the hash of
    /// `"<node>#<i>"`. A token's position depends only on its node and index, so adding or
    /// removing other nodes never moves it.
    pub fn add(&mut self, node: &str, weight: u32) {
        self.nodes.insert(node.to_string(), weight);
        self.rebuild();
    }

    /// Removes `node` and its tokens; its arcs fall to the next tokens clockwise.
    pub fn remove(&mut self, node: &str) {
        self.nodes.remove(node);
        self.rebuild();
    }

    fn rebuild(&mut self) {
        self.tokens.clear();
        for (node, &weight) in &self.nodes {
            for i in 0..weight * self.vnodes {
                let token = hash32(&format!("{node}#{i}"));
                // Two tokens on one position (rare with 2³² positions): the node whose name
                // sorts first keeps it, whatever order the nodes joined in.
                self.tokens.entry(token).or_insert_with(|| node.clone());
            }
        }
    }
    // endregion: tokens

    /// The physical nodes, by name.
    pub fn nodes(&self) -> impl Iterator<Item = &str> {
        self.nodes.keys().map(String::as_str)
    }

    /// Every token in clockwise order, with its node.
    pub fn tokens(&self) -> impl Iterator<Item = (u32, &str)> {
        self.tokens.iter().map(|(&t, n)| (t, n.as_str()))
    }

    // region: ownership
    /// How much of the ring each node owns: the total length, in hash positions, of the
    /// arcs that end at its tokens (an arc runs from the previous token, exclusive, to the
    /// token, inclusive). The lengths of all nodes add up to 2³²; a node's share of keys
    /// tends to its length over 2³² as keys grow.
    ///
    /// ```
    /// use snippets::ring::Ring;
    ///
    /// let mut ring = Ring::new(16);
    /// for node in ["node-a", "node-b", "node-c"] {
    ///     ring.add(node, 1);
    /// }
    /// let owned = ring.ownership();
    /// assert_eq!(owned.values().sum::<u64>(), 1 << 32);
    /// ```
    pub fn ownership(&self) -> BTreeMap<&str, u64> {
        let mut owned: BTreeMap<&str, u64> = self.nodes().map(|n| (n, 0)).collect();
        let mut previous = match self.tokens.last_key_value() {
            Some((&last, _)) => i64::from(last) - (1 << 32),
            None => return owned,
        };
        for (&token, node) in &self.tokens {
            *owned
                .get_mut(node.as_str())
                .expect("a token's node is on the ring") +=
                u64::try_from(i64::from(token) - previous).expect("tokens ascend");
            previous = i64::from(token);
        }
        owned
    }
    // endregion: ownership

    // region: lookup
    /// The node that owns `key`: the first token at or after the key's hash, wrapping
    /// around to the smallest token past 2³² − 1.
    ///
    /// ```
    /// use snippets::ring::Ring;
    ///
    /// let mut ring = Ring::new(100);
    /// for node in ["node-a", "node-b", "node-c"] {
    ///     ring.add(node, 1);
    /// }
    /// let owner = ring.owner("user:42").unwrap().to_string();
    /// ring.add("node-d", 1);
    /// // A key either stays put or moves to the node that joined.
    /// let now = ring.owner("user:42").unwrap();
    /// assert!(now == owner || now == "node-d");
    /// ```
    pub fn owner(&self, key: &str) -> Option<&str> {
        self.clockwise(hash32(key)).next()
    }

    /// The `n` distinct physical nodes that hold `key`, owner first, in clockwise order:
    /// tokens of a node already in the list are skipped, so two replicas never share a
    /// machine. Fewer than `n` when the ring has fewer nodes.
    pub fn preference_list(&self, key: &str, n: usize) -> Vec<&str> {
        let mut list: Vec<&str> = Vec::with_capacity(n);
        for node in self.clockwise(hash32(key)) {
            if list.len() == n.min(self.nodes.len()) {
                break;
            }
            if !list.contains(&node) {
                list.push(node);
            }
        }
        list
    }

    /// Token owners clockwise from `position`, once round the ring.
    fn clockwise(&self, position: u32) -> impl Iterator<Item = &str> {
        let after = self.tokens.range(position..);
        let wrapped = self.tokens.range(..position);
        after.chain(wrapped).map(|(_, n)| n.as_str())
    }
    // endregion: lookup
}

// region: modulo
/// Placement without a ring, for comparison: the node at `hash mod n` in `nodes`. Adding a
/// node changes `n`, so most keys change owner.
pub fn mod_owner<'a>(key: &str, nodes: &[&'a str]) -> Option<&'a str> {
    let n = u32::try_from(nodes.len()).ok().filter(|&n| n > 0)?;
    Some(nodes[(hash32(key) % n) as usize])
}
// endregion: modulo

// region: rendezvous
/// Rendezvous, or highest random weight, placement (Thaler and Ravishankar, 1998): every node
/// scores the key with `hash32("<node>/<key>")`, and the `n` highest scores hold it, highest
/// first. Equal scores (rare with 2³² values) go to the name that sorts first. A node that
/// leaves takes only its own keys with it, each to that key's next-highest node.
///
/// ```
/// use snippets::ring::rendezvous;
///
/// let nodes = ["node-a", "node-b", "node-c", "node-d"];
/// let list = rendezvous("user:42", &nodes, 2);
/// assert_eq!(list.len(), 2);
/// // Without the owner, the runner-up takes over.
/// let rest: Vec<&str> = nodes.iter().copied().filter(|n| *n != list[0]).collect();
/// assert_eq!(rendezvous("user:42", &rest, 1), [list[1]]);
/// ```
pub fn rendezvous<'a>(key: &str, nodes: &[&'a str], n: usize) -> Vec<&'a str> {
    let mut scored: Vec<(u32, &'a str)> = nodes
        .iter()
        .map(|node| (hash32(&format!("{node}/{key}")), *node))
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, node)| node).collect()
}
// endregion: rendezvous

// region: jump
/// Jump consistent hash (Lamping and Veach, 2014): the bucket, from 0 to `buckets − 1`, of a
/// 64-bit key, with no table. Growing from n to n + 1 buckets moves a key only to the new
/// bucket n; the buckets are numbers, so only the last one can be removed without moving keys
/// between the others.
///
/// ```
/// use snippets::ring::jump;
///
/// assert_eq!(jump(1, 60), 55); // a published value
/// for key in 0..1_000 {
///     let (before, after) = (jump(key, 10), jump(key, 11));
///     assert!(after == before || after == 10);
/// }
/// ```
pub fn jump(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j) = (-1_i64, 0_i64);
    while j < i64::from(buckets) {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        // The paper's step in double precision, as its reference code computes it.
        j = ((b + 1) as f64 * ((1_i64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    u32::try_from(b).expect("at least one bucket")
}
// endregion: jump

/// Jump consistent hash over named nodes: bucket i is `nodes[i]`, and the key's 64-bit input
/// is its `hash32`. Removing a node from the middle of the list renumbers every node after it.
pub fn jump_owner<'a>(key: &str, nodes: &[&'a str]) -> Option<&'a str> {
    let n = u32::try_from(nodes.len()).ok().filter(|&n| n > 0)?;
    Some(nodes[jump(u64::from(hash32(key)), n) as usize])
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;
