//! Click tracking off the redirect path: a bounded buffer that never blocks the redirect,
//! and an aggregator whose counts stay exact when the log delivers an event twice and when
//! the aggregator itself crashes and restarts.
//!
//! Shown in "Design a URL Shortener" (`book/src/designs/url-shortener.md`), stage 7.
//!
//! In: [`ClickEvent`]s, each with a unique [`EventId`] (server, incarnation, sequence)
//! assigned by the server that handled the click, the incarnation taken from durable
//! [`Incarnations`] at every start so that a restart never reuses an id. Events arrive in
//! any order and any number of times (at-least-once delivery), read from a partitioned
//! [`ClickLog`] by a [`ClickConsumer`] that may crash at any point.
//! Out: per-(code, minute) counts equal to the number of distinct events, kept in an
//! [`AnalyticsStore`] together with the log offsets they cover, and a report of events that
//! arrive after their minute was sealed.

use super::shard::shard_for;
use std::collections::{BTreeMap, HashSet, VecDeque};

// region: event_id
/// A click's identity: unique across servers, restarts and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    /// The application server that handled the click.
    pub server: u32,
    /// Which run of that server: taken from durable storage at every start.
    pub incarnation: u32,
    /// The click's number within that run, from 0.
    pub seq: u64,
}

/// Each server's last incarnation, kept in durable storage (a row in the coordination store,
/// or a file written and synced) so that a restart can never take one again.
#[derive(Debug, Clone, Default)]
pub struct Incarnations {
    last: BTreeMap<u32, u32>,
}

impl Incarnations {
    /// Moves `server` to its next incarnation and returns it. The new value must be durable
    /// before the server emits its first click.
    pub fn begin(&mut self, server: u32) -> u32 {
        let last = self.last.entry(server).or_insert(0);
        *last = last.checked_add(1).expect("2^32 restarts of one server");
        *last
    }
}

/// The event-id source of one server process. Its sequence lives in memory and restarts at
/// 0, so the incarnation is what keeps a restarted server's ids new.
#[derive(Debug, Clone)]
pub struct ClickIds {
    server: u32,
    incarnation: u32,
    next_seq: u64,
}

impl ClickIds {
    /// Called once when the server starts, before it serves a redirect.
    pub fn start(server: u32, incarnations: &mut Incarnations) -> ClickIds {
        ClickIds {
            server,
            incarnation: incarnations.begin(server),
            next_seq: 0,
        }
    }

    /// The id for the next click this process handles.
    pub fn next_id(&mut self) -> EventId {
        let seq = self.next_seq;
        self.next_seq += 1;
        EventId {
            server: self.server,
            incarnation: self.incarnation,
            seq,
        }
    }
}
// endregion: event_id

/// One click, as the redirect handler emits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickEvent {
    /// Unique per click; a redelivery or a retried send carries the same id.
    pub event_id: EventId,
    /// The short code that was followed.
    pub code: String,
    /// When the click happened (event time), in milliseconds since the epoch.
    pub at_ms: u64,
}

/// A bounded in-memory buffer between the redirect handler and the queue.
///
/// [`offer`](ClickBuffer::offer) never waits: when the queue is slow and the buffer is full,
/// the click is dropped and counted, and the redirect goes ahead.
#[derive(Debug, Clone)]
pub struct ClickBuffer {
    events: VecDeque<ClickEvent>,
    capacity: usize,
    dropped: u64,
}

impl ClickBuffer {
    /// A buffer that holds at most `capacity` events.
    pub fn new(capacity: usize) -> ClickBuffer {
        ClickBuffer {
            events: VecDeque::with_capacity(capacity),
            capacity,
            dropped: 0,
        }
    }

    /// Queues `event` if there is room; otherwise drops it. Reports whether it was kept.
    pub fn offer(&mut self, event: ClickEvent) -> bool {
        if self.events.len() == self.capacity {
            self.dropped += 1;
            return false;
        }
        self.events.push_back(event);
        true
    }

