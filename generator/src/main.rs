//! `dsbook`: the book's command line, run as `cargo book <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! In: a command and its flags. Out: the built book, a server, a check report, a new piece's
//! files, or a rendered diagram; problems go to stderr with a non-zero exit code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use generator::catalog::{self, Format};
use generator::mdbook::{self, BuildOptions};
use generator::{scaffold, serve};

const USAGE: &str = "\
usage: cargo book <command>

commands:
  build [--dest DIR] [--book DIR]
                            build the whole book into target/book (or DIR); --book builds
                            another book folder with the same generator
  serve [--port N]          serve the book on 127.0.0.1:N (default 3000), rebuilding and
                            reloading the browser when book/, diagrams/, snippets/ or theme/ change
  check                     run every validation of the build without writing the output
  new <format> <id> [--title T --tags \"A, B\" --summary S]
                            start the files of a piece (a draft the catalogue lists, or, with
                            the three flags, a new one); format is handbook, design or tool
  render <file.dsd> [--stage N] [--scale S] -o <out.svg|out.png>
                            draw one stage of a diagram (default: the last) as SVG or PNG
  help                      show this message
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The project root: the nearest folder, from the working folder upwards, that holds
/// `book/book.toml`, as mdBook finds its `book.toml`. Found at run time, not from where the
/// binary was compiled, so two checkouts sharing one target folder each build their own book.
fn project_root() -> Result<PathBuf, String> {
    let here =
        std::env::current_dir().map_err(|e| format!("cannot read the working folder: {e}"))?;
    mdbook::find_project_root(&here).ok_or_else(|| {
        format!(
            "no book/book.toml in {} or any folder above it\n\
             hint: run `cargo book` from inside a checkout of the book (any folder of it), \
             or build another book folder with `cargo book build --book DIR`",
            here.display()
        )
    })
}

fn run(args: &[String]) -> Result<(), String> {
    let command = args.first().map(String::as_str).unwrap_or("help");
    let flags = Flags::parse(&args[1.min(args.len())..])?;
    match command {
        "build" => {
            let dest = flags.value("dest").map(PathBuf::from);
            let book_root = match flags.value("book") {
                Some(dir) => PathBuf::from(dir),
                None => project_root()?.join("book"),
            };
            let opts = BuildOptions {
                book_root,
                dest,
                live_reload: None,
            };
            let outcome = mdbook::build(&opts).map_err(|e| format!("{e:#}"))?;
            print_warnings(&outcome.report.warnings);
            let r = &outcome.report;
            println!("{}", summary(r));
            println!(
                "built into {} in {} ms",
                tidy(&outcome.dest).display(),
                outcome.elapsed.as_millis()
            );
            Ok(())
        }
        "serve" => {
            let port: u16 = flags
                .value("port")
                .unwrap_or("3000")
                .parse()
                .map_err(|_| "--port takes a number".to_owned())?;
            let root = project_root()?;
            let opts = serve::ServeOptions {
                dest: root.join("target/book-serve"),
                project_root: root,
                addr: SocketAddr::from(([127, 0, 0, 1], port)),
            };
            serve::serve(&opts).map_err(|e| format!("{e:#}"))
        }
        "check" => {
            let (outcome, audit) =
                mdbook::check(&project_root()?.join("book")).map_err(|e| format!("{e:#}"))?;
            print_warnings(&outcome.report.warnings);
            let r = &outcome.report;
            println!("{}", summary(r));
            println!(
                "audited {} pages: {} links, {} anchors and {} resources checked",
                audit.pages, audit.links, audit.anchors, audit.resources
            );
            if audit.problems.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{}\n{} problems in the built pages",
                    audit.problems.join("\n"),
                    audit.problems.len()
                ))
            }
        }
        "new" => {
            let [format, id] = flags.positional.as_slice() else {
                return Err(format!("`new` takes a format and an id\n\n{USAGE}"));
            };
            let format = Format::ALL
                .into_iter()
                .find(|f| f.key() == format)
                .ok_or_else(|| {
                    format!("unknown format `{format}`: use handbook, design or tool")
                })?;
            let root = project_root()?;
            let catalog_path = root.join("book/catalog.toml");
            let text = std::fs::read_to_string(&catalog_path)
                .map_err(|e| format!("{}: {e}", catalog_path.display()))?;
            let (catalog, diags) = catalog::parse("book/catalog.toml", &text);
            let catalog =
                catalog.ok_or_else(|| diags.iter().map(|d| d.render(&text)).collect::<String>())?;
            let piece = scaffold::NewPiece {
                format,
                id: id.clone(),
                title: flags.value("title").unwrap_or_default().to_owned(),
                tags: flags
                    .value("tags")
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect(),
                summary: flags.value("summary").unwrap_or_default().to_owned(),
            };
            let plan = scaffold::plan(&piece, &catalog)?;
            scaffold::apply(&root, &plan).map_err(|e| e.to_string())?;
            for edit in &plan {
                match edit {
                    scaffold::Edit::Create(path, _) => println!("created  {}", path.display()),
                    scaffold::Edit::Append(path, _) => println!("appended {}", path.display()),
                }
            }
            println!(
                "`{id}` is a draft: write its chapter, then set status = \"published\" and list it in book/src/SUMMARY.md"
            );
            Ok(())
        }
        "render" => render(&flags),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    }
}

