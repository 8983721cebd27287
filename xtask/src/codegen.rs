//! Generating the low-level client from the spec, and checking for drift.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle, TypeImpl};

use crate::workspace_root;

/// The spec every generated file comes from.
const SPEC: &str = "openapi/workspace.yaml";
const API_CRATE: &str = "crates/huaweicloud-workspace-api";

/// One generated file: where it goes and what it holds.
struct Output {
    path: PathBuf,
    contents: String,
}

/// Regenerates every generated file on disk.
pub fn write() -> Result<()> {
    for out in generate()? {
        let old = fs::read_to_string(&out.path).unwrap_or_default();
        if old == out.contents {
            println!("unchanged {}", display(&out.path));
        } else {
            fs::write(&out.path, &out.contents)
                .with_context(|| format!("writing {}", out.path.display()))?;
            println!("wrote     {}", display(&out.path));
        }
    }
    Ok(())
}

/// Regenerates in memory and fails with a unified diff when a checked-in file differs.
pub fn check() -> Result<ExitCode> {
    let mut drift = false;
    for out in generate()? {
        let old = match fs::read_to_string(&out.path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(err).with_context(|| format!("reading {}", out.path.display())),
        };
        if old != out.contents {
            drift = true;
            let name = display(&out.path);
            let diff = similar::TextDiff::from_lines(&old, &out.contents);
            print!(
                "{}",
                diff.unified_diff().context_radius(3).header(
                    &format!("{name} (checked in)"),
                    &format!("{name} (from {SPEC})")
                )
            );
        }
    }
    if drift {
        eprintln!(
            "generated code differs from what {SPEC} generates: run `cargo xtask codegen` \
             (never edit generated files by hand)"
        );
        Ok(ExitCode::FAILURE)
    } else {
        println!("generated code is up to date with {SPEC}");
        Ok(ExitCode::SUCCESS)
    }
}

fn display(path: &std::path::Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn generate() -> Result<Vec<Output>> {
    let root = workspace_root();
    let spec_path = root.join(SPEC);
    let text = fs::read_to_string(&spec_path)
        .with_context(|| format!("reading {}", spec_path.display()))?;
    let spec: openapiv3::OpenAPI =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {SPEC} as OpenAPI 3.0"))?;
    if !spec.openapi.starts_with("3.0.") {
        bail!(
            "{SPEC} must be OpenAPI 3.0.x (progenitor reads no other), found {}",
            spec.openapi
        );
    }

    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // Made optional below (the api crate's `schemars` feature).
        .with_derive("schemars::JsonSchema")
        // Hours travel as a string or a number; a hand-written exact type takes
        // the place of the untagged enum the generator would make.
        .with_replacement("UseTime", "crate::Hours", [TypeImpl::Display].into_iter());

    let mut generator = Generator::new(&settings);
    let client = generator
        .generate_tokens(&spec)
        .context("generating the client")?;
    let mock = generator
        .httpmock(&spec, "crate")
        .context("generating the httpmock helpers")?;

    let crate_dir = root.join(API_CRATE);
    Ok(vec![
        Output {
            path: crate_dir.join("src/generated.rs"),
            contents: render_client(client)?,
        },
        Output {
            path: crate_dir.join("src/generated_httpmock.rs"),
            contents: render(mock, "typed httpmock helpers")?,
        },
    ])
}

/// The client, with a `build_request` beside every builder's `send`.
fn render_client(tokens: proc_macro2::TokenStream) -> Result<String> {
    let mut file: syn::File = syn::parse2(tokens).context("parsing the generated client")?;
    let mut schema = OptionalDerive::default();
    syn::visit_mut::VisitMut::visit_file_mut(&mut schema, &mut file);
    if schema.moved == 0 {
        bail!("making JsonSchema optional: no generated type derives `schemars::JsonSchema`");
    }
    let mut pass = BuildRequest::default();
    syn::visit_mut::VisitMut::visit_file_mut(&mut pass, &mut file);
    if let Some(problem) = pass.problem {
        bail!("adding build_request to the generated builders: {problem}");
    }
    if pass.added == 0 {
        bail!("adding build_request: the generated client has no builder with a `send`");
    }
    render_file(file, "the client and its types")
}

fn render(tokens: proc_macro2::TokenStream, what: &str) -> Result<String> {
    let file: syn::File =
        syn::parse2(tokens).with_context(|| format!("parsing generated {what}"))?;
    render_file(file, what)
}

fn render_file(mut file: syn::File, what: &str) -> Result<String> {
    syn::visit_mut::VisitMut::visit_file_mut(&mut LineDocs, &mut file);
    let body = prettyplease::unparse(&file);
    Ok(format!(
        "// @generated by `cargo xtask codegen` from {SPEC}: {what}.\n\
         // Do not edit by hand; edit the spec and regenerate.\n\n{body}"
    ))
}

/// Splits multi-line doc attributes into one attribute per line.
///
/// prettyplease prints a multi-line doc as an indented `/** */` block, which
/// rustdoc then reads as an indented code block and tries to compile; one
/// `///` line per line keeps the Markdown as the spec wrote it.
struct LineDocs;

impl syn::visit_mut::VisitMut for LineDocs {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        let mut out = Vec::with_capacity(attrs.len());
        for attr in attrs.drain(..) {
            match doc_text(&attr) {
                Some(text) if text.contains('\n') => {
                    for line in text.lines() {
                        let line = if line.is_empty() || line.starts_with(' ') {
                            line.to_string()
                        } else {
                            format!(" {line}")
                        };
                        let mut split = attr.clone();
                        split.meta = syn::parse_quote!(doc = #line);
                        out.push(split);
                    }
                }
                _ => out.push(attr),
            }
        }
        *attrs = out;
        for attr in attrs.iter_mut() {
            self.visit_attribute_mut(attr);
        }
    }
}

fn doc_text(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    if !nv.path.is_ident("doc") {
        return None;
    }
    match &nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Turns every generated `#[derive(..., schemars::JsonSchema)]` into the
/// same derive without it plus
/// `#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]`.
///
/// Why: progenitor derives its extra derives unconditionally, and schemars
/// with its proc-macro crate was a good part of a cold build of the facade
/// for the few applications that want schemas; the api crate's `schemars`
/// feature (turned on by the facade's) brings them back.
#[derive(Default)]
struct OptionalDerive {
    moved: usize,
}

impl syn::visit_mut::VisitMut for OptionalDerive {
    fn visit_attributes_mut(&mut self, attrs: &mut Vec<syn::Attribute>) {
        let mut out = Vec::with_capacity(attrs.len() + 1);
        for mut attr in attrs.drain(..) {
            let paths = attr.path().is_ident("derive").then(|| {
                attr.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
            });
            let Some(Ok(paths)) = paths else {
                out.push(attr);
                continue;
            };
            let is_schema = |p: &syn::Path| {
                let names: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
                names == ["schemars", "JsonSchema"]
            };
            if !paths.iter().any(is_schema) {
                out.push(attr);
                continue;
            }
            let kept: Vec<&syn::Path> = paths.iter().filter(|p| !is_schema(p)).collect();
            if !kept.is_empty() {
                attr.meta = syn::parse_quote!(derive(#(#kept),*));
                out.push(attr);
            }
            out.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
            ));
            self.moved += 1;
        }
        *attrs = out;
        for attr in attrs.iter_mut() {
            self.visit_attribute_mut(attr);
        }
    }
}

/// Adds `pub fn build_request(self) -> Result<reqwest::Request, Error<E>>` to
/// every generated builder: the statements of its `send` up to the one that
/// builds the request (URL from the path template, query parameters, body),
/// and none of what sends it.
///
/// Why: the facade sends every operation through its own transport (one
/// signing, body cap, status and header handling for all), but paths,
/// query strings and bodies must still come from the spec. progenitor's
/// builders build the request and send it in one method; this cuts that
/// method at the seam. The cut is checked: a `send` without the statement
/// `let mut request = ... .build()?;` before any `.await` fails codegen.
#[derive(Default)]
struct BuildRequest {
    added: usize,
    problem: Option<String>,
}

impl syn::visit_mut::VisitMut for BuildRequest {
    fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
        let send = item.items.iter().find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f.clone()),
            _ => None,
        });
        if let Some(send) = send {
            match build_request_from(&send) {
                Ok(f) => {
                    item.items.push(syn::ImplItem::Fn(f));
                    self.added += 1;
                }
                Err(problem) => {
                    self.problem.get_or_insert(problem);
                }
            }
        }
        syn::visit_mut::visit_item_impl_mut(self, item);
    }
}

