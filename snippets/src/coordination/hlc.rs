//! Hybrid logical clocks (Kulkarni, Demirbas, Madappa, Avva and Leone, 2014).
//!
//! In: the node's physical clock reading `pt` at each event (a parameter, never read here),
//! and the timestamps carried by received messages.
//! Out: a timestamp (l, c) per event. l is the largest physical time the node has heard of,
//! c counts events that share that l. If e → f then (l, c) of e is less than that of f;
//! l never runs behind the node's own physical clock and, while clocks stay within ε of each
//! other and never step back, never runs ahead of it by more than ε; c stays bounded. The
//! pair packs into one u64 (48 bits of l, 16 of c) that sorts like the pair.

/// An HLC timestamp. Fields compare in order: l first, then c.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// The largest physical time heard of, in the physical clock's unit (here milliseconds).
    pub l: u64,
    /// Events since l last changed: the logical part.
    pub c: u32,
}

impl Timestamp {
    /// 48 bits of l and 16 bits of c in one u64, which sorts like the timestamp; `None` if
    /// either part does not fit. 2^48 ms is about 8,900 years.
    ///
    /// ```
    /// use snippets::coordination::hlc::Timestamp;
    ///
    /// let a = Timestamp { l: 1_700_000_000_000, c: 3 };
    /// let b = Timestamp { l: 1_700_000_000_001, c: 0 };
    /// assert!(a.pack().unwrap() < b.pack().unwrap());
    /// assert_eq!(Timestamp::unpack(a.pack().unwrap()), a);
    /// ```
    pub fn pack(self) -> Option<u64> {
        (self.l < 1 << 48 && self.c < 1 << 16).then(|| self.l << 16 | u64::from(self.c))
    }

    /// The timestamp a packed u64 holds.
    pub fn unpack(packed: u64) -> Timestamp {
        Timestamp {
            l: packed >> 16,
            c: (packed & 0xFFFF) as u32,
        }
    }
}

/// One node's hybrid logical clock.
///
/// ```
/// use snippets::coordination::hlc::{Hlc, Timestamp};
///
/// let mut fast = Hlc::default();
/// let mut slow = Hlc::default();
/// let sent = fast.send(1_000); // the fast node's clock reads 1,000 ms
/// // The slow node reads 990 ms, yet its receive is ordered after the send.
/// let got = slow.receive(990, sent);
/// assert_eq!(got, Timestamp { l: 1_000, c: 1 });
/// assert!(sent < got);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Hlc {
    last: Timestamp,
}

// region: hlc
impl Hlc {
    /// A local event or a send, with the physical clock reading `pt`.
    pub fn send(&mut self, pt: u64) -> Timestamp {
        let old = self.last.l;
        self.last.l = old.max(pt);
        // Same l as before: count one more event at it; a newer l restarts the count.
        self.last.c = if self.last.l == old {
            self.last.c + 1
        } else {
            0
        };
        self.last
    }

