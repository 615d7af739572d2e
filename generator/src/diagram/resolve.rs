//! Name resolution: [`syntax::File`] → [`Ir`].
//!
//! In: the parsed statements of one file. Out: the resolved diagram plus diagnostics. Names are
//! bound to indices, defaults applied (a label defaults to the id), and stages expanded: each
//! stage adds, changes or removes elements, and every element ends up with version ranges that
//! say in which stages it is present and what it shows there.
//!
//! Resolution never stops at the first problem: each bad statement yields a diagnostic and is
//! skipped, so the author sees all errors of a file at once.

use std::collections::BTreeMap;
use std::ops::Range;

use super::StageInfo;
use super::ir::{
    Edge, EdgeStyle, Flavor, Group, GroupKind, Ir, Lane, Log, LogProps, Mark, MarkKind, Node,
    NodeKind, NodeProps, Version, Versions,
};
use super::syntax::{Arrow, Attr, Endpoint, File, Name, Number, Stmt, StmtKind, Target, Text};
use crate::diagnostic::{Diagnostic, closest, line_column};

/// Longest stage title, in words.
pub const MAX_TITLE_WORDS: usize = 6;
/// Most sentences in a caption.
pub const MAX_CAPTION_SENTENCES: usize = 2;
/// Largest replica count drawn.
pub const MAX_REPLICAS: f64 = 99.0;
/// Largest pin column or row.
pub const MAX_PIN: f64 = 12.0;
/// Latest time on a timeline.
pub const MAX_TIME: f64 = 200.0;
/// Most entries in one log.
pub const MAX_LOG_ENTRIES: usize = 12;
/// Longest log entry, in characters: an entry shows a term or a short command.
pub const MAX_ENTRY_CHARS: usize = 5;

/// Open version ranges end here until the stage count is known.
const OPEN: usize = usize::MAX;

/// Resolves a parsed file. `source` is only used to tell line numbers in hints.
pub fn resolve(file_name: &str, source: &str, file: &File) -> (Ir, Vec<Diagnostic>) {
    let mut r = Resolver {
        file: file_name,
        source,
        diagnostics: Vec::new(),
        ir: Ir {
            title: String::new(),
            flavor: Flavor::Architecture,
            stages: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
            groups: Vec::new(),
            lanes: Vec::new(),
            marks: Vec::new(),
            logs: Vec::new(),
        },
        ids: BTreeMap::new(),
        edge_keys: BTreeMap::new(),
        mark_keys: BTreeMap::new(),
        stage_spans: Vec::new(),
        has_stages: file
            .statements
            .iter()
            .any(|s| matches!(s.kind, StmtKind::Stage { .. })),
        header_seen: false,
        pins: BTreeMap::new(),
        group_of: BTreeMap::new(),
        poisoned: BTreeMap::new(),
    };
    for (index, stmt) in file.statements.iter().enumerate() {
        r.statement(index, stmt);
    }
    r.finish();
    (r.ir, r.diagnostics)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    Node(usize),
    Group(usize),
    Lane(usize),
}

struct Resolver<'a> {
    file: &'a str,
    source: &'a str,
    diagnostics: Vec<Diagnostic>,
    ir: Ir,
    /// Every id ever declared, with where it was declared.
    ids: BTreeMap<String, (Element, Range<usize>)>,
    /// Edges by (from, to) node index; messages by their key.
    edge_keys: BTreeMap<(usize, usize), usize>,
    mark_keys: BTreeMap<String, usize>,
    /// Span of each stage's title, and whether it has a caption.
    stage_spans: Vec<(Range<usize>, bool)>,
    has_stages: bool,
    header_seen: bool,
    pins: BTreeMap<(usize, usize), String>,
    group_of: BTreeMap<usize, String>,
    /// Ids whose declaration failed: using them later reports nothing more.
    poisoned: BTreeMap<String, Range<usize>>,
}

fn is_open<P>(versions: &Versions<P>) -> bool {
    versions.last().is_some_and(|v| v.end == OPEN)
}

fn close<P>(versions: &mut Versions<P>, stage: usize) {
    if let Some(v) = versions.last_mut()
        && v.end == OPEN
    {
        v.end = stage;
    }
}

/// Starts a new version in `stage`, or edits the current one if it began in `stage`.
fn change<P: Clone>(versions: &mut Versions<P>, stage: usize, edit: impl FnOnce(&mut P)) {
    let Some(last) = versions.last_mut() else {
        return;
    };
    if last.first == stage {
        edit(&mut last.props);
        return;
    }
    last.end = stage;
    let mut props = last.props.clone();
    edit(&mut props);
    versions.push(Version {
        first: stage,
        end: OPEN,
        props,
    });
}

