//! Single-leader failover: which acknowledged writes survive when the leader dies and a
//! follower takes over, depending on when the leader acknowledged them.
//!
//! Shown in the Replication handbook (`book/src/handbooks/replication.md`).
//!
//! In: a number of followers, an acknowledgement rule (at once, after one follower, after a
//! majority), a rule for choosing the new leader, and a seed. The leader appends client writes
//! to its log and streams the log to each follower in order, one entry per delivery, in an
//! order the seeded generator picks; at a random moment the leader crashes for good.
//! Out: how many writes were acknowledged, and how many of those the promoted follower lacks:
//! acknowledged writes lost by the failover.

use crate::quorum::majority;
use crate::raft::rng::Mulberry32;

/// When the leader tells the client that a write succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// As soon as the leader has the write: asynchronous replication.
    Leader,
    /// Once at least one follower has it too: semi-synchronous replication.
    OneFollower,
    /// Once a majority of all replicas, the leader included, has it: quorum commit.
    Majority,
}

/// Which follower becomes the new leader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promote {
    /// The follower whose log is longest.
    MostUpToDate,
    /// Follower 0, whatever it holds: a fixed failover target.
    FirstFollower,
}

/// What one run counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Writes the client was told had succeeded before the leader crashed.
    pub acknowledged: usize,
    /// Of those, how many the new leader does not have.
    pub lost: usize,
}

// region: run
/// One run: `steps` random events (a client write, or the next log entry delivered to one
/// follower), then the leader crashes and a follower is promoted.
pub fn run(followers: usize, ack: Ack, promote: Promote, steps: usize, seed: u32) -> Outcome {
    assert!(followers > 0, "failover needs a follower");
    let needed = match ack {
        Ack::Leader => 0,
        Ack::OneFollower => 1,
        // The followers that, with the leader, make a majority of all replicas.
        Ack::Majority => majority(followers + 1) - 1,
    };
    let mut rng = Mulberry32::new(seed);
    let mut log_len = 0; // the leader's log: entries 0..log_len
    let mut have = vec![0; followers]; // each follower holds a prefix of the leader's log
    let mut acknowledged = 0; // entries 0..acknowledged have been acknowledged
    for _ in 0..steps {
        if rng.chance(400) {
            log_len += 1; // a client write
        } else {
            let f = rng.range(0, followers as u64) as usize;
            have[f] = (have[f] + 1).min(log_len);
        }
        // An entry is acknowledged once enough followers hold it; the stream is in order,
        // so acknowledgements advance in order too.
        while acknowledged < log_len && have.iter().filter(|&&h| h > acknowledged).count() >= needed
        {
            acknowledged += 1;
        }
    }
    let new_leader = match promote {
        Promote::MostUpToDate => *have.iter().max().unwrap(),
        Promote::FirstFollower => have[0],
    };
    Outcome {
        acknowledged,
        lost: acknowledged.saturating_sub(new_leader),
    }
}
// endregion: run

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs 1,000 seeds; returns the runs that lost writes and the writes lost.
    fn losses(followers: usize, ack: Ack, promote: Promote) -> (usize, usize) {
        let runs = (0..1_000).map(|seed| run(followers, ack, promote, 200, seed));
        runs.fold((0, 0), |(n, w), o| {
            (n + usize::from(o.lost > 0), w + o.lost)
        })
    }

    #[test]
    fn asynchronous_acknowledgements_are_lost_in_some_failovers() {
        for followers in [1, 2, 4] {
            let (runs, _) = losses(followers, Ack::Leader, Promote::MostUpToDate);
            assert!(runs > 0, "{followers} followers");
        }
    }

    #[test]
    fn waiting_for_a_follower_or_a_majority_loses_nothing_with_the_best_candidate() {
        for followers in [1, 2, 4] {
            for ack in [Ack::OneFollower, Ack::Majority] {
                let (runs, _) = losses(followers, ack, Promote::MostUpToDate);
                assert_eq!(runs, 0, "{followers} followers, {ack:?}");
            }
        }
    }

    #[test]
    fn promoting_a_follower_that_may_lag_loses_writes_one_follower_acknowledged() {
        // Semi-synchronous with two followers: the write is on *some* follower, not
        // necessarily the one a fixed failover target promotes.
        let (runs, _) = losses(2, Ack::OneFollower, Promote::FirstFollower);
        assert!(runs > 0);
        // A majority of five is on three replicas; a fixed target may still lack it.
        let (runs, _) = losses(4, Ack::Majority, Promote::FirstFollower);
        assert!(runs > 0);
    }

    #[test]
    fn acknowledgement_waits_for_the_required_followers() {
        // With no deliveries at all, only asynchronous writes are acknowledged.
        for seed in 0..20 {
            let o = run(2, Ack::OneFollower, Promote::MostUpToDate, 1, seed);
            assert_eq!(o.acknowledged, 0);
        }
        let o = run(1, Ack::Leader, Promote::MostUpToDate, 0, 1);
        assert_eq!(o, Outcome::default());
    }
}
