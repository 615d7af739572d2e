//! Parsing: diagram source text → [`File`] (statements with byte spans).
//!
//! In: the text of a `.dsd` file. Out: one [`Stmt`] per non-empty line plus diagnostics for
//! lines that could not be read. Parsing never fails and never panics: a bad line becomes a
//! diagnostic and the parser carries on with the next line, so an author sees every syntax
//! error of a file in one run.
//!
//! The language is line-oriented; `#` starts a comment that runs to the end of the line.
//! This module knows the shape of statements only. Whether `databse` is a kind or `cahce` a
//! declared node is decided in [`super::resolve`].

use std::ops::Range;

use crate::diagnostic::Diagnostic;

/// A parsed file: its statements in source order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct File {
    /// Statements in source order.
    pub statements: Vec<Stmt>,
}

/// One statement (one line of source).
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// The statement's bytes, without the comment and trailing blanks.
    pub span: Range<usize>,
    /// What the statement says.
    pub kind: StmtKind,
}

/// A word in the source: a keyword, a kind or an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The word as written.
    pub text: String,
    /// Where it is.
    pub span: Range<usize>,
}

/// A quoted string, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The contents without quotes, escapes resolved.
    pub text: String,
    /// Where it is, quotes included.
    pub span: Range<usize>,
}

/// A number with its span.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number {
    /// The value.
    pub value: f64,
    /// Start of the number in the source.
    pub start: usize,
    /// End of the number in the source.
    pub end: usize,
}

impl Number {
    /// The number's byte range.
    pub fn span(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The arrow between two endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arrow {
    /// `->`: a synchronous call or a message.
    Sync,
    /// `~>`: asynchronous, fire and forget (dashed).
    Async,
    /// `=>`: replication or copying of data (dotted, double head).
    Replicate,
    /// `<->`: both ways.
    Both,
    /// `-x`: a message that is lost on the way (timelines).
    Lost,
}

impl Arrow {
    /// How the arrow is written.
    pub fn symbol(self) -> &'static str {
        match self {
            Arrow::Sync => "->",
            Arrow::Async => "~>",
            Arrow::Replicate => "=>",
            Arrow::Both => "<->",
            Arrow::Lost => "-x",
        }
    }
}

/// One end of an edge or message: a node, or a lane at a time (`s1@2`).
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// The node or lane.
    pub name: Name,
    /// The time, for lanes of a timeline.
    pub time: Option<Number>,
}

/// What a `remove` or `change` statement points at.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A node, note, group or lane by id.
    Id(Name),
    /// An edge or message by its endpoints.
    Edge {
        /// Where it starts.
        from: Endpoint,
        /// The arrow as written (the arrow kind is not part of an edge's identity).
        arrow: Arrow,
        /// Where it ends.
        to: Endpoint,
    },
    /// A timeline mark on one lane by its keyword and place: `event s1@3`, `crash s2@5`.
    Mark {
        /// `event`, `crash` or `recover`.
        keyword: Name,
        /// The lane and time, as declared.
        at: Endpoint,
    },
}

impl Target {
    /// The span of the whole target.
    pub fn span(&self) -> Range<usize> {
        match self {
            Target::Id(name) => name.span.clone(),
            Target::Edge { from, to, .. } => {
                from.name.span.start..to.time.map_or(to.name.span.end, |t| t.end)
            }
            Target::Mark { keyword, at } => {
                keyword.span.start..at.time.map_or(at.name.span.end, |t| t.end)
            }
        }
    }
}

