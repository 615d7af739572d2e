//! The diagram language compiler: `.dsd` text → staged SVG (and PNG).
//!
//! In: the text of one diagram file and its display path. Out: a laid-out [`Diagram`] whose
//! stages render as standalone SVGs or as one SVG holding every stage, plus diagnostics.
//!
//! The pipeline, one module per step, each a pure function over the previous step's type:
//!
//! 1. [`syntax`]: text → [`syntax::File`] (statements with byte spans). Never fails.
//! 2. [`resolve`]: [`syntax::File`] → [`ir::Ir`]. Names bound, defaults applied, stages
//!    expanded into version ranges; author errors with spans and hints.
//! 3. [`layout`]: [`ir::Ir`] → [`scene::Scene`]. The union of all stages laid out once, with
//!    sizes from [`font`] metrics, orthogonal edge routing and collision-free labels.
//! 4. [`svg`]: [`scene::Scene`] → SVG text, one stage or all stages. Each stage has its own
//!    camera ([`layout::stage_view`]): the view box around what it shows, so an early stage
//!    fills its figure; positions never change. [`legend`] draws the key from the same marks.
//! 5. [`raster`]: SVG text → PNG, through resvg with the bundled font.
//!
//! [`compile`] runs steps 1–3; the [`Diagram`] methods run step 4. Nothing here reads files
//! or prints; the only runtime state is the font database [`raster`] builds from embedded
//! bytes.
//!
//! # The all-stages SVG and its classes
//!
//! [`Diagram::svg_all`] draws every version of every element once. Each element is a `<g>`
//! with these classes (stages are numbered from 1 in class names):
//!
//! - `ds-s`: the element depends on the stage;
//! - `ds-in{k}`: shown in stage k (one class per stage it is shown in);
//! - `ds-new{k}`: added or changed in stage k. Its decorations (`ds-hl` outline or overlay,
//!   `ds-hb`/`ds-ht` "NEW" badge, `ds-ha` accent arrowheads) are hidden unless stage k is shown.
//!
//! To show stage k, set `data-ds-stage="k"` on the `<svg>` or on one ancestor. The rules that
//! act on it are fixed ([`svg::stage_css`]) and included in the SVG's own `<style>`, so the
//! page needs no per-diagram CSS. Without the attribute every element is shown and no
//! decoration, which is why pages without scripts should use the per-stage form.
//!
//! Nothing is marked new in stage 1, where everything is. In both forms each element's `<g>`
//! also carries `data-ds="{key}"`: its author id, `from->to` for an edge, or the mark's key
//! (`s1@2->s2@3`) in a timeline; versions of one element share the key.

pub mod font;
pub mod ir;
pub mod layout;
pub mod legend;
pub mod raster;
pub mod resolve;
pub mod scene;
pub mod svg;
pub mod syntax;

use crate::diagnostic::{Diagnostic, Severity};

/// A stage's title and caption, as the author wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageInfo {
    /// Up to six words.
    pub title: String,
    /// One or two sentences (empty for a file without stages).
    pub caption: String,
}

/// The result of [`compile`].
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The laid-out diagram; `None` if any diagnostic is an error.
    pub diagram: Option<Diagram>,
    /// Every problem found, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// A compiled, laid-out diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    scene: scene::Scene,
}

/// Compiles diagram source. `file` is the display path used in diagnostics. Never panics;
/// every problem in the file is reported in one run.
pub fn compile(file: &str, source: &str) -> Compiled {
    let (parsed, mut diagnostics) = syntax::parse(file, source);
    let (ir, resolve_diagnostics) = resolve::resolve(file, source, &parsed);
    diagnostics.extend(resolve_diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    let failed = diagnostics.iter().any(|d| d.severity == Severity::Error);
    let diagram = (!failed).then(|| Diagram {
        scene: layout::layout(&ir),
    });
    Compiled {
        diagram,
        diagnostics,
    }
}

impl Diagram {
    /// The diagram's title (for `<title>` and alt text).
    pub fn title(&self) -> &str {
        &self.scene.title
    }

    /// Stage titles and captions, in order.
    pub fn stages(&self) -> &[StageInfo] {
        &self.scene.stages
    }

    /// One stage (0-based; clamped to the last) as a standalone SVG whose ids start with
    /// `id_prefix`. Elements new in the stage are drawn highlighted.
    pub fn svg_stage(&self, stage: usize, id_prefix: &str) -> String {
        svg::stage(&self.scene, stage, id_prefix)
    }

    /// Every stage in one SVG, switched by CSS (see the module docs for the class scheme).
    pub fn svg_all(&self, id_prefix: &str) -> String {
        svg::all(&self.scene, id_prefix)
    }

    /// The key: what the shapes, lines and marks this diagram uses mean.
    pub fn legend(&self) -> Vec<legend::Entry> {
        legend::entries(&self.scene)
    }

    /// A text dump of every element's geometry and stages, for expected-output tests.
    pub fn layout_dump(&self) -> String {
        self.scene.dump()
    }

    /// The laid-out scene, for callers that check or draw geometry themselves.
    pub fn scene(&self) -> &scene::Scene {
        &self.scene
    }
}