    /// Takes up to `max` events, oldest first, for the sender to publish.
    pub fn drain(&mut self, max: usize) -> Vec<ClickEvent> {
        let n = max.min(self.events.len());
        self.events.drain(..n).collect()
    }

    /// Clicks dropped because the buffer was full: the bounded analytics loss.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// What [`ClickAggregator::apply`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// First delivery: counted.
    Counted,
    /// A redelivery of an event already counted: ignored.
    Duplicate,
    /// The event's minute was already sealed: not counted, reported for reconciliation.
    Late,
}

/// One (code, minute) bucket: the ids seen while open, only the count once sealed.
#[derive(Debug, Clone)]
enum Bucket {
    Open(HashSet<EventId>),
    Sealed(u64),
}

// region: aggregate
/// Click counts per (code, minute), exact under duplicated and reordered delivery.
///
/// Events are bucketed by the time of the click, not the time they arrive, so every
/// redelivery of an event lands in the same bucket as the original, and the ids that
/// dedupe a bucket can be dropped when the bucket is sealed.
#[derive(Debug, Clone, Default)]
pub struct ClickAggregator {
    buckets: BTreeMap<(String, u64), Bucket>,
    late: u64,
}

impl ClickAggregator {
    /// Counts `event` once, however many times it is delivered.
    pub fn apply(&mut self, event: &ClickEvent) -> Applied {
        let minute = event.at_ms / 60_000;
        let bucket = self
            .buckets
            .entry((event.code.clone(), minute))
            .or_insert_with(|| Bucket::Open(HashSet::new()));
        match bucket {
            Bucket::Open(ids) if ids.contains(&event.event_id) => Applied::Duplicate,
            Bucket::Open(ids) => {
                ids.insert(event.event_id);
                Applied::Counted
            }
            Bucket::Sealed(_) => {
                self.late += 1;
                Applied::Late
            }
        }
    }

    /// Seals every bucket before `minute`: keeps its count, frees its ids. Call it once no
    /// copy of an event that old can still arrive (senders stop retrying after a while).
    pub fn seal_before(&mut self, minute: u64) {
        for ((_, m), bucket) in self.buckets.iter_mut() {
            if let (true, Bucket::Open(ids)) = (*m < minute, &*bucket) {
                *bucket = Bucket::Sealed(ids.len() as u64);
            }
        }
    }

    /// Clicks on `code` in `minute` (minutes since the epoch).
    pub fn count(&self, code: &str, minute: u64) -> u64 {
        match self.buckets.get(&(code.to_string(), minute)) {
            Some(Bucket::Open(ids)) => ids.len() as u64,
            Some(Bucket::Sealed(n)) => *n,
            None => 0,
        }
    }
}
// endregion: aggregate

impl ClickAggregator {
    /// Clicks on `code` over all minutes.
    pub fn total(&self, code: &str) -> u64 {
        self.buckets
            .keys()
            .filter(|(c, _)| c == code)
            .map(|(c, m)| self.count(c, *m))
            .sum()
    }

    /// Events that arrived after their minute was sealed.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Event ids still held for deduplication, across all open buckets.
    pub fn ids_held(&self) -> usize {
        self.buckets
            .values()
            .map(|b| match b {
                Bucket::Open(ids) => ids.len(),
                Bucket::Sealed(_) => 0,
            })
            .sum()
    }
}

/// A partitioned, append-only click log, as Kafka or NSQ keeps it: an event stays at its
/// offset, so a consumer that restarts reads again from the offset it saved last.
#[derive(Debug, Clone)]
pub struct ClickLog {
    partitions: Vec<Vec<ClickEvent>>,
}

impl ClickLog {
    /// An empty log with `partitions` partitions.
    pub fn new(partitions: usize) -> ClickLog {
        assert!(partitions > 0, "a log needs at least one partition");
        ClickLog {
            partitions: vec![Vec::new(); partitions],
        }
    }

    /// Appends `event` to the partition its code hashes to, so one code's clicks reach one
    /// aggregator. A sender that retries after a lost acknowledgement appends the same
    /// event twice: the log itself can hold duplicates.
    pub fn append(&mut self, event: ClickEvent) {
        let partition = shard_for(&event.code, self.partitions.len());
        self.partitions[partition].push(event);
    }