/// An optional property after a declaration's id.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    /// `sub "text"`: a second, smaller line.
    Sub(Text),
    /// `×3`, `x3` or `x 3`: a replica stack.
    Replicas {
        /// The count.
        count: Number,
        /// The whole attribute.
        span: Range<usize>,
    },
    /// `at 2,1`: pin to grid column 2, row 1 (1-based).
    Pin {
        /// Column.
        column: Number,
        /// Row.
        row: Number,
        /// The whole attribute.
        span: Range<usize>,
    },
    /// `on api`: the node a note belongs to.
    On(Name),
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// `diagram "Title"` or `timeline "Title"`.
    Header {
        /// `diagram` or `timeline`.
        keyword: Name,
        /// The diagram's title.
        title: Option<Text>,
    },
    /// `stage "Title"`.
    Stage {
        /// The stage's title.
        title: Option<Text>,
    },
    /// `caption "One or two sentences."`.
    Caption {
        /// The caption.
        text: Option<Text>,
    },
    /// `<kind> <id> ["label"] [attrs] [{ members }]`: a node, note, lane or group.
    Declare {
        /// The kind word (`service`, `database`, `region`, `note`, `lane`, …).
        kind: Name,
        /// The element's id.
        id: Name,
        /// The visible label.
        label: Option<Text>,
        /// Optional properties.
        attrs: Vec<Attr>,
        /// `{ a b c }`: members, for groups.
        members: Option<Vec<Name>>,
    },
    /// `a -> b ["label"]`, or `s1@2 -> s2@3 ["label"]` in a timeline.
    Edge {
        /// Source.
        from: Endpoint,
        /// The arrow.
        arrow: Arrow,
        /// The arrow's span.
        arrow_span: Range<usize>,
        /// Target.
        to: Endpoint,
        /// Label.
        label: Option<Text>,
    },
    /// `remove <target>`.
    Remove {
        /// What is removed.
        target: Target,
    },
    /// `change <target> ["label"] [attrs]`.
    Change {
        /// What changes.
        target: Target,
        /// New label.
        label: Option<Text>,
        /// New properties.
        attrs: Vec<Attr>,
    },
    /// `event s1@2 "label"`, `crash s1@2`, `recover s1@4`.
    Mark {
        /// `event`, `crash` or `recover`.
        keyword: Name,
        /// Lane and time.
        at: Endpoint,
        /// Label.
        label: Option<Text>,
    },
    /// `period s1@2..5 "label"`: a stretch of time on one lane.
    Period {
        /// The lane.
        lane: Name,
        /// Start time.
        from: Number,
        /// End time.
        to: Number,
        /// Label.
        label: Option<Text>,
    },
    /// `log s1 { 1 1 2 } commit 2`: the entries of a lane's log from this stage on, each a
    /// term or a few characters, and how many of them are committed.
    Log {
        /// The lane whose log it is.
        lane: Name,
        /// The entries, index 1 first. Numbers, words and strings all become text.
        entries: Vec<Text>,
        /// The `{ … }` list, braces included.
        list: Range<usize>,
        /// `commit N`: entries 1 to N are committed.
        commit: Option<Number>,
    },
    /// `partition s2 | s3 @4..9 "label"`: the network between two neighbouring lanes is cut.
    Partition {
        /// The lane above (left of) the cut.
        left: Name,
        /// The lane below (right of) the cut.
        right: Name,
        /// Start time.
        from: Number,
        /// End time.
        to: Number,
        /// Label.
        label: Option<Text>,
    },
}

/// Parses a whole file. Every line that cannot be read yields one diagnostic.
pub fn parse(file: &str, source: &str) -> (File, Vec<Diagnostic>) {
    let mut statements = Vec::new();
    let mut diagnostics = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let (tokens, lex_error) = lex_line_recovering(line, start);
        if let Some(error) = lex_error {
            diagnostics.push(error.into_diagnostic(file));
        }
        if tokens.is_empty() {
            continue;
        }
        let mut parser = LineParser {
            tokens: &tokens,
            pos: 0,
            line_end: start + line.trim_end().len(),
            partial: None,
        };
        let span = tokens[0].span.start..tokens[tokens.len() - 1].span.end;
        match parser.statement() {
            Ok(kind) => statements.push(Stmt { span, kind }),
            Err(error) => {
                diagnostics.push(error.into_diagnostic(file));
                // A declaration whose properties failed still declares its id, so later lines
                // that use it do not each report an unknown node.
                if let Some(kind) = parser.partial.take() {
                    statements.push(Stmt { span, kind });
                }
            }
        }
    }
    (File { statements }, diagnostics)
}