    /// A receive of a message stamped `m`, with the physical clock reading `pt`.
    pub fn receive(&mut self, pt: u64, m: Timestamp) -> Timestamp {
        let old = self.last;
        self.last.l = old.l.max(m.l).max(pt);
        self.last.c = match (self.last.l == old.l, self.last.l == m.l) {
            // Both already at l: after every event either one has seen at it.
            (true, true) => old.c.max(m.c) + 1,
            (true, false) => old.c + 1,
            (false, true) => m.c + 1,
            // The physical clock moved past both: a fresh l.
            (false, false) => 0,
        };
        self.last
    }
}
// endregion: hlc

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::rng::Mulberry32;

    /// What a run measured.
    struct Run {
        events: usize,
        max_c: u32,
        max_ahead: u64,
    }

    /// `events` events on `n` nodes. True time advances one tick at a time; each node's
    /// physical clock advances by one tick per event it runs, but only while it stays within
    /// `eps` ticks of every other node's clock, the synchronisation bound NTP is assumed to
    /// keep. Events are local steps, sends and receives of any message in flight.
    fn run(n: usize, events: usize, eps: u64, seed: u32) -> Run {
        let mut rng = Mulberry32::new(seed);
        let mut pt = vec![0u64; n];
        let mut clocks = vec![Hlc::default(); n];
        let mut last: Vec<Option<Timestamp>> = vec![None; n];
        let mut in_flight: Vec<(usize, Timestamp)> = Vec::new();
        let (mut max_c, mut max_ahead) = (0, 0);
        let mut done = 0;
        while done < events {
            let p = rng.range(0, n as u64) as usize;
            let slowest = *pt.iter().min().unwrap();
            if pt[p] + 1 > slowest + eps {
                continue; // this clock may not run further ahead
            }
            pt[p] += 1;
            let mine: Vec<usize> = (0..in_flight.len())
                .filter(|&i| in_flight[i].0 == p)
                .collect();
            let ts = if !mine.is_empty() && rng.chance(500) {
                let pick = mine[rng.range(0, mine.len() as u64) as usize];
                let (_, sent) = in_flight.swap_remove(pick);
                let got = clocks[p].receive(pt[p], sent);
                assert!(sent < got, "seed {seed}: a receive not after its send");
                got
            } else {
                let ts = clocks[p].send(pt[p]);
                if rng.chance(600) {
                    let to = (p + 1 + rng.range(0, n as u64 - 1) as usize) % n;
                    in_flight.push((to, ts));
                }
                ts
            };
            if let Some(prev) = last[p] {
                assert!(prev < ts, "seed {seed}: node {p} went back");
                assert!(
                    prev.pack() < ts.pack(),
                    "seed {seed}: packing broke the order"
                );
            }
            last[p] = Some(ts);
            // Kulkarni et al., Theorems 2 and 3: pt ≤ l ≤ pt + ε.
            assert!(
                ts.l >= pt[p] && ts.l - pt[p] <= eps,
                "seed {seed}: l strayed"
            );
            // The bound on c for N nodes and ε ticks: c < N·(ε + 1).
            assert!(
                u64::from(ts.c) < n as u64 * (eps + 1),
                "seed {seed}: c = {}",
                ts.c
            );
            max_c = max_c.max(ts.c);
            max_ahead = max_ahead.max(ts.l - pt[p]);
            done += 1;
        }
        Run {
            events: done,
            max_c,
            max_ahead,
        }
    }

    #[test]
    fn hlc_stays_causal_close_and_bounded() {
        let mut worst_c = 0;
        let mut worst_ahead = 0;
        for seed in 0..20 {
            let r = run(4, 20_000, 10, seed);
            assert_eq!(r.events, 20_000);
            worst_c = worst_c.max(r.max_c);
            worst_ahead = worst_ahead.max(r.max_ahead);
        }
        // Measured over 20 runs: the bounds are loose in practice. The runs are seeded, so
        // the maxima are exact; the Coordination handbook quotes them.
        eprintln!("largest l - pt: {worst_ahead} ms, largest c: {worst_c}");
        assert!(worst_ahead <= 10 && worst_c < 44, "{worst_ahead} {worst_c}");
        assert_eq!((worst_ahead, worst_c), (9, 16));
    }

    #[test]
    fn the_handbook_figure_s_timestamps() {
        // diagrams/coordination-hlc.dsd: P3's clock runs ahead, P2's steps back after c.
        let (mut p1, mut p2, mut p3) = (Hlc::default(), Hlc::default(), Hlc::default());
        let ts = |l, c| Timestamp { l, c };
        assert_eq!(p1.send(10), ts(10, 0)); // a
        assert_eq!(p3.send(18), ts(18, 0)); // e
        let m1 = p1.send(11); // b
        assert_eq!(m1, ts(11, 0));
        let m2 = p3.send(19); // f
        assert_eq!(m2, ts(19, 0));
        assert_eq!(p1.send(14), ts(14, 0)); // d
        assert_eq!(p2.receive(13, m1), ts(13, 0)); // c
        assert_eq!(p2.send(8), ts(13, 1)); // h, after the step back to 7
        assert_eq!(p2.receive(9, m2), ts(19, 1)); // g
    }

    #[test]
    fn a_clock_that_steps_back_still_yields_increasing_timestamps() {
        let mut node = Hlc::default();
        let mut packed = Vec::new();
        let mut before = node.send(10_000);
        packed.push(before.pack().unwrap());
        // NTP steps the clock back 50 ms; the node keeps issuing events every ms.
        for pt in 9_950..10_000 {
            let ts = node.send(pt);
            assert!(before < ts);
            packed.push(ts.pack().unwrap());
            before = ts;
        }
        assert!(packed.windows(2).all(|w| w[0] < w[1]));
        // l stays at 10,000 until the clock catches up, and c counts the events meanwhile.
        assert_eq!(node.send(10_000), Timestamp { l: 10_000, c: 51 });
        assert_eq!(node.send(10_011), Timestamp { l: 10_011, c: 0 });
    }

    #[test]
    fn a_receive_that_ignores_the_message_is_caught() {
        // A clock that only uses its own physical time breaks send < receive.
        let mut fast = Hlc::default();
        let sent = fast.send(1_000);
        let mut slow = Hlc::default();
        let naive = slow.send(990);
        assert!(naive < sent);
        assert!(sent < Hlc::default().receive(990, sent));
    }
}