    /// Up to `max` events of `partition`, starting at offset `from`.
    pub fn read(&self, partition: usize, from: usize, max: usize) -> &[ClickEvent] {
        let events = &self.partitions[partition];
        let from = from.min(events.len());
        &events[from..(from + max).min(events.len())]
    }

    /// The number of partitions.
    pub fn partitions(&self) -> usize {
        self.partitions.len()
    }
}

/// Everything a restarted aggregator needs, saved as one unit: the counts, the event ids
/// that deduplicate the open buckets, and the log offsets that state covers.
#[derive(Debug, Clone)]
struct Checkpoint {
    offsets: Vec<usize>,
    aggregator: ClickAggregator,
}

/// The durable side of click counting: what survives an aggregator crash. Stands for the
/// analytics database, where the `click_counts` rows, the open buckets' event ids and the
/// consumer's log offsets are written in one transaction.
#[derive(Debug, Clone)]
pub struct AnalyticsStore {
    checkpoint: Checkpoint,
}

impl AnalyticsStore {
    /// An empty store for a log of `partitions` partitions: nothing counted, every offset 0.
    pub fn new(partitions: usize) -> AnalyticsStore {
        AnalyticsStore {
            checkpoint: Checkpoint {
                offsets: vec![0; partitions],
                aggregator: ClickAggregator::default(),
            },
        }
    }

    /// The stored clicks on `code` in `minute`: what the stats page shows.
    pub fn count(&self, code: &str, minute: u64) -> u64 {
        self.checkpoint.aggregator.count(code, minute)
    }
}

// region: checkpoint
/// One aggregator process: reads the log from its offsets, counts, and checkpoints.
#[derive(Debug, Clone)]
pub struct ClickConsumer {
    aggregator: ClickAggregator,
    offsets: Vec<usize>,
}

impl ClickConsumer {
    /// Starts, or restarts after a crash, from the last checkpoint: the counts, the ids and
    /// the offsets all come from the same moment, so the log redelivers exactly the events
    /// that state has not seen.
    pub fn recover(store: &AnalyticsStore) -> ClickConsumer {
        let Checkpoint {
            offsets,
            aggregator,
        } = store.checkpoint.clone();
        ClickConsumer {
            aggregator,
            offsets,
        }
    }

    /// Reads and applies up to `max` events from each partition, advancing the offsets in
    /// memory only. Returns how many events it read.
    pub fn poll(&mut self, log: &ClickLog, max: usize) -> usize {
        let mut read = 0;
        for (partition, offset) in self.offsets.iter_mut().enumerate() {
            let batch = log.read(partition, *offset, max);
            batch.iter().for_each(|event| {
                self.aggregator.apply(event);
            });
            *offset += batch.len();
            read += batch.len();
        }
        read
    }

    /// Saves counts, ids and offsets in one atomic write (a database transaction, or a
    /// file written in full and then renamed over the old one). A crash leaves either the
    /// old checkpoint or the new one, never counts from one and offsets from the other.
    pub fn commit(&self, store: &mut AnalyticsStore) {
        store.checkpoint = Checkpoint {
            offsets: self.offsets.clone(),
            aggregator: self.aggregator.clone(),
        };
    }
}
// endregion: checkpoint

