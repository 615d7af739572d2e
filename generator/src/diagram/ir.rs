//! The resolved diagram: what [`super::resolve`] produces and [`super::layout`] consumes.
//!
//! In: nothing (types only). Out: [`Ir`], a diagram whose names are bound to indices, whose
//! defaults are applied and whose stages are expanded into version ranges: every element
//! lists the stages it is present in and the properties it has in each. Nothing here carries
//! a source span; layout reports no author errors.

use super::StageInfo;
pub use super::syntax::Arrow;

/// Architecture diagram or space-time diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Boxes and arrows, laid out left to right (`diagram "…"`).
    Architecture,
    /// Process lanes and messages over time (`timeline "…"`).
    Timeline,
}

/// A resolved diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Ir {
    /// The diagram's title.
    pub title: String,
    /// Which layout applies.
    pub flavor: Flavor,
    /// Stage titles and captions (at least one).
    pub stages: Vec<StageInfo>,
    /// Nodes and notes, in declaration order.
    pub nodes: Vec<Node>,
    /// Edges between nodes, in declaration order.
    pub edges: Vec<Edge>,
    /// Groups around nodes.
    pub groups: Vec<Group>,
    /// Timeline lanes, top to bottom in declaration order.
    pub lanes: Vec<Lane>,
    /// Timeline marks: messages, events, crashes, periods, partitions.
    pub marks: Vec<Mark>,
    /// Timeline logs: a row of entries under a lane's header.
    pub logs: Vec<Log>,
}

/// The properties an element has during the stages `first..end` (0-based, end exclusive).
#[derive(Debug, Clone, PartialEq)]
pub struct Version<P> {
    /// First stage with these properties.
    pub first: usize,
    /// One past the last stage with these properties.
    pub end: usize,
    /// The properties.
    pub props: P,
}

/// Everything drawn carries its versions; an element is present in the union of their ranges,
/// which is always one contiguous range, because ids are never reused after `remove`.
pub type Versions<P> = Vec<Version<P>>;

/// Node kinds. Each has its own outline or glyph, and a colour family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum NodeKind {
    Client,
    Browser,
    Mobile,
    Cdn,
    Dns,
    Lb,
    Gateway,
    Service,
    Worker,
    Database,
    Cache,
    Queue,
    Stream,
    Bucket,
    Search,
    Scheduler,
    Coordinator,
    External,
    Note,
}

impl NodeKind {
    /// The kind words authors write, with the kind they stand for.
    pub const WORDS: &'static [(&'static str, NodeKind)] = &[
        ("client", NodeKind::Client),
        ("browser", NodeKind::Browser),
        ("mobile", NodeKind::Mobile),
        ("cdn", NodeKind::Cdn),
        ("dns", NodeKind::Dns),
        ("lb", NodeKind::Lb),
        ("gateway", NodeKind::Gateway),
        ("service", NodeKind::Service),
        ("worker", NodeKind::Worker),
        ("database", NodeKind::Database),
        ("db", NodeKind::Database),
        ("cache", NodeKind::Cache),
        ("queue", NodeKind::Queue),
        ("log", NodeKind::Queue),
        ("stream", NodeKind::Stream),
        ("bucket", NodeKind::Bucket),
        ("search", NodeKind::Search),
        ("scheduler", NodeKind::Scheduler),
        ("coordinator", NodeKind::Coordinator),
        ("external", NodeKind::External),
        ("note", NodeKind::Note),
    ];

    /// The canonical word, used in class names and dumps.
    pub fn word(self) -> &'static str {
        NodeKind::WORDS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("service", |(w, _)| w)
    }
}

/// Group kinds (they differ only in the word shown and the outline's dash).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum GroupKind {
    Region,
    Zone,
    Datacenter,
    Cluster,
    Shard,
    Group,
}