fn build_request_from(send: &syn::ImplItemFn) -> Result<syn::ImplItemFn, String> {
    let syn::ReturnType::Type(_, ty) = &send.sig.output else {
        return Err("`send` returns nothing".to_string());
    };
    // `Result<ResponseValue<T>, Error<E>>` becomes `Result<reqwest::Request, Error<E>>`.
    let mut ty = (**ty).clone();
    let syn::Type::Path(path) = &mut ty else {
        return Err("`send` does not return a Result".to_string());
    };
    let Some(last) = path.path.segments.last_mut() else {
        return Err("`send` returns an empty path".to_string());
    };
    let syn::PathArguments::AngleBracketed(args) = &mut last.arguments else {
        return Err("`send` does not return Result<T, E>".to_string());
    };
    let Some(syn::GenericArgument::Type(ok)) = args.args.first_mut() else {
        return Err("`send` does not return Result<T, E>".to_string());
    };
    *ok = syn::parse_quote!(::reqwest::Request);

    let mut stmts = Vec::new();
    let mut built = false;
    for stmt in &send.block.stmts {
        let text = quote::ToTokens::to_token_stream(stmt).to_string();
        if text.contains(". await") || text.contains(".await") {
            return Err(format!(
                "`{}` awaits before the request is built",
                quote::ToTokens::to_token_stream(&send.sig.ident)
            ));
        }
        stmts.push(stmt.clone());
        if let syn::Stmt::Local(local) = stmt
            && let syn::Pat::Ident(ident) = &local.pat
            && ident.ident == "request"
        {
            built = true;
            break;
        }
    }
    if !built {
        return Err("a `send` has no `let mut request = ...` statement".to_string());
    }
    let block: syn::Block = syn::parse_quote!({
        #(#stmts)*
        Ok(request)
    });
    Ok(syn::parse_quote! {
        /// Builds the request `send` would send (URL, query, headers, body),
        /// without sending it: for callers with their own transport.
        #[allow(unused_mut)]
        pub fn build_request(self) -> #ty #block
    })
}