impl ClickConsumer {
    /// Seals the buckets before `minute` (see [`ClickAggregator::seal_before`]); the next
    /// checkpoint then stores their counts without their ids.
    pub fn seal_before(&mut self, minute: u64) {
        self.aggregator.seal_before(minute);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url_shortener::test_rng::SplitMix64;

    /// `n` distinct clicks over 5 codes and 10 minutes.
    fn clicks(rng: &mut SplitMix64, n: u64) -> Vec<ClickEvent> {
        (0..n)
            .map(|i| ClickEvent {
                event_id: EventId {
                    server: rng.below(4) as u32,
                    incarnation: 1,
                    seq: i,
                },
                code: format!("c{}", rng.below(5)),
                at_ms: rng.next_u64() % 600_000,
            })
            .collect()
    }

    fn shuffle<T>(rng: &mut SplitMix64, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, rng.below(i + 1));
        }
    }

    #[test]
    fn counts_are_exact_under_duplicated_and_reordered_delivery() {
        for seed in 0..50 {
            let mut rng = SplitMix64::new(seed);
            let events = clicks(&mut rng, 2_000);
            // The truth: each event once.
            let mut truth: BTreeMap<(String, u64), u64> = BTreeMap::new();
            for e in &events {
                *truth.entry((e.code.clone(), e.at_ms / 60_000)).or_default() += 1;
            }
            // The delivery: every event 1 to 4 times, all shuffled together.
            let mut delivery: Vec<&ClickEvent> = Vec::new();
            for e in &events {
                for _ in 0..=rng.below(4) {
                    delivery.push(e);
                }
            }
            shuffle(&mut rng, &mut delivery);
            let mut agg = ClickAggregator::default();
            let counted = delivery
                .iter()
                .filter(|e| agg.apply(e) == Applied::Counted)
                .count();
            assert_eq!(counted, events.len(), "seed {seed}");
            for ((code, minute), n) in &truth {
                assert_eq!(
                    agg.count(code, *minute),
                    *n,
                    "seed {seed}: {code} at minute {minute}"
                );
            }
            let total: u64 = (0..5).map(|c| agg.total(&format!("c{c}"))).sum();
            assert_eq!(total, 2_000);
        }
    }

    #[test]
    fn replaying_a_whole_batch_changes_nothing() {
        let mut rng = SplitMix64::new(77);
        let events = clicks(&mut rng, 500);
        let mut agg = ClickAggregator::default();
        events
            .iter()
            .for_each(|e| assert_eq!(agg.apply(e), Applied::Counted));
        let before: Vec<u64> = (0..5).map(|c| agg.total(&format!("c{c}"))).collect();
        events
            .iter()
            .for_each(|e| assert_eq!(agg.apply(e), Applied::Duplicate));
        let after: Vec<u64> = (0..5).map(|c| agg.total(&format!("c{c}"))).collect();
        assert_eq!(before, after);
    }

    #[test]
    fn sealing_keeps_counts_frees_ids_and_reports_late_events() {
        let mut rng = SplitMix64::new(5);
        let events = clicks(&mut rng, 1_000);
        let mut agg = ClickAggregator::default();
        events.iter().for_each(|e| {
            agg.apply(e);
        });
        let before: Vec<u64> = (0..5).map(|c| agg.total(&format!("c{c}"))).collect();
        agg.seal_before(10); // all ten minutes
        assert_eq!(agg.ids_held(), 0);
        let after: Vec<u64> = (0..5).map(|c| agg.total(&format!("c{c}"))).collect();
        assert_eq!(before, after);
        // A redelivery now cannot be told from a new click, so it is reported, not counted.
        assert_eq!(agg.apply(&events[0]), Applied::Late);
        assert_eq!(agg.late(), 1);
        assert_eq!(
            after,
            (0..5)
                .map(|c| agg.total(&format!("c{c}")))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_buffer_never_blocks_and_never_exceeds_its_capacity() {
        let mut buffer = ClickBuffer::new(100);
        let mut kept = 0;
        for i in 0..250 {
            let event = ClickEvent {
                event_id: EventId {
                    server: 0,
                    incarnation: 1,
                    seq: i,
                },
                code: "c".into(),
                at_ms: i,
            };
            if buffer.offer(event) {
                kept += 1;
            }
            if i % 50 == 49 {
                buffer.drain(30); // a slow sender
            }
            assert!(buffer.events.len() <= 100);
        }
        assert_eq!(kept + buffer.dropped(), 250);
        assert!(buffer.dropped() > 0);
        let first = buffer.drain(1);
        assert_eq!(first.len(), 1);
    }
    /// The truth: each distinct event once, per (code, minute).
    fn truth(events: &[ClickEvent]) -> BTreeMap<(String, u64), u64> {
        let mut truth = BTreeMap::new();
        for e in events {
            *truth.entry((e.code.clone(), e.at_ms / 60_000)).or_default() += 1;
        }
        truth
    }

    #[test]
    fn a_crash_between_applying_and_checkpointing_loses_no_clicks_and_counts_none_twice() {
        // The scripted case first: commit one batch, apply a second, crash before the
        // commit, restart from the store, and let the log redeliver the second batch.
        let events: Vec<ClickEvent> = (0..6)
            .map(|i| ClickEvent {
                event_id: EventId {
                    server: 1,
                    incarnation: 1,
                    seq: i,
                },
                code: "launch".into(),
                at_ms: 1_000 * i,
            })
            .collect();
        let mut log = ClickLog::new(1);
        events.iter().for_each(|e| log.append(e.clone()));
        let mut store = AnalyticsStore::new(1);
        let mut consumer = ClickConsumer::recover(&store);
        assert_eq!(consumer.poll(&log, 3), 3);
        consumer.commit(&mut store);
        assert_eq!(consumer.poll(&log, 3), 3); // applied in memory ...
        drop(consumer); // ... and the process dies before its commit
        let mut consumer = ClickConsumer::recover(&store);
        assert_eq!(
            consumer.poll(&log, 10),
            3,
            "the log redelivers the second batch"
        );
        consumer.commit(&mut store);
        assert_eq!(store.count("launch", 0), 6);

        // Then seeded runs: senders that retry put duplicates in the log, and the aggregator
        // crashes at scripted points, before or after a commit.
        for seed in 0..50 {
            let mut rng = SplitMix64::new(seed);
            let events = clicks(&mut rng, 2_000);
            let mut log = ClickLog::new(4);
            for e in &events {
                log.append(e.clone());
                if rng.below(10) == 0 {
                    log.append(e.clone()); // a retried send
                }
            }
            let mut store = AnalyticsStore::new(4);
            let mut consumer = ClickConsumer::recover(&store);
            let mut crashes = 0;
            loop {
                let read = consumer.poll(&log, 1 + rng.below(60));
                if rng.below(4) == 0 {
                    crashes += 1; // applied, not committed: memory is lost
                    consumer = ClickConsumer::recover(&store);
                    continue;
                }
                consumer.commit(&mut store);
                if read == 0 {
                    break;
                }
            }
            assert!(crashes > 0, "seed {seed}: the script never crashed");
            for ((code, minute), n) in truth(&events) {
                assert_eq!(
                    store.count(&code, minute),
                    n,
                    "seed {seed}: {code} at minute {minute} after {crashes} crashes"
                );
            }
        }
    }
    #[test]
    fn a_restarted_server_never_reuses_an_event_id() {
        let mut incarnations = Incarnations::default(); // durable: survives the restarts
        let mut log = ClickLog::new(2);
        let mut seen = HashSet::new();
        let mut first_runs = Vec::new();
        for run in 0..3 {
            let mut ids = ClickIds::start(7, &mut incarnations); // a (re)start of server 7
            let first = ids.next_id();
            first_runs.push(first);
            for id in std::iter::once(first).chain((1..1_000).map(|_| ids.next_id())) {
                assert!(seen.insert(id), "run {run} reused {id:?}");
                // Every click falls in the same minute, so a reused id would be a duplicate.
                log.append(ClickEvent {
                    event_id: id,
                    code: "launch".into(),
                    at_ms: 5_000,
                });
            }
        }
        // The sequence itself restarts at 0 each time; only the incarnation differs.
        assert!(first_runs.iter().all(|id| id.seq == 0 && id.server == 7));
        let incarnations_seen: Vec<u32> = first_runs.iter().map(|id| id.incarnation).collect();
        assert_eq!(incarnations_seen, [1, 2, 3]);
        // Downstream, all 3,000 clicks count: none is mistaken for a redelivery.
        let mut store = AnalyticsStore::new(2);
        let mut consumer = ClickConsumer::recover(&store);
        while consumer.poll(&log, 100) > 0 {}
        consumer.commit(&mut store);
        assert_eq!(store.count("launch", 0), 3_000);
    }
}