impl GroupKind {
    /// The kind words authors write.
    pub const WORDS: &'static [(&'static str, GroupKind)] = &[
        ("region", GroupKind::Region),
        ("zone", GroupKind::Zone),
        ("datacenter", GroupKind::Datacenter),
        ("dc", GroupKind::Datacenter),
        ("cluster", GroupKind::Cluster),
        ("shard", GroupKind::Shard),
        ("group", GroupKind::Group),
    ];

    /// The canonical word.
    pub fn word(self) -> &'static str {
        GroupKind::WORDS
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("group", |(w, _)| w)
    }
}

/// What a node shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeProps {
    /// Main label (the id when the author gave none).
    pub label: String,
    /// Smaller second line.
    pub sub: Option<String>,
    /// Replica count; 1 draws a single shape, more draws a stack and a `×N` badge.
    pub replicas: u32,
}

/// A node or a note.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The author's id.
    pub id: String,
    /// Its kind.
    pub kind: NodeKind,
    /// Grid pin (0-based column and row), if the author gave one.
    pub pin: Option<(usize, usize)>,
    /// For notes: the node the note is about.
    pub about: Option<usize>,
    /// Properties per stage range.
    pub versions: Versions<NodeProps>,
}

/// How an edge is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeStyle {
    /// Solid with one head.
    Sync,
    /// Dashed with one head.
    Async,
    /// Dotted with one head: copying data.
    Replicate,
    /// Solid with two heads.
    Both,
    /// The thin dotted connector from a note to its node, without heads.
    NoteLink,
}

/// An edge between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Source node index.
    pub from: usize,
    /// Target node index.
    pub to: usize,
    /// Line style.
    pub style: EdgeStyle,
    /// Label per stage range.
    pub versions: Versions<Option<String>>,
}

/// A group drawn around nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The author's id.
    pub id: String,
    /// Its kind.
    pub kind: GroupKind,
    /// Member node indices.
    pub members: Vec<usize>,
    /// Title per stage range.
    pub versions: Versions<String>,
}

/// A process lane of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    /// The author's id.
    pub id: String,
    /// Header label per stage range.
    pub versions: Versions<String>,
}

/// What a timeline mark is.
#[derive(Debug, Clone, PartialEq)]
pub enum MarkKind {
    /// A message from one lane to another.
    Message {
        /// Sending lane.
        from: usize,
        /// Send time.
        sent: f64,
        /// Receiving lane.
        to: usize,
        /// Receive time (for a lost message, when it would have arrived).
        received: f64,
        /// Line style (sync, async, lost).
        arrow: Arrow,
    },
    /// A point event on a lane.
    Event {
        /// Lane.
        lane: usize,
        /// Time.
        at: f64,
    },
    /// A crash; the lane is drawn down until the next recovery.
    Crash {
        /// Lane.
        lane: usize,
        /// Time.
        at: f64,
    },
    /// A restart after a crash.
    Recover {
        /// Lane.
        lane: usize,
        /// Time.
        at: f64,
    },
    /// A stretch of time on one lane (a timer, a term as leader).
    Period {
        /// Lane.
        lane: usize,
        /// Start.
        from: f64,
        /// End.
        to: f64,
    },
    /// The network between two neighbouring lanes is cut for a while.
    Partition {
        /// The lane before the cut.
        left: usize,
        /// The lane after the cut.
        right: usize,
        /// Start.
        from: f64,
        /// End.
        to: f64,
    },
}

/// A timeline mark with its label per stage range.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Stable key for dumps, e.g. `s1@2->s2@3`.
    pub key: String,
    /// What it is.
    pub kind: MarkKind,
    /// Label per stage range.
    pub versions: Versions<Option<String>>,
}

/// What a lane's log holds in one stage range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogProps {
    /// Entry labels, index 1 first (a term such as `2`, or a few characters).
    pub entries: Vec<String>,
    /// How many entries, from index 1, are committed.
    pub commit: usize,
}

/// A row of log entries drawn under a lane's header (`log s1 { 1 1 2 } commit 2`).
#[derive(Debug, Clone, PartialEq)]
pub struct Log {
    /// The lane it belongs to.
    pub lane: usize,
    /// Entries per stage range; a later `log` line for the lane starts a new version.
    pub versions: Versions<LogProps>,
}