/// The words with a fixed meaning at the start of a line.
pub const KEYWORDS: &[&str] = &[
    "diagram",
    "timeline",
    "stage",
    "caption",
    "remove",
    "change",
    "event",
    "crash",
    "recover",
    "period",
    "partition",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    Arrow(Arrow),
    At,
    DotDot,
    Bar,
    LBrace,
    RBrace,
    Comma,
    Times,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(_) => "a string".to_string(),
            Tok::Num(_) => "a number".to_string(),
            Tok::Arrow(a) => format!("`{}`", a.symbol()),
            Tok::At => "`@`".to_string(),
            Tok::DotDot => "`..`".to_string(),
            Tok::Bar => "`|`".to_string(),
            Tok::LBrace => "`{`".to_string(),
            Tok::RBrace => "`}`".to_string(),
            Tok::Comma => "`,`".to_string(),
            Tok::Times => "`×`".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    span: Range<usize>,
}

/// A syntax error before it knows its file name.
struct Error {
    span: Range<usize>,
    message: String,
    hint: Option<String>,
}

impl Error {
    fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Error {
            span,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    fn into_diagnostic(self, file: &str) -> Diagnostic {
        let diagnostic = Diagnostic::error(file, self.span, self.message);
        match self.hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits one line into tokens; `base` is the line's offset in the file. An unterminated
/// string runs to the end of the line, so the rest of the statement can still be read after
/// the error is reported; an unknown character stops the line.
fn lex_line_recovering(line: &str, base: usize) -> (Vec<Token>, Option<Error>) {
    let mut tokens = Vec::new();
    let mut unterminated = None;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    let at = |i: usize| chars.get(i).map(|&(_, c)| c);
    let pos = |i: usize| base + chars.get(i).map_or(line.len(), |&(p, _)| p);
    while i < chars.len() {
        let c = chars[i].1;
        let start = pos(i);
        if c == '#' {
            break;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let (tok, len) = match c {
            '"' => {
                let mut text = String::new();
                let mut j = i + 1;
                loop {
                    match at(j) {
                        None | Some('\n') | Some('\r') => {
                            unterminated = Some(
                                Error::new(start..pos(j), "unterminated string")
                                    .hint("close it with `\"` on the same line"),
                            );
                            break;
                        }
                        Some('"') => break,
                        Some('\\') if matches!(at(j + 1), Some('"') | Some('\\')) => {
                            text.push(at(j + 1).unwrap_or('\\'));
                            j += 2;
                        }
                        Some(ch) => {
                            text.push(ch);
                            j += 1;
                        }
                    }
                }
                let len = if unterminated.is_some() {
                    j - i
                } else {
                    j + 1 - i
                };
                (Tok::Str(text), len)
            }
            '-' if at(i + 1) == Some('>') => (Tok::Arrow(Arrow::Sync), 2),
            '-' if at(i + 1) == Some('x') && !at(i + 2).is_some_and(is_ident_char) => {
                (Tok::Arrow(Arrow::Lost), 2)
            }
            '~' if at(i + 1) == Some('>') => (Tok::Arrow(Arrow::Async), 2),
            '=' if at(i + 1) == Some('>') => (Tok::Arrow(Arrow::Replicate), 2),
            '<' if at(i + 1) == Some('-') && at(i + 2) == Some('>') => (Tok::Arrow(Arrow::Both), 3),
            '@' => (Tok::At, 1),
            '.' if at(i + 1) == Some('.') => (Tok::DotDot, 2),
            '|' => (Tok::Bar, 1),
            '{' => (Tok::LBrace, 1),
            '}' => (Tok::RBrace, 1),
            ',' => (Tok::Comma, 1),
            '×' => (Tok::Times, 1),
            c if c.is_ascii_digit() => {
                let mut j = i;
                while at(j).is_some_and(|c| c.is_ascii_digit()) {
                    j += 1;
                }
                if at(j) == Some('.') && at(j + 1).is_some_and(|c| c.is_ascii_digit()) {
                    j += 1;
                    while at(j).is_some_and(|c| c.is_ascii_digit()) {
                        j += 1;
                    }
                }
                let text = &line[chars[i].0..chars.get(j).map_or(line.len(), |&(p, _)| p)];
                let value = text.parse::<f64>().unwrap_or(f64::MAX);
                (Tok::Num(value), j - i)
            }
            c if is_ident_start(c) => {
                let mut j = i;
                // A `-` joins words (`url-store`) unless it starts an arrow.
                while at(j).is_some_and(|c| {
                    is_ident_char(c)
                        || (c == '-' && at(j + 1).is_some_and(|n| n != '>' && is_ident_char(n)))
                }) {
                    j += 1;
                }
                let text =
                    line[chars[i].0..chars.get(j).map_or(line.len(), |&(p, _)| p)].to_string();
                (Tok::Ident(text), j - i)
            }
            '“' | '”' => {
                let error = Error::new(
                    start..start + c.len_utf8(),
                    "typographic quote outside a string",
                )
                .hint("strings use straight double quotes: \"like this\"");
                return (tokens, Some(error));
            }
            other => {
                let error = Error::new(start..start + other.len_utf8(), format!("unexpected character `{other}`"))
                    .hint("a line holds words, \"strings\", numbers and arrows (`->`, `~>`, `=>`, `<->`, `-x`)");
                return (tokens, Some(error));
            }
        };
        tokens.push(Token {
            tok,
            span: start..pos(i + len),
        });
        i += len;
    }
    (tokens, unterminated)
}

struct LineParser<'a> {
    tokens: &'a [Token],
    pos: usize,
    line_end: usize,
    /// What a failed declaration line could still declare.
    partial: Option<StmtKind>,
}

type Parse<T> = Result<T, Error>;

impl LineParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        self.tokens.get(self.pos + n).map(|t| &t.tok)
    }

    fn span(&self) -> Range<usize> {
        self.tokens
            .get(self.pos)
            .map_or(self.line_end..self.line_end, |t| t.span.clone())
    }

    fn unexpected(&self, expected: &str) -> Error {
        match self.peek() {
            Some(tok) => Error::new(
                self.span(),
                format!("expected {expected}, found {}", tok.describe()),
            ),
            None => Error::new(
                self.line_end..self.line_end,
                format!("expected {expected} at the end of the line"),
            ),
        }
    }

    fn name(&mut self, what: &str) -> Parse<Name> {
        match self.peek() {
            Some(Tok::Ident(text)) => {
                let text = text.clone();
                let span = self.span();
                self.pos += 1;
                Ok(Name { text, span })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn number(&mut self, what: &str) -> Parse<Number> {
        match self.peek() {
            Some(Tok::Num(value)) => {
                let value = *value;
                let span = self.span();
                self.pos += 1;
                Ok(Number {
                    value,
                    start: span.start,
                    end: span.end,
                })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn optional_text(&mut self) -> Option<Text> {
        match self.peek() {
            Some(Tok::Str(text)) => {
                let text = text.clone();
                let span = self.span();
                self.pos += 1;
                Some(Text { text, span })
            }
            _ => None,
        }
    }

    fn required_text(&mut self, what: &str) -> Parse<Text> {
        self.optional_text().ok_or_else(|| self.unexpected(what))
    }

    fn end(&self) -> Parse<()> {
        match self.peek() {
            None => Ok(()),
            Some(Tok::Str(_)) => Err(Error::new(self.span(), "unexpected extra string").hint(
                "a statement takes one label; put further detail in `sub \"…\"` or in the caption",
            )),
            Some(tok) => Err(Error::new(
                self.span(),
                format!("unexpected {} after the statement", tok.describe()),
            )),
        }
    }

    fn statement(&mut self) -> Parse<StmtKind> {
        let first = match self.peek() {
            Some(Tok::Ident(word)) => word.clone(),
            Some(Tok::Str(_)) => {
                return Err(Error::new(self.span(), "a line cannot start with a string")
                    .hint("start with a kind and an id, for example `service api \"API\"`"));
            }
            _ => return Err(self.unexpected("a statement")),
        };
        // An endpoint followed by an arrow is an edge, whatever the first word is.
        if matches!(self.peek_at(1), Some(Tok::Arrow(_)) | Some(Tok::At)) {
            return self.edge();
        }
        let kind = match first.as_str() {
            "diagram" | "timeline" => {
                let keyword = self.name("a keyword")?;
                let title = self.optional_text();
                if title.is_none() {
                    return Err(self.unexpected("the diagram's title in quotes"));
                }
                StmtKind::Header { keyword, title }
            }
            "stage" => {
                self.pos += 1;
                let title = Some(self.required_text("the stage's title in quotes")?);
                StmtKind::Stage { title }
            }
            "caption" => {
                self.pos += 1;
                let text = Some(self.required_text("the caption in quotes")?);
                StmtKind::Caption { text }
            }
            "remove" => {
                self.pos += 1;
                StmtKind::Remove {
                    target: self.target()?,
                }
            }
            "change" => {
                self.pos += 1;
                let target = self.target()?;
                let label = self.optional_text();
                let (attrs, members) = self.attrs()?;
                if let Some(members) = members {
                    let span = members
                        .first()
                        .map_or(self.line_end..self.line_end, |m| m.span.clone());
                    return Err(Error::new(span, "`change` cannot change a group's members")
                        .hint("add the node to the group where the group is declared"));
                }
                StmtKind::Change {
                    target,
                    label,
                    attrs,
                }
            }
            "event" | "crash" | "recover" => {
                let keyword = self.name("a keyword")?;
                let at = self.endpoint()?;
                if at.time.is_none() {
                    return Err(Error::new(
                        at.name.span.clone(),
                        format!("`{}` needs a time", keyword.text),
                    )
                    .hint(format!(
                        "write the lane and the time, for example `{} {}@3`",
                        keyword.text, at.name.text
                    )));
                }
                let label = self.optional_text();
                StmtKind::Mark { keyword, at, label }
            }
            "period" => {
                self.pos += 1;
                let lane = self.name("a lane")?;
                let (from, to) = self.time_range(&lane.text)?;
                let label = self.optional_text();
                StmtKind::Period {
                    lane,
                    from,
                    to,
                    label,
                }
            }
            // `log q "Events"` is a queue node; `log s1 { … }` is the log of a timeline lane.
            "log" if matches!(self.peek_at(2), Some(Tok::LBrace)) => {
                self.pos += 1;
                self.log()?
            }
            "partition" => {
                self.pos += 1;
                let left = self.name("a lane")?;
                if self.peek() != Some(&Tok::Bar) {
                    return Err(
                        self.unexpected("`|` between the two lanes the partition separates")
                    );
                }
                self.pos += 1;
                let right = self.name("a lane")?;
                let (from, to) = self.time_range("")?;
                let label = self.optional_text();
                StmtKind::Partition {
                    left,
                    right,
                    from,
                    to,
                    label,
                }
            }
            _ => {
                let kind = self.name("a kind")?;
                let id = match self.peek() {
                    Some(Tok::Ident(_)) => self.name("an id")?,
                    Some(Tok::Str(_)) => {
                        return Err(Error::new(self.span(), "expected an id before the label")
                            .hint(format!(
                                "give the element a short id: `{} my-id \"Label\"`",
                                kind.text
                            )));
                    }
                    _ => return Err(self.unexpected("an id")),
                };
                let label = self.optional_text();
                self.partial = Some(StmtKind::Declare {
                    kind: kind.clone(),
                    id: id.clone(),
                    label: label.clone(),
                    attrs: Vec::new(),
                    members: None,
                });
                let (attrs, members) = self.attrs()?;
                StmtKind::Declare {
                    kind,
                    id,
                    label,
                    attrs,
                    members,
                }
            }
        };
        self.end()?;
        Ok(kind)
    }

    /// The rest of `log s1 { 1 1 2 } commit 2`, after the keyword.
    fn log(&mut self) -> Parse<StmtKind> {
        let lane = self.name("a lane")?;
        let open = self.span();
        self.pos += 1;
        let mut entries = Vec::new();
        let close = loop {
            let span = self.span();
            match self.peek().cloned() {
                Some(Tok::RBrace) => {
                    self.pos += 1;
                    break span;
                }
                Some(Tok::Comma) => self.pos += 1,
                Some(Tok::Num(value)) => {
                    self.pos += 1;
                    entries.push(Text {
                        text: format_number(value),
                        span,
                    });
                }
                Some(Tok::Ident(text)) | Some(Tok::Str(text)) => {
                    self.pos += 1;
                    entries.push(Text { text, span });
                }
                Some(_) => {
                    return Err(self
                        .unexpected("a log entry or `}`")
                        .hint("entries are terms or short words: `log s1 { 1 1 2 }`"));
                }
                None => {
                    return Err(Error::new(open.clone(), "unclosed `{`")
                        .hint("list a log's entries on one line: `log s1 { 1 1 2 }`"));
                }
            }
        };
        let mut commit = None;
        while let Some(tok) = self.peek().cloned() {
            match tok {
                Tok::Ident(word) if word == "commit" => {
                    self.pos += 1;
                    commit = Some(self.number("how many entries are committed").map_err(|e| {
                        e.hint("`commit 2` marks entries 1 and 2 as committed")
                    })?);
                }
                Tok::Ident(word) => {
                    let hint = crate::diagnostic::closest(&word, ["commit"]).map_or_else(
                        || "after the entries, a log takes only `commit N`".to_string(),
                        |s| format!("did you mean `{s}`?"),
                    );
                    return Err(
                        Error::new(self.span(), format!("unknown log property `{word}`")).hint(hint),
                    );
                }
                _ => break,
            }
        }
        Ok(StmtKind::Log {
            lane,
            entries,
            list: open.start..close.end,
            commit,
        })
    }

    fn time_range(&mut self, lane: &str) -> Parse<(Number, Number)> {
        if self.peek() != Some(&Tok::At) {
            let example = if lane.is_empty() {
                "@4..9".to_string()
            } else {
                format!("{lane}@4..9")
            };
            return Err(self
                .unexpected("`@` and a time range")
                .hint(format!("for example `{example}`")));
        }
        self.pos += 1;
        let from = self.number("a start time")?;
        if self.peek() != Some(&Tok::DotDot) {
            return Err(self.unexpected("`..` and an end time"));
        }
        self.pos += 1;
        let to = self.number("an end time")?;
        Ok((from, to))
    }

    fn endpoint(&mut self) -> Parse<Endpoint> {
        let name = self.name("a node or lane")?;
        let time = if self.peek() == Some(&Tok::At) {
            self.pos += 1;
            Some(self.number("a time after `@`")?)
        } else {
            None
        };
        Ok(Endpoint { name, time })
    }

    fn arrow(&mut self) -> Parse<(Arrow, Range<usize>)> {
        match self.peek() {
            Some(Tok::Arrow(arrow)) => {
                let arrow = *arrow;
                let span = self.span();
                self.pos += 1;
                Ok((arrow, span))
            }
            _ => Err(self.unexpected("an arrow (`->`, `~>`, `=>`, `<->` or `-x`)")),
        }
    }

    fn target(&mut self) -> Parse<Target> {
        if let Some(Tok::Ident(word)) = self.peek()
            && matches!(word.as_str(), "event" | "crash" | "recover")
            && matches!(self.peek_at(1), Some(Tok::Ident(_)))
        {
            let keyword = self.name("a keyword")?;
            let at = self.endpoint()?;
            if at.time.is_none() {
                return Err(self
                    .unexpected("`@` and the mark's time")
                    .hint(format!("name the mark as declared, for example `{} {}@3`", keyword.text, at.name.text)));
            }
            return Ok(Target::Mark { keyword, at });
        }
        let from = self.endpoint()?;
        if matches!(self.peek(), Some(Tok::Arrow(_))) {
            let (arrow, _) = self.arrow()?;
            let to = self.endpoint()?;
            Ok(Target::Edge { from, arrow, to })
        } else if from.time.is_some() {
            Err(self.unexpected("an arrow"))
        } else {
            Ok(Target::Id(from.name))
        }
    }

    fn edge(&mut self) -> Parse<StmtKind> {
        let from = self.endpoint()?;
        let (arrow, arrow_span) = self.arrow()?;
        let to = match self.peek() {
            Some(Tok::Ident(_)) => self.endpoint()?,
            _ => {
                return Err(self
                    .unexpected("the node the arrow points to")
                    .hint(format!(
                        "write both ends: `{} {} other`",
                        from.name.text,
                        arrow.symbol()
                    )));
            }
        };
        let label = self.optional_text();
        self.end()?;
        Ok(StmtKind::Edge {
            from,
            arrow,
            arrow_span,
            to,
            label,
        })
    }

    /// Reads properties up to the end of the line.
    fn attrs(&mut self) -> Parse<(Vec<Attr>, Option<Vec<Name>>)> {
        let mut attrs = Vec::new();
        let mut members = None;
        while let Some(tok) = self.peek().cloned() {
            let start = self.span().start;
            match tok {
                Tok::Ident(word) if word == "sub" => {
                    self.pos += 1;
                    attrs.push(Attr::Sub(self.required_text("the subtitle in quotes")?));
                }
                Tok::Ident(word) if word == "at" => {
                    self.pos += 1;
                    let column = self
                        .number("a column number")
                        .map_err(|e| e.hint("pins are `at column,row`, for example `at 2,1`"))?;
                    if self.peek() != Some(&Tok::Comma) {
                        return Err(self
                            .unexpected("`,` and a row number")
                            .hint("pins are `at column,row`, for example `at 2,1`"));
                    }
                    self.pos += 1;
                    let row = self
                        .number("a row number")
                        .map_err(|e| e.hint("pins are `at column,row`, for example `at 2,1`"))?;
                    attrs.push(Attr::Pin {
                        column,
                        row,
                        span: start..row.end,
                    });
                }
                Tok::Ident(word) if word == "on" => {
                    self.pos += 1;
                    attrs.push(Attr::On(self.name("the id of the node the note is about")?));
                }
                Tok::Ident(word) if word == "x" => {
                    self.pos += 1;
                    let count = self.number("a replica count after `x`")?;
                    attrs.push(Attr::Replicas {
                        count,
                        span: start..count.end,
                    });
                }
                Tok::Ident(word)
                    if word.len() > 1
                        && word.starts_with('x')
                        && word[1..].bytes().all(|b| b.is_ascii_digit()) =>
                {
                    let span = self.span();
                    self.pos += 1;
                    let value = word[1..].parse::<f64>().unwrap_or(f64::MAX);
                    attrs.push(Attr::Replicas {
                        count: Number {
                            value,
                            start: span.start + 1,
                            end: span.end,
                        },
                        span,
                    });
                }
                Tok::Times => {
                    self.pos += 1;
                    let count = self.number("a replica count after `×`")?;
                    attrs.push(Attr::Replicas {
                        count,
                        span: start..count.end,
                    });
                }
                Tok::LBrace => {
                    self.pos += 1;
                    let mut list = Vec::new();
                    loop {
                        match self.peek() {
                            Some(Tok::RBrace) => {
                                self.pos += 1;
                                break;
                            }
                            Some(Tok::Comma) => self.pos += 1,
                            Some(Tok::Ident(_)) => list.push(self.name("a member id")?),
                            Some(_) => return Err(self.unexpected("a member id or `}`")),
                            None => {
                                return Err(Error::new(start..start + 1, "unclosed `{`")
                                    .hint("list a group's members on one line: `region eu \"EU\" { api db }`"));
                            }
                        }
                    }
                    members = Some(list);
                }
                Tok::Str(_) => {
                    return Err(Error::new(self.span(), "unexpected extra string")
                        .hint("the label comes right after the id; a second line of text goes in `sub \"…\"`"));
                }
                Tok::Ident(word) => {
                    let hint = crate::diagnostic::closest(&word, ["sub", "at", "on"]).map_or_else(
                        || {
                            "properties are `sub \"…\"`, `×3`, `at column,row` and `on id`"
                                .to_string()
                        },
                        |s| format!("did you mean `{s}`?"),
                    );
                    return Err(
                        Error::new(self.span(), format!("unknown property `{word}`")).hint(hint),
                    );
                }
                other => {
                    return Err(Error::new(
                        self.span(),
                        format!("unexpected {}", other.describe()),
                    ));
                }
            }
        }
        Ok((attrs, members))
    }
}

/// A number as an author would write it: `2`, `2.5`.
fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> File {
        let (file, diagnostics) = parse("t.dsd", src);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        file
    }

    #[test]
    fn reads_declarations_edges_and_comments() {
        let file = parse_ok(
            "service api \"API\" sub \"stateless\" ×3 at 2,1 # comment\napi -> db \"read\"\n",
        );
        assert_eq!(file.statements.len(), 2);
        let StmtKind::Declare {
            kind,
            id,
            label,
            attrs,
            ..
        } = &file.statements[0].kind
        else {
            panic!()
        };
        assert_eq!((kind.text.as_str(), id.text.as_str()), ("service", "api"));
        assert_eq!(label.as_ref().map(|l| l.text.as_str()), Some("API"));
        assert_eq!(attrs.len(), 3);
        assert!(matches!(
            file.statements[1].kind,
            StmtKind::Edge {
                arrow: Arrow::Sync,
                ..
            }
        ));
    }

    #[test]
    fn reads_timeline_statements() {
        let file = parse_ok(
            "s1@2 -x s3@2.5 \"vote\"\nperiod s1@0..4 \"timer\"\npartition s2 | s3 @1..3\ncrash s4@2\n",
        );
        assert!(matches!(
            file.statements[0].kind,
            StmtKind::Edge {
                arrow: Arrow::Lost,
                ..
            }
        ));
        assert_eq!(file.statements.len(), 4);
    }

    #[test]
    fn reads_a_log_and_tells_it_from_a_queue_node() {
        let file = parse_ok("log s1 { 1, 1 \"x=5\" y } commit 2\nlog q \"Events\"\n");
        let StmtKind::Log {
            lane,
            entries,
            commit,
            ..
        } = &file.statements[0].kind
        else {
            panic!("{:?}", file.statements[0])
        };
        assert_eq!(lane.text, "s1");
        let texts: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(texts, ["1", "1", "x=5", "y"]);
        assert_eq!(commit.map(|c| c.value), Some(2.0));
        assert!(matches!(file.statements[1].kind, StmtKind::Declare { .. }));
        let (_, diagnostics) = parse("t.dsd", "log s1 { 1 2\nlog s1 { 1 } comit 1\n");
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        assert_eq!(diagnostics[1].hint.as_deref(), Some("did you mean `commit`?"));
    }

    #[test]
    fn keeps_going_after_a_bad_line() {
        let (file, diagnostics) = parse("t.dsd", "service \"x\n@@\nservice ok\n");
        assert_eq!(diagnostics.len(), 3, "{diagnostics:?}");
        assert_eq!(file.statements.len(), 1);
    }

    #[test]
    fn hyphenated_ids_do_not_eat_arrows() {
        let file = parse_ok("url-store->api\n");
        let StmtKind::Edge { from, to, .. } = &file.statements[0].kind else {
            panic!()
        };
        assert_eq!(
            (from.name.text.as_str(), to.name.text.as_str()),
            ("url-store", "api")
        );
    }
}