fn fmt_time(t: f64) -> String {
    let s = format!("{t:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn message_key(from: &str, sent: f64, to: &str, received: f64) -> String {
    format!("{from}@{}->{to}@{}", fmt_time(sent), fmt_time(received))
}

/// Counts sentences: `.`, `!` or `?` before a space or the end, skipping common abbreviations.
fn count_sentences(text: &str) -> usize {
    let words: Vec<&str> = text.split_whitespace().collect();
    let abbreviations = ["e.g.", "i.e.", "vs.", "etc.", "cf.", "approx.", "no."];
    let ends = words
        .iter()
        .filter(|w| {
            let w = w.trim_end_matches(['"', '\'', ')', '”', '’']);
            w.ends_with(['.', '!', '?']) && !abbreviations.contains(&w.to_lowercase().as_str())
        })
        .count();
    let last_ends = words.last().is_some_and(|w| {
        w.trim_end_matches(['"', '\'', ')'])
            .ends_with(['.', '!', '?'])
    });
    ends + usize::from(!last_ends && !words.is_empty())
}

impl Resolver<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::error(self.file, span, message));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn error_hint(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        let d = self.error(span, message);
        d.hint = hint;
    }

    fn line_of(&self, span: &Range<usize>) -> usize {
        line_column(self.source, span.start).0
    }

    /// The 0-based index of the stage a statement belongs to, creating the implicit single stage
    /// of an unstaged file. `None` (with a diagnostic) for an element above the first stage.
    fn current_stage(&mut self, span: &Range<usize>) -> Option<usize> {
        if !self.ir.stages.is_empty() {
            return Some(self.ir.stages.len() - 1);
        }
        if self.has_stages {
            self.error_hint(
                span.clone(),
                "this line comes before the first stage",
                Some("move it below a `stage \"…\"` line; every element belongs to the stage that adds it".into()),
            );
            return None;
        }
        self.ir.stages.push(StageInfo {
            title: String::new(),
            caption: String::new(),
        });
        self.stage_spans.push((span.clone(), true));
        Some(0)
    }

    fn statement(&mut self, index: usize, stmt: &Stmt) {
        match &stmt.kind {
            StmtKind::Header { keyword, title } => {
                self.header(index, stmt, keyword, title.as_ref())
            }
            StmtKind::Stage { title } => self.stage(stmt, title.as_ref()),
            StmtKind::Caption { text } => self.caption(stmt, text.as_ref()),
            StmtKind::Declare {
                kind,
                id,
                label,
                attrs,
                members,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                self.declare(stage, kind, id, label.as_ref(), attrs, members.as_deref());
            }
            StmtKind::Edge {
                from,
                arrow,
                arrow_span,
                to,
                label,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                match self.ir.flavor {
                    Flavor::Architecture => {
                        self.edge(stage, from, *arrow, arrow_span, to, label.as_ref())
                    }
                    Flavor::Timeline => {
                        self.message(stage, from, *arrow, arrow_span, to, label.as_ref())
                    }
                }
            }
            StmtKind::Remove { target } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                self.remove(stage, target);
            }
            StmtKind::Change {
                target,
                label,
                attrs,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                self.change(stage, target, label.as_ref(), attrs);
            }
            StmtKind::Mark { keyword, at, label } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                self.mark(stage, keyword, at, label.as_ref());
            }
            StmtKind::Period {
                lane,
                from,
                to,
                label,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                let Some(lane_index) = self.lane(lane, stage) else {
                    return;
                };
                if !self.time_range(from, to) {
                    return;
                }
                let key = format!(
                    "period {}@{}..{}",
                    lane.text,
                    fmt_time(from.value),
                    fmt_time(to.value)
                );
                let kind = MarkKind::Period {
                    lane: lane_index,
                    from: from.value,
                    to: to.value,
                };
                self.push_mark(stage, key, kind, label, stmt.span.clone());
            }
            StmtKind::Log {
                lane,
                entries,
                list,
                commit,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                self.log(stage, lane, entries, list, commit.as_ref());
            }
            StmtKind::Partition {
                left,
                right,
                from,
                to,
                label,
            } => {
                let Some(stage) = self.current_stage(&stmt.span) else {
                    return;
                };
                let (Some(l), Some(r)) = (self.lane(left, stage), self.lane(right, stage)) else {
                    return;
                };
                if !self.time_range(from, to) {
                    return;
                }
                if r != l + 1 {
                    self.error_hint(
                        left.span.start..right.span.end,
                        format!("`{}` and `{}` are not neighbouring lanes", left.text, right.text),
                        Some("a partition cuts between two lanes declared one after the other; reorder the `lane` lines".into()),
                    );
                    return;
                }
                let key = format!(
                    "partition {}|{}@{}..{}",
                    left.text,
                    right.text,
                    fmt_time(from.value),
                    fmt_time(to.value)
                );
                let kind = MarkKind::Partition {
                    left: l,
                    right: r,
                    from: from.value,
                    to: to.value,
                };
                self.push_mark(stage, key, kind, label, stmt.span.clone());
            }
        }
    }

    fn header(&mut self, index: usize, stmt: &Stmt, keyword: &Name, title: Option<&Text>) {
        if self.header_seen {
            self.error(
                keyword.span.clone(),
                format!("a second `{}` line", keyword.text),
            )
            .hint = Some("a file holds one diagram; its first line names it".into());
            return;
        }
        self.header_seen = true;
        if index != 0 {
            self.error(
                stmt.span.clone(),
                format!("`{}` must be the first line of the file", keyword.text),
            )
            .hint = Some("move it above every other statement".into());
        }
        self.ir.flavor = if keyword.text == "timeline" {
            Flavor::Timeline
        } else {
            Flavor::Architecture
        };
        if let Some(title) = title {
            if title.text.trim().is_empty() {
                self.error(title.span.clone(), "the diagram's title is empty");
            }
            self.ir.title = title.text.trim().to_string();
        }
    }

    fn stage(&mut self, stmt: &Stmt, title: Option<&Text>) {
        self.check_caption_of_last_stage();
        let Some(title) = title else { return };
        let words = title.text.split_whitespace().count();
        if words == 0 {
            self.error(title.span.clone(), "the stage's title is empty");
        } else if words > MAX_TITLE_WORDS {
            self.error(title.span.clone(), format!("stage title has {words} words"))
                .hint = Some(format!(
                "keep it to {MAX_TITLE_WORDS} words or fewer; the caption carries the detail"
            ));
        }
        self.ir.stages.push(StageInfo {
            title: title.text.trim().to_string(),
            caption: String::new(),
        });
        self.stage_spans.push((stmt.span.clone(), false));
    }

    fn check_caption_of_last_stage(&mut self) {
        if let Some((span, has_caption)) = self.stage_spans.last().cloned()
            && !has_caption
        {
            let n = self.stage_spans.len();
            self.error(span, format!("stage {n} has no caption")).hint = Some(
                "add a line `caption \"…\"` with one or two sentences after the stage's title"
                    .into(),
            );
        }
    }

    fn caption(&mut self, stmt: &Stmt, text: Option<&Text>) {
        let Some(text) = text else { return };
        if self.ir.stages.is_empty() && self.has_stages {
            self.error(stmt.span.clone(), "a caption before the first stage")
                .hint = Some("captions follow the `stage \"…\"` line they describe".into());
            return;
        }
        let Some(stage) = self.current_stage(&stmt.span) else {
            return;
        };
        if !self.ir.stages[stage].caption.is_empty() {
            self.error(
                text.span.clone(),
                format!("stage {} already has a caption", stage + 1),
            )
            .hint = Some("join the two captions into one".into());
            return;
        }
        let sentences = count_sentences(&text.text);
        if text.text.trim().is_empty() {
            self.error(text.span.clone(), "the caption is empty");
        } else if sentences > MAX_CAPTION_SENTENCES {
            self.error(
                text.span.clone(),
                format!("caption has {sentences} sentences"),
            )
            .hint = Some(format!(
                "keep a caption to {MAX_CAPTION_SENTENCES} sentences; the chapter's prose explains the rest"
            ));
        }
        self.ir.stages[stage].caption = text.text.trim().to_string();
        self.stage_spans[stage].1 = true;
    }

    fn kind_words(&self) -> Vec<&'static str> {
        match self.ir.flavor {
            Flavor::Architecture => NodeKind::WORDS
                .iter()
                .map(|(w, _)| *w)
                .chain(GroupKind::WORDS.iter().map(|(w, _)| *w))
                .collect(),
            Flavor::Timeline => vec!["lane"],
        }
    }

    fn check_new_id(&mut self, id: &Name) -> bool {
        if let Some((_, first)) = self.ids.get(&id.text) {
            let line = self.line_of(&first.clone());
            self.error(id.span.clone(), format!("duplicate id `{}`", id.text))
                .hint = Some(format!(
                "`{}` is declared on line {line}; pick another id, or write `change {} …` to change it in a later stage",
                id.text, id.text
            ));
            return false;
        }
        if super::syntax::KEYWORDS.contains(&id.text.as_str()) {
            self.error(
                id.span.clone(),
                format!("`{}` is a keyword and cannot be an id", id.text),
            );
            return false;
        }
        true
    }

    fn declare(
        &mut self,
        stage: usize,
        kind: &Name,
        id: &Name,
        label: Option<&Text>,
        attrs: &[Attr],
        members: Option<&[Name]>,
    ) {
        let word = kind.text.as_str();
        let node_kind = NodeKind::WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, k)| *k);
        let group_kind = GroupKind::WORDS
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, k)| *k);
        let is_lane = word == "lane";
        let known = node_kind.is_some() || group_kind.is_some() || is_lane;
        if !known {
            let words = self.kind_words();
            let hint = match closest(word, words.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("kinds are: {}", words.join(", ")),
            };
            self.error(kind.span.clone(), format!("unknown kind `{word}`"))
                .hint = Some(hint);
            self.poisoned.insert(id.text.clone(), id.span.clone());
            return;
        }
        match (self.ir.flavor, is_lane) {
            (Flavor::Architecture, true) => {
                self.error(kind.span.clone(), "lanes belong in a timeline")
                    .hint = Some(
                    "start the file with `timeline \"…\"` to draw a space-time diagram".into(),
                );
                return;
            }
            (Flavor::Timeline, false) if word == "log" => {
                self.error(id.span.clone(), "a log lists its entries in braces").hint = Some(format!(
                    "for example `log {} {{ 1 1 2 }}`; a queue node belongs in an architecture diagram",
                    id.text
                ));
                return;
            }
            (Flavor::Timeline, false) => {
                self.error(kind.span.clone(), format!("`{word}` belongs in an architecture diagram")).hint =
                    Some("a timeline has lanes (`lane s1 \"S1\"`), messages, events, crashes, periods, partitions and logs".into());
                return;
            }
            _ => {}
        }
        if !self.check_new_id(id) {
            return;
        }
        let text = label.map_or_else(|| id.text.clone(), |l| l.text.trim().to_string());
        if let Some(label) = label
            && label.text.trim().is_empty()
        {
            self.error(label.span.clone(), "the label is empty").hint =
                Some("leave the label out to show the id, or write a word".into());
        }
        if let Some(group_kind) = group_kind {
            self.declare_group(stage, group_kind, kind, id, text, attrs, members);
            return;
        }
        if let Some(members) = members {
            let span = members.first().map_or(id.span.clone(), |m| m.span.clone());
            self.error(span, format!("a `{word}` has no members")).hint =
                Some("members go in groups: `region eu \"EU\" { api db }`".into());
            return;
        }
        if is_lane {
            if let Some(attr) = attrs.first() {
                self.error(attr_span(attr), "lanes take only a label");
                return;
            }
            let index = self.ir.lanes.len();
            self.ir.lanes.push(Lane {
                id: id.text.clone(),
                versions: vec![Version {
                    first: stage,
                    end: OPEN,
                    props: text,
                }],
            });
            self.ids
                .insert(id.text.clone(), (Element::Lane(index), id.span.clone()));
            return;
        }
        let Some(node_kind) = node_kind else { return };
        let mut props = NodeProps {
            label: text,
            sub: None,
            replicas: 1,
        };
        let mut pin = None;
        let mut about = None;
        for attr in attrs {
            match attr {
                Attr::Pin { column, row, span } => {
                    if let Some(cell) = self.pin(column, row, span, &id.text) {
                        pin = Some(cell);
                    }
                }
                Attr::On(target) if node_kind == NodeKind::Note => {
                    about = self.present_node(target, stage, "note about");
                    if about.is_none() {
                        return;
                    }
                }
                Attr::On(target) => {
                    self.error(
                        target.span.start.saturating_sub(3)..target.span.end,
                        "only notes take `on`",
                    )
                    .hint = Some("connect nodes with an arrow: `a -> b`".into());
                }
                other => self.node_attr(other, &mut props, node_kind),
            }
        }
        let index = self.ir.nodes.len();
        self.ir.nodes.push(Node {
            id: id.text.clone(),
            kind: node_kind,
            pin,
            about,
            versions: vec![Version {
                first: stage,
                end: OPEN,
                props,
            }],
        });
        self.ids
            .insert(id.text.clone(), (Element::Node(index), id.span.clone()));
        if let Some(target) = about {
            let edge = self.ir.edges.len();
            self.ir.edges.push(Edge {
                from: index,
                to: target,
                style: EdgeStyle::NoteLink,
                versions: vec![Version {
                    first: stage,
                    end: OPEN,
                    props: None,
                }],
            });
            self.edge_keys
                .insert((index.min(target), index.max(target)), edge);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn declare_group(
        &mut self,
        stage: usize,
        kind: GroupKind,
        word: &Name,
        id: &Name,
        title: String,
        attrs: &[Attr],
        members: Option<&[Name]>,
    ) {
        if let Some(attr) = attrs.first() {
            self.error(attr_span(attr), "groups take a title and members only")
                .hint = Some("pin the members instead of the group".into());
        }
        let Some(members) = members else {
            self.error(
                id.span.clone(),
                format!("the {} `{}` lists no members", word.text, id.text),
            )
            .hint = Some(format!(
                "list them in braces: `{} {} \"…\" {{ a b }}`",
                word.text, id.text
            ));
            return;
        };
        let mut indices = Vec::new();
        for member in members {
            let Some(node) = self.present_node(member, stage, "group member") else {
                continue;
            };
            if self.ir.nodes[node].kind == NodeKind::Note {
                self.error(member.span.clone(), "notes cannot be group members");
                continue;
            }
            if let Some(other) = self.group_of.get(&node) {
                let other = other.clone();
                self.error(
                    member.span.clone(),
                    format!("`{}` is already in group `{other}`", member.text),
                )
                .hint = Some("a node belongs to at most one group".into());
                continue;
            }
            if !indices.contains(&node) {
                indices.push(node);
            }
        }
        if indices.is_empty() {
            return;
        }
        for &node in &indices {
            self.group_of.insert(node, id.text.clone());
        }
        let index = self.ir.groups.len();
        self.ir.groups.push(Group {
            id: id.text.clone(),
            kind,
            members: indices,
            versions: vec![Version {
                first: stage,
                end: OPEN,
                props: title,
            }],
        });
        self.ids
            .insert(id.text.clone(), (Element::Group(index), id.span.clone()));
    }

    fn node_attr(&mut self, attr: &Attr, props: &mut NodeProps, kind: NodeKind) {
        match attr {
            Attr::Sub(text) => props.sub = Some(text.text.trim().to_string()),
            Attr::Replicas { count, span } => {
                if kind == NodeKind::Note {
                    self.error(span.clone(), "notes have no replicas");
                } else if count.value.fract() != 0.0
                    || count.value < 1.0
                    || count.value > MAX_REPLICAS
                {
                    self.error(
                        count.span(),
                        "a replica count is a whole number from 1 to 99",
                    );
                } else {
                    props.replicas = count.value as u32;
                }
            }
            Attr::Pin { span, .. } => {
                self.error(span.clone(), "`change` cannot move a node").hint = Some(
                    "positions are fixed for all stages; pin the node where it is declared".into(),
                );
            }
            Attr::On(name) => {
                self.error(
                    name.span.clone(),
                    "`change` cannot move a note to another node",
                );
            }
        }
    }

    fn pin(
        &mut self,
        column: &Number,
        row: &Number,
        span: &Range<usize>,
        id: &str,
    ) -> Option<(usize, usize)> {
        for n in [column, row] {
            if n.value.fract() != 0.0 || n.value < 1.0 || n.value > MAX_PIN {
                self.error(
                    n.span(),
                    "bad pin: columns and rows are whole numbers from 1 to 12",
                )
                .hint = Some("column 1 is the leftmost, row 1 the top".into());
                return None;
            }
        }
        let cell = (column.value as usize - 1, row.value as usize - 1);
        if let Some(other) = self.pins.get(&cell) {
            let other = other.clone();
            self.error(
                span.clone(),
                format!(
                    "bad pin: `{other}` is already pinned to column {}, row {}",
                    cell.0 + 1,
                    cell.1 + 1
                ),
            )
            .hint = Some("each grid cell holds one node".into());
            return None;
        }
        self.pins.insert(cell, id.to_string());
        Some(cell)
    }

    /// The index of a node present in `stage`, or a diagnostic naming what went wrong.
    fn present_node(&mut self, name: &Name, stage: usize, role: &str) -> Option<usize> {
        match self.ids.get(&name.text).map(|(e, _)| *e) {
            Some(Element::Node(i)) => {
                if is_open(&self.ir.nodes[i].versions) {
                    Some(i)
                } else {
                    let removed = self.ir.nodes[i].versions.last().map_or(0, |v| v.end) + 1;
                    self.error(
                        name.span.clone(),
                        format!("`{}` was removed in stage {removed}", name.text),
                    )
                    .hint = Some(format!(
                        "stage {} cannot use it; remove this line or keep the node",
                        stage + 1
                    ));
                    None
                }
            }
            Some(_) => {
                self.error(name.span.clone(), format!("`{}` is not a node", name.text))
                    .hint = Some(format!("a {role} must be a node"));
                None
            }
            None => {
                self.unknown(name, "node");
                None
            }
        }
    }

    fn unknown(&mut self, name: &Name, what: &str) {
        if self.poisoned.contains_key(&name.text) {
            return;
        }
        let candidates: Vec<&str> = self
            .ids
            .iter()
            .filter(|(_, (e, _))| match what {
                "lane" => matches!(e, Element::Lane(_)),
                "node" => matches!(e, Element::Node(_)),
                _ => true,
            })
            .map(|(k, _)| k.as_str())
            .chain(self.poisoned.keys().map(String::as_str))
            .collect();
        let hint = match closest(&name.text, candidates.iter().copied()) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if !candidates.is_empty() && candidates.len() <= 8 => {
                Some(format!("declared {what}s: {}", candidates.join(", ")))
            }
            None => None,
        };
        self.error_hint(
            name.span.clone(),
            format!("unknown {what} `{}`", name.text),
            hint,
        );
    }

    fn lane(&mut self, name: &Name, stage: usize) -> Option<usize> {
        if self.ir.flavor != Flavor::Timeline {
            self.error(name.span.clone(), "lanes and times belong in a timeline")
                .hint = Some("start the file with `timeline \"…\"`".into());
            return None;
        }
        match self.ids.get(&name.text).map(|(e, _)| *e) {
            Some(Element::Lane(i)) if is_open(&self.ir.lanes[i].versions) => Some(i),
            Some(Element::Lane(_)) => {
                self.error(
                    name.span.clone(),
                    format!(
                        "lane `{}` was removed before stage {}",
                        name.text,
                        stage + 1
                    ),
                );
                None
            }
            _ => {
                self.unknown(name, "lane");
                None
            }
        }
    }

    fn time(&mut self, endpoint: &Endpoint) -> Option<f64> {
        let Some(time) = endpoint.time else {
            self.error(
                endpoint.name.span.clone(),
                format!("`{}` needs a time", endpoint.name.text),
            )
            .hint = Some(format!(
                "in a timeline, write where and when: `{}@3`",
                endpoint.name.text
            ));
            return None;
        };
        if !(0.0..=MAX_TIME).contains(&time.value) {
            self.error(time.span(), format!("time {} is out of range", time.value))
                .hint = Some(format!("times run from 0 to {MAX_TIME}"));
            return None;
        }
        Some(time.value)
    }

    fn time_range(&mut self, from: &Number, to: &Number) -> bool {
        for n in [from, to] {
            if !(0.0..=MAX_TIME).contains(&n.value) {
                self.error(n.span(), format!("time {} is out of range", n.value))
                    .hint = Some(format!("times run from 0 to {MAX_TIME}"));
                return false;
            }
        }
        if to.value <= from.value {
            self.error(from.start..to.end, "the range ends before it starts")
                .hint = Some("write the earlier time first: `@2..5`".into());
            return false;
        }
        true
    }

    fn edge(
        &mut self,
        stage: usize,
        from: &Endpoint,
        arrow: Arrow,
        arrow_span: &Range<usize>,
        to: &Endpoint,
        label: Option<&Text>,
    ) {
        for end in [from, to] {
            if let Some(time) = end.time {
                self.error(
                    time.start.saturating_sub(1)..time.end,
                    "times belong in a timeline",
                )
                .hint = Some("in an architecture diagram, write `a -> b`".into());
                return;
            }
        }
        if arrow == Arrow::Lost {
            self.error(
                arrow_span.clone(),
                "lost messages (`-x`) belong in a timeline",
            )
            .hint = Some("use `->` for a call or `~>` for an asynchronous message".into());
            return;
        }
        let a = self.present_node(&from.name, stage, "edge end");
        let b = self.present_node(&to.name, stage, "edge end");
        let (Some(a), Some(b)) = (a, b) else { return };
        if a == b {
            self.error(
                from.name.span.start..to.name.span.end,
                format!("edge from `{}` to itself", from.name.text),
            )
            .hint = Some("say it in a note or the caption instead".into());
            return;
        }
        if [a, b]
            .iter()
            .any(|&n| self.ir.nodes[n].kind == NodeKind::Note)
        {
            self.error(
                from.name.span.start..to.name.span.end,
                "arrows cannot start or end at a note",
            )
            .hint = Some("attach a note with `note id \"…\" on node`".into());
            return;
        }
        let key = (a.min(b), a.max(b));
        if let Some(&existing) = self.edge_keys.get(&key)
            && is_open(&self.ir.edges[existing].versions)
        {
            self.error(
                from.name.span.start..to.name.span.end,
                format!(
                    "duplicate edge between `{}` and `{}`",
                    from.name.text, to.name.text
                ),
            )
            .hint = Some(
                "one edge per pair of nodes; use `<->` for both directions and one label".into(),
            );
            return;
        }
        let style = match arrow {
            Arrow::Async => EdgeStyle::Async,
            Arrow::Replicate => EdgeStyle::Replicate,
            Arrow::Both => EdgeStyle::Both,
            Arrow::Sync | Arrow::Lost => EdgeStyle::Sync,
        };
        let index = self.ir.edges.len();
        let label = label
            .map(|l| l.text.trim().to_string())
            .filter(|l| !l.is_empty());
        self.ir.edges.push(Edge {
            from: a,
            to: b,
            style,
            versions: vec![Version {
                first: stage,
                end: OPEN,
                props: label,
            }],
        });
        self.edge_keys.insert(key, index);
    }

    fn message(
        &mut self,
        stage: usize,
        from: &Endpoint,
        arrow: Arrow,
        arrow_span: &Range<usize>,
        to: &Endpoint,
        label: Option<&Text>,
    ) {
        if matches!(arrow, Arrow::Both | Arrow::Replicate) {
            self.error(
                arrow_span.clone(),
                format!("`{}` is not a message arrow", arrow.symbol()),
            )
            .hint = Some("messages use `->`, `~>` or `-x` (lost)".into());
            return;
        }
        let a = self.lane(&from.name, stage);
        let b = self.lane(&to.name, stage);
        let (Some(a), Some(b)) = (a, b) else { return };
        let (Some(sent), Some(received)) = (self.time(from), self.time(to)) else {
            return;
        };
        if a == b {
            self.error(
                from.name.span.start..to.name.span.end,
                "a message must go to another lane",
            )
            .hint =
                Some("mark something that happens on one lane with `event lane@time \"…\"`".into());
            return;
        }
        if received < sent {
            self.error(
                from.name.span.start..to.name.span.end,
                "the message arrives before it is sent",
            )
            .hint = Some("the receive time must not be earlier than the send time".into());
            return;
        }
        let key = message_key(&from.name.text, sent, &to.name.text, received);
        let kind = MarkKind::Message {
            from: a,
            sent,
            to: b,
            received,
            arrow,
        };
        self.push_mark(
            stage,
            key,
            kind,
            &label.cloned(),
            from.name.span.start..to.name.span.end,
        );
    }

    /// `log s1 { 1 1 2 } commit 2`: sets the whole log of a lane from this stage on.
    fn log(
        &mut self,
        stage: usize,
        lane: &Name,
        entries: &[Text],
        list: &Range<usize>,
        commit: Option<&Number>,
    ) {
        if self.ir.flavor != Flavor::Timeline {
            self.error(lane.span.start.saturating_sub(4)..list.end, "logs belong in a timeline")
                .hint = Some(
                "start the file with `timeline \"…\"`; for a queue node write `log id \"Label\"`"
                    .into(),
            );
            return;
        }
        let Some(lane_index) = self.lane(lane, stage) else {
            return;
        };
        let mut ok = true;
        if let Some(extra) = entries.get(MAX_LOG_ENTRIES) {
            self.error(
                extra.span.start..list.end,
                format!("a log shows at most {MAX_LOG_ENTRIES} entries"),
            )
            .hint = Some("show the entries the stage is about; the caption can say how many came before".into());
            ok = false;
        }
        for entry in entries {
            let chars = entry.text.trim().chars().count();
            if chars == 0 {
                self.error(entry.span.clone(), "a log entry is empty").hint =
                    Some("write the entry's term, for example `2`".into());
                ok = false;
            } else if chars > MAX_ENTRY_CHARS {
                self.error(
                    entry.span.clone(),
                    format!("log entry `{}` is too long", entry.text.trim()),
                )
                .hint = Some(format!(
                    "an entry shows its term or up to {MAX_ENTRY_CHARS} characters; the caption says the rest"
                ));
                ok = false;
            }
        }
        let committed = match commit {
            None => 0,
            Some(n) => {
                if n.value.fract() != 0.0 || n.value < 0.0 || n.value > entries.len() as f64 {
                    self.error(
                        n.span(),
                        format!("cannot commit {} of {} entries", n.value, entries.len()),
                    )
                    .hint = Some(format!(
                        "`commit N` counts committed entries from index 1, from 0 to {}",
                        entries.len()
                    ));
                    ok = false;
                    0
                } else {
                    n.value as usize
                }
            }
        };
        if !ok {
            return;
        }
        let props = LogProps {
            entries: entries.iter().map(|e| e.text.trim().to_string()).collect(),
            commit: committed,
        };
        let existing = self
            .ir
            .logs
            .iter()
            .position(|l| l.lane == lane_index && is_open(&l.versions));
        match existing {
            Some(i) if self.ir.logs[i].versions.last().is_some_and(|v| v.first == stage) => {
                self.error(
                    lane.span.clone(),
                    format!("a second log for `{}` in stage {}", lane.text, stage + 1),
                )
                .hint = Some(
                    "write one `log` line per lane and stage; it lists the whole log".into(),
                );
            }
            Some(i) => change(&mut self.ir.logs[i].versions, stage, |p| *p = props),
            None => self.ir.logs.push(Log {
                lane: lane_index,
                versions: vec![Version {
                    first: stage,
                    end: OPEN,
                    props,
                }],
            }),
        }
    }

    fn mark(&mut self, stage: usize, keyword: &Name, at: &Endpoint, label: Option<&Text>) {
        let Some(lane) = self.lane(&at.name, stage) else {
            return;
        };
        let Some(time) = self.time(at) else { return };
        let kind = match keyword.text.as_str() {
            "crash" => MarkKind::Crash { lane, at: time },
            "recover" => MarkKind::Recover { lane, at: time },
            _ => MarkKind::Event { lane, at: time },
        };
        let key = format!("{} {}@{}", keyword.text, at.name.text, fmt_time(time));
        self.push_mark(
            stage,
            key,
            kind,
            &label.cloned(),
            keyword.span.start..at.name.span.end,
        );
    }

    fn push_mark(
        &mut self,
        stage: usize,
        key: String,
        kind: MarkKind,
        label: &Option<Text>,
        span: Range<usize>,
    ) {
        if let Some(&existing) = self.mark_keys.get(&key)
            && is_open(&self.ir.marks[existing].versions)
        {
            self.error(span, format!("duplicate `{key}`")).hint = Some(
                "to change its label in a later stage, write `change` with the same ends".into(),
            );
            return;
        }
        let label = label
            .as_ref()
            .map(|l| l.text.trim().to_string())
            .filter(|l| !l.is_empty());
        self.mark_keys.insert(key.clone(), self.ir.marks.len());
        self.ir.marks.push(Mark {
            key,
            kind,
            versions: vec![Version {
                first: stage,
                end: OPEN,
                props: label,
            }],
        });
    }

    /// Finds the element a `remove` or `change` names, if it is present now.
    fn target(&mut self, stage: usize, target: &Target, verb: &str) -> Option<Found> {
        match target {
            Target::Id(name) => {
                let Some((element, _)) = self.ids.get(&name.text).cloned() else {
                    let candidates: Vec<&str> = self.ids.keys().map(String::as_str).collect();
                    let hint = closest(&name.text, candidates.iter().copied())
                        .map(|s| format!("did you mean `{s}`?"));
                    let message = if stage == 0 {
                        format!("stage 1 {verb}s `{}`, which is not declared", name.text)
                    } else {
                        format!(
                            "stage {} {verb}s `{}`, which no earlier stage added",
                            stage + 1,
                            name.text
                        )
                    };
                    self.error_hint(name.span.clone(), message, hint);
                    return None;
                };
                let open = match element {
                    Element::Node(i) => is_open(&self.ir.nodes[i].versions),
                    Element::Group(i) => is_open(&self.ir.groups[i].versions),
                    Element::Lane(i) => is_open(&self.ir.lanes[i].versions),
                };
                if !open {
                    self.error(
                        name.span.clone(),
                        format!(
                            "stage {} {verb}s `{}`, which an earlier stage already removed",
                            stage + 1,
                            name.text
                        ),
                    );
                    return None;
                }
                Some(Found::Element(element))
            }
            Target::Mark { keyword, at } => {
                self.lane(&at.name, stage)?;
                let time = self.time(at)?;
                let key = format!("{} {}@{}", keyword.text, at.name.text, fmt_time(time));
                let found = self
                    .mark_keys
                    .get(&key)
                    .copied()
                    .filter(|&m| is_open(&self.ir.marks[m].versions));
                if found.is_none() {
                    let candidates: Vec<&str> = self
                        .mark_keys
                        .iter()
                        .filter(|(_, m)| is_open(&self.ir.marks[**m].versions))
                        .map(|(k, _)| k.as_str())
                        .filter(|k| !k.contains("->"))
                        .collect();
                    let hint = closest(&key, candidates.iter().copied())
                        .map_or_else(
                            || "marks are named by keyword, lane and time, as they were declared".to_string(),
                            |s| format!("did you mean `{s}`?"),
                        );
                    self.error(
                        target.span(),
                        format!("stage {} {verb}s `{key}`, which is not there", stage + 1),
                    )
                    .hint = Some(hint);
                }
                found.map(Found::Mark)
            }
            Target::Edge { from, to, .. } => match self.ir.flavor {
                Flavor::Architecture => {
                    let a = self.present_node(&from.name, stage, "edge end")?;
                    let b = self.present_node(&to.name, stage, "edge end")?;
                    let found = self
                        .edge_keys
                        .get(&(a.min(b), a.max(b)))
                        .copied()
                        .filter(|&e| is_open(&self.ir.edges[e].versions));
                    if found.is_none() {
                        let span = target.span();
                        self.error(
                            span,
                            format!(
                                "stage {} {verb}s the edge `{} -> {}`, which is not there",
                                stage + 1,
                                from.name.text,
                                to.name.text
                            ),
                        )
                        .hint =
                            Some("edges are named by their two ends, as they were declared".into());
                    }
                    found.map(Found::Edge)
                }
                Flavor::Timeline => {
                    self.lane(&from.name, stage)?;
                    self.lane(&to.name, stage)?;
                    let sent = self.time(from)?;
                    let received = self.time(to)?;
                    let key = message_key(&from.name.text, sent, &to.name.text, received);
                    let found = self
                        .mark_keys
                        .get(&key)
                        .copied()
                        .filter(|&m| is_open(&self.ir.marks[m].versions));
                    if found.is_none() {
                        let span = target.span();
                        self.error(span, format!("stage {} {verb}s the message `{key}`, which is not there", stage + 1)).hint =
                            Some("messages are named by both ends with their times, as they were declared".into());
                    }
                    found.map(Found::Mark)
                }
            },
        }
    }

    fn remove(&mut self, stage: usize, target: &Target) {
        let Some(found) = self.target(stage, target, "remove") else {
            return;
        };
        match found {
            Found::Element(Element::Node(i)) => {
                close(&mut self.ir.nodes[i].versions, stage);
                // Edges and notes attached to a removed node go with it.
                for e in 0..self.ir.edges.len() {
                    let (from, to) = (self.ir.edges[e].from, self.ir.edges[e].to);
                    if from == i || to == i {
                        close(&mut self.ir.edges[e].versions, stage);
                        if self.ir.nodes[from].kind == NodeKind::Note {
                            close(&mut self.ir.nodes[from].versions, stage);
                        }
                    }
                }
            }
            Found::Element(Element::Group(i)) => close(&mut self.ir.groups[i].versions, stage),
            Found::Element(Element::Lane(i)) => {
                close(&mut self.ir.lanes[i].versions, stage);
                for log in self.ir.logs.iter_mut().filter(|l| l.lane == i) {
                    close(&mut log.versions, stage);
                }
                for mark in &mut self.ir.marks {
                    if mark_lanes(&mark.kind).contains(&i) {
                        close(&mut mark.versions, stage);
                    }
                }
            }
            Found::Edge(e) => close(&mut self.ir.edges[e].versions, stage),
            Found::Mark(m) => close(&mut self.ir.marks[m].versions, stage),
        }
    }

    fn change(&mut self, stage: usize, target: &Target, label: Option<&Text>, attrs: &[Attr]) {
        let Some(found) = self.target(stage, target, "change") else {
            return;
        };
        let new_label = label.map(|l| l.text.trim().to_string());
        if label.is_none() && attrs.is_empty() {
            self.error(target.span(), "`change` without anything to change")
                .hint =
                Some("give a new label, `sub \"…\"` or a replica count such as `×3`".into());
            return;
        }
        match found {
            Found::Element(Element::Node(i)) => {
                let kind = self.ir.nodes[i].kind;
                let mut edited = self.ir.nodes[i].versions.last().map(|v| v.props.clone());
                if let Some(props) = edited.as_mut() {
                    if let Some(l) = &new_label {
                        props.label.clone_from(l);
                    }
                    for attr in attrs {
                        self.node_attr(attr, props, kind);
                    }
                }
                if let Some(props) = edited {
                    change(&mut self.ir.nodes[i].versions, stage, |p| *p = props);
                }
            }
            other => {
                if let Some(attr) = attrs.first() {
                    self.error(attr_span(attr), "only nodes take properties")
                        .hint =
                        Some("edges, groups, lanes and messages change their label only".into());
                    return;
                }
                let Some(l) = new_label else { return };
                match other {
                    Found::Element(Element::Group(i)) => {
                        change(&mut self.ir.groups[i].versions, stage, |p| *p = l)
                    }
                    Found::Element(Element::Lane(i)) => {
                        change(&mut self.ir.lanes[i].versions, stage, |p| *p = l)
                    }
                    Found::Edge(e) => change(&mut self.ir.edges[e].versions, stage, |p| {
                        *p = Some(l).filter(|s| !s.is_empty())
                    }),
                    Found::Mark(m) => change(&mut self.ir.marks[m].versions, stage, |p| {
                        *p = Some(l).filter(|s| !s.is_empty())
                    }),
                    Found::Element(Element::Node(_)) => {}
                }
            }
        }
    }

    fn finish(&mut self) {
        self.check_caption_of_last_stage();
        if !self.header_seen {
            self.error(0..0, "missing the diagram's first line").hint = Some(
                "start the file with `diagram \"Title\"`, or `timeline \"Title\"` for a space-time diagram".into(),
            );
        }
        if self.ir.stages.is_empty() {
            self.ir.stages.push(StageInfo {
                title: String::new(),
                caption: String::new(),
            });
        }
        let n = self.ir.stages.len();
        if self.ir.stages.len() == 1 && self.ir.stages[0].title.is_empty() {
            self.ir.stages[0].title.clone_from(&self.ir.title);
        }
        let nothing = self.ir.nodes.is_empty() && self.ir.lanes.is_empty();
        if nothing && self.header_seen && self.diagnostics.is_empty() {
            self.error(0..0, "the diagram is empty").hint = Some(match self.ir.flavor {
                Flavor::Architecture => "declare a node, for example `service api \"API\"`".into(),
                Flavor::Timeline => "declare a lane, for example `lane s1 \"S1\"`".into(),
            });
        }
        let fix = |end: &mut usize| {
            if *end == OPEN {
                *end = n;
            }
        };
        for node in &mut self.ir.nodes {
            node.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        for edge in &mut self.ir.edges {
            edge.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        for group in &mut self.ir.groups {
            group.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        for lane in &mut self.ir.lanes {
            lane.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        for mark in &mut self.ir.marks {
            mark.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        for log in &mut self.ir.logs {
            log.versions.iter_mut().for_each(|v| fix(&mut v.end));
        }
        // A version that starts and ends in the same stage (added and removed at once) shows nowhere.
        self.ir
            .nodes
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
        self.ir
            .edges
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
        self.ir
            .groups
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
        self.ir
            .lanes
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
        self.ir
            .marks
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
        self.ir
            .logs
            .iter_mut()
            .for_each(|x| x.versions.retain(|v| v.first < v.end));
    }
}

enum Found {
    Element(Element),
    Edge(usize),
    Mark(usize),
}

fn attr_span(attr: &Attr) -> Range<usize> {
    match attr {
        Attr::Sub(text) => text.span.start.saturating_sub(4)..text.span.end,
        Attr::Replicas { span, .. } | Attr::Pin { span, .. } => span.clone(),
        Attr::On(name) => name.span.clone(),
    }
}

/// The lanes a mark touches.
pub fn mark_lanes(kind: &MarkKind) -> Vec<usize> {
    match *kind {
        MarkKind::Message { from, to, .. } => vec![from, to],
        MarkKind::Partition { left, right, .. } => vec![left, right],
        MarkKind::Event { lane, .. }
        | MarkKind::Crash { lane, .. }
        | MarkKind::Recover { lane, .. }
        | MarkKind::Period { lane, .. } => vec![lane],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sentences_without_tripping_on_abbreviations() {
        assert_eq!(count_sentences("One. Two, e.g. this."), 2);
        assert_eq!(count_sentences("No full stop"), 1);
        assert_eq!(count_sentences("A. B. C."), 3);
        assert_eq!(count_sentences("Costs 3.5 ms."), 1);
    }
}