/// `render`: one diagram file to one SVG or PNG.
fn render(flags: &Flags) -> Result<(), String> {
    let [file] = flags.positional.as_slice() else {
        return Err(format!("`render` takes one diagram file\n\n{USAGE}"));
    };
    let out = flags
        .value("o")
        .or_else(|| flags.value("out"))
        .ok_or("give the output file with -o out.svg or -o out.png")?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let compiled = generator::diagram::compile(file, &text);
    let rendered: String = compiled
        .diagnostics
        .iter()
        .map(|d| d.render(&text) + "\n")
        .collect();
    eprint!("{rendered}");
    let diagram = compiled
        .diagram
        .ok_or_else(|| format!("{file} has errors; nothing was drawn"))?;
    let count = diagram.stages().len().max(1);
    let stage = match flags.value("stage") {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=count).contains(n))
            .ok_or_else(|| format!("--stage takes a number from 1 to {count}"))?,
        None => count,
    };
    let stem = std::path::Path::new(file)
        .file_stem()
        .map_or("diagram".into(), |s| s.to_string_lossy());
    let svg = diagram.svg_stage(stage - 1, &format!("ds-{stem}"));
    let bytes = if out.ends_with(".png") {
        let scale: f32 = flags
            .value("scale")
            .unwrap_or("2")
            .parse()
            .map_err(|_| "--scale takes a number")?;
        generator::diagram::raster::png(&svg, scale)?
    } else if out.ends_with(".svg") {
        svg.into_bytes()
    } else {
        return Err("the output file must end in .svg or .png".to_owned());
    };
    std::fs::write(out, bytes).map_err(|e| format!("{out}: {e}"))?;
    println!("drew stage {stage} of {count} into {out}");
    Ok(())
}

fn summary(r: &mdbook::Report) -> String {
    format!(
        "checked {} chapters ({} of {} pieces published, {} tag pages), {} rust code blocks, {} snippets ({} items in the snippets crate), {} diagram files, {} figures",
        r.chapters,
        r.published,
        r.pieces,
        r.tag_pages,
        r.code_blocks,
        r.snippets,
        r.snippet_items,
        r.diagrams,
        r.figures
    )
}

/// `book/../target/book` → `target/book`, for messages.
fn tidy(path: &std::path::Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

/// `--name value` pairs and positional arguments.
struct Flags {
    named: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Flags {
            named: Vec::new(),
            positional: Vec::new(),
        };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if let Some(name) = arg
                .strip_prefix("--")
                .or_else(|| (arg == "-o").then_some("o"))
            {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_owned(), v.to_owned()),
                    None => (
                        name.to_owned(),
                        iter.next()
                            .cloned()
                            .ok_or_else(|| format!("--{name} needs a value"))?,
                    ),
                };
                flags.named.push((name, value));
            } else {
                flags.positional.push(arg.clone());
            }
        }
        Ok(flags)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.named
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}
