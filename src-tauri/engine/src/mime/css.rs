//! CSS from mail, cleaned by a real tokenizer.
//!
//! Mail's CSS (style attributes and `<style>` elements) can reach the
//! network in more spellings than a text search finds: CSS escapes
//! (`\75 rl(`), `image-set()`, `-webkit-cross-fade()`, `content:`. So the
//! CSS is tokenized as a browser does (cssparser, Servo's and Firefox's
//! tokenizer, which decodes escapes), and only declarations of properties
//! on an allow list, with values built of harmless tokens and functions,
//! are written back out, serialized anew. Every address in them is
//! decided on one way ([`use_of_url`]): an inline `cid:` image becomes its
//! data: URL, a data: image stays, a remote one stays only when the user
//! allowed remote content for the message, and anything else goes.

use std::collections::HashMap;

use cssparser::{ParseError, Parser, ToCss, Token};

/// What a message's CSS may refer to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    /// The user allowed remote content for this message.
    pub allow_remote: bool,
    /// The message's inline images: Content-ID to data: URL.
    pub images: &'a HashMap<String, String>,
}

/// What becomes of an address in a message's HTML or CSS.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UrlUse {
    /// Kept, or rewritten to this (a `cid:` image's data: URL).
    Keep(String),
    /// Removed; `remote` when it would have reached the network (the
    /// "Remote images were blocked" notice counts those).
    Drop { remote: bool },
}

/// The one decision on an address a message's HTML or CSS loads.
pub(crate) fn use_of_url(url: &str, policy: Policy<'_>) -> UrlUse {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("cid:") {
        let cid = url.get(4..).unwrap_or("").trim_start_matches('<').trim_end_matches('>');
        return policy.images.get(cid).map_or(UrlUse::Drop { remote: false }, |data| UrlUse::Keep(data.clone()));
    }
    if lower.starts_with("data:image/") {
        return UrlUse::Keep(url.to_owned());
    }
    let remote = lower.starts_with("https:") || lower.starts_with("http:") || lower.starts_with("//");
    if !remote || !policy.allow_remote {
        return UrlUse::Drop { remote };
    }
    // A mail has no page address to take a scheme from.
    if url.starts_with("//") { UrlUse::Keep(format!("https:{url}")) } else { UrlUse::Keep(url.to_owned()) }
}

/// A style attribute's declarations, cleaned; and whether a remote
/// address was removed from them.
pub(crate) fn clean_declarations(css: &str, policy: Policy<'_>) -> (String, bool) {
    let nodes = tokens(css);
    let mut blocked = false;
    let out = declarations(&nodes, policy, &mut blocked);
    (out, blocked)
}

/// A `<style>` element's style sheet, cleaned: rules and `@media` kept,
/// every other at-rule (`@import`, `@font-face` …) dropped; and whether a
/// remote address was removed. The text is safe inside `<style>`: no `<`
/// is left to end the element.
pub(crate) fn clean_stylesheet(css: &str, policy: Policy<'_>) -> (String, bool) {
    let nodes = tokens(css);
    let mut blocked = false;
    let mut out = String::new();
    rules(&nodes, policy, &mut blocked, &mut out);
    (out.replace('<', "\\3c "), blocked)
}

/// How deep blocks may nest before the rest is dropped (hostile CSS may
/// nest thousands deep).
const MAX_DEPTH: usize = 24;

/// A token, a block with what it holds, or an address to write out.
#[derive(Debug, Clone)]
enum Node<'i> {
    Token(Token<'i>),
    /// A function, (…), […] or {…} block.
    Block(Token<'i>, Vec<Node<'i>>),
    /// Something that cannot be kept: too deep, or a bad url/string.
    Bad,
}

fn tokens(css: &str) -> Vec<Node<'_>> {
    let mut parser = Parser::new(css);
    read(&mut parser, 0)
}

fn read<'i>(parser: &mut Parser<'i>, depth: usize) -> Vec<Node<'i>> {
    let mut nodes = Vec::new();
    while let Ok(token) = parser.next_including_whitespace() {
        let token = token.clone();
        match token {
            Token::Function(_) | Token::ParenthesisBlock | Token::SquareBracketBlock | Token::CurlyBracketBlock => {
                if depth >= MAX_DEPTH {
                    nodes.push(Node::Bad);
                    continue;
                }
                let inner = parser
                    .parse_nested_block(|p| Ok::<_, ParseError<()>>(read(p, depth + 1)))
                    .unwrap_or_else(|_| vec![Node::Bad]);
                nodes.push(Node::Block(token, inner));
            }
            Token::BadUrl(_) | Token::BadString(_) => nodes.push(Node::Bad),
            other => nodes.push(Node::Token(other)),
        }
    }
    nodes
}

/// Properties whose values are drawn as they are (after a vendor prefix
/// is taken off): colours, fonts, boxes, tables, lists. Never position,
/// content, cursor, filters, masks, transforms or animations.
const PROPERTIES: &[&str] = &[
    "align-content",
    "align-items",
    "align-self",
    "background",
    "background-attachment",
    "background-clip",
    "background-color",
    "background-image",
    "background-origin",
    "background-position",
    "background-repeat",
    "background-size",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "box-shadow",
    "box-sizing",
    "caption-side",
    "clear",
    "color",
    "column-count",
    "column-gap",
    "columns",
    "direction",
    "display",
    "empty-cells",
    "flex",
    "flex-basis",
    "flex-direction",
    "flex-flow",
    "flex-grow",
    "flex-shrink",
    "flex-wrap",
    "float",
    "font",
    "font-family",
    "font-feature-settings",
    "font-kerning",
    "font-size",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "gap",
    "grid-template-columns",
    "height",
    "hyphens",
    "justify-content",
    "letter-spacing",
    "line-height",
    "list-style",
    "list-style-image",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "opacity",
    "order",
    "outline",
    "outline-color",
    "outline-style",
    "outline-width",
    "overflow",
    "overflow-wrap",
    "overflow-x",
    "overflow-y",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "row-gap",
    "tab-size",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-decoration-color",
    "text-decoration-line",
    "text-decoration-style",
    "text-indent",
    "text-overflow",
    "text-shadow",
    "text-size-adjust",
    "text-transform",
    "unicode-bidi",
    "vertical-align",
    "visibility",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
    "writing-mode",
];

/// Functions a value may use: colours, arithmetic, gradients, and the
/// image functions whose every address is decided on like url()'s.
const FUNCTIONS: &[&str] = &[
    "rgb",
    "rgba",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "oklab",
    "oklch",
    "color",
    "calc",
    "min",
    "max",
    "clamp",
    "linear-gradient",
    "radial-gradient",
    "conic-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "-webkit-linear-gradient",
    "-webkit-radial-gradient",
    "image-set",
    "-webkit-image-set",
    "cross-fade",
    "-webkit-cross-fade",
];

/// Functions in which a plain string is an address.
const STRING_IS_URL: &[&str] = &["image-set", "-webkit-image-set"];

fn allowed_property(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let bare = ["-webkit-", "-moz-", "-ms-", "-o-"].iter().find_map(|p| name.strip_prefix(p)).unwrap_or(&name);
    PROPERTIES.contains(&bare)
}

/// The value with every address decided on, or None when the declaration
/// must go.
fn clean_value<'i>(
    nodes: &[Node<'i>],
    policy: Policy<'_>,
    strings_are_urls: bool,
    blocked: &mut bool,
) -> Option<Vec<Out<'i>>> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Bad => return None,
            Node::Token(Token::UnquotedUrl(url)) => out.push(Out::Url(keep(url, policy, blocked)?)),
            Node::Token(Token::QuotedString(url)) if strings_are_urls => {
                out.push(Out::Url(keep(url, policy, blocked)?))
            }
            Node::Token(Token::AtKeyword(_) | Token::CurlyBracketBlock | Token::CDO | Token::CDC) => return None,
            Node::Token(token) => out.push(Out::Token(token.clone())),
            Node::Block(Token::Function(name), inner) => {
                let name = name.to_ascii_lowercase();
                if name == "url" || name == "src" {
                    let url = inner.iter().find_map(|n| match n {
                        Node::Token(Token::QuotedString(s)) => Some(s.to_string()),
                        _ => None,
                    });
                    out.push(Out::Url(keep(&url.unwrap_or_default(), policy, blocked)?));
                } else if FUNCTIONS.contains(&name.as_str()) {
                    let inner = clean_value(inner, policy, STRING_IS_URL.contains(&name.as_str()), blocked)?;
                    out.push(Out::Block(Token::Function(name.into()), inner));
                } else {
                    // Any other function (var, attr, element, image …): the
                    // declaration goes; a remote address in it is told of.
                    if mentions_remote(inner) && !policy.allow_remote {
                        *blocked = true;
                    }
                    return None;
                }
            }
            Node::Block(open @ (Token::ParenthesisBlock | Token::SquareBracketBlock), inner) => {
                out.push(Out::Block(open.clone(), clean_value(inner, policy, strings_are_urls, blocked)?));
            }
            Node::Block(..) => return None,
        }
    }
    Some(out)
}

fn keep(url: &str, policy: Policy<'_>, blocked: &mut bool) -> Option<String> {
    match use_of_url(url, policy) {
        UrlUse::Keep(url) => Some(url),
        UrlUse::Drop { remote } => {
            *blocked |= remote;
            None
        }
    }
}

/// Whether nodes hold a url() or a string that names a remote address.
fn mentions_remote(nodes: &[Node<'_>]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Token(Token::UnquotedUrl(s) | Token::QuotedString(s)) => {
            let s = s.trim().to_ascii_lowercase();
            s.starts_with("http:") || s.starts_with("https:") || s.starts_with("//")
        }
        Node::Block(_, inner) => mentions_remote(inner),
        _ => false,
    })
}

/// What is written back out.
#[derive(Debug)]
enum Out<'i> {
    Token(Token<'i>),
    Block(Token<'i>, Vec<Out<'i>>),
    Url(String),
}

fn write(out: &[Out<'_>], css: &mut String) {
    for node in out {
        match node {
            Out::Token(token) => {
                let _ = token.to_css(css);
            }
            Out::Block(open, inner) => {
                let _ = open.to_css(css);
                write(inner, css);
                css.push(match open {
                    Token::SquareBracketBlock => ']',
                    Token::CurlyBracketBlock => '}',
                    _ => ')',
                });
            }
            Out::Url(url) => {
                css.push_str("url(");
                let _ = cssparser::serialize_string(url, css);
                css.push(')');
            }
        }
    }
}

/// `name: value; …` with only the allowed declarations.
fn declarations(nodes: &[Node<'_>], policy: Policy<'_>, blocked: &mut bool) -> String {
    let mut css = String::new();
    for declaration in nodes.split(|n| matches!(n, Node::Token(Token::Semicolon))) {
        let mut parts = declaration.iter().skip_while(|n| is_space(n));
        let Some(Node::Token(Token::Ident(name))) = parts.next() else { continue };
        let mut rest = parts.skip_while(|n| is_space(n));
        if !matches!(rest.next(), Some(Node::Token(Token::Colon))) {
            continue;
        }
        let value: Vec<Node<'_>> = rest.cloned().collect();
        if !allowed_property(name) {
            if mentions_remote(&value) && !policy.allow_remote {
                *blocked = true;
            }
            continue;
        }
        let Some(value) = clean_value(&value, policy, false, blocked) else { continue };
        let mut text = String::new();
        write(&value, &mut text);
        if text.trim().is_empty() {
            continue;
        }
        if !css.is_empty() {
            css.push(' ');
        }
        let _ = cssparser::serialize_identifier(&name.to_ascii_lowercase(), &mut css);
        css.push_str(": ");
        css.push_str(text.trim());
        css.push(';');
    }
    css
}

fn is_space(node: &Node<'_>) -> bool {
    matches!(node, Node::Token(Token::WhiteSpace(_) | Token::Comment(_)))
}

/// A style sheet's rules: a rule's selectors as written, its block cleaned
/// as declarations; `@media` with its rules cleaned the same way.
fn rules(nodes: &[Node<'_>], policy: Policy<'_>, blocked: &mut bool, css: &mut String) {
    let mut prelude: Vec<&Node<'_>> = Vec::new();
    for node in nodes {
        match node {
            Node::Block(Token::CurlyBracketBlock, inner) => {
                let head: Vec<&Node<'_>> = prelude.drain(..).skip_while(|n| is_space(n)).collect();
                match head.first() {
                    Some(Node::Token(Token::AtKeyword(name))) if name.eq_ignore_ascii_case("media") => {
                        let Some(query) = plain(head.get(1..).unwrap_or_default()) else { continue };
                        let mut inner_css = String::new();
                        rules(inner, policy, blocked, &mut inner_css);
                        if !inner_css.is_empty() {
                            css.push_str(&format!("@media {}{{{inner_css}}}\n", query.trim()));
                        }
                    }
                    // @font-face, @page, @keyframes …: dropped.
                    Some(Node::Token(Token::AtKeyword(_))) => {
                        *blocked |= mentions_remote(inner) && !policy.allow_remote
                    }
                    Some(_) => {
                        let Some(selectors) = plain(&head) else { continue };
                        let body = declarations(inner, policy, blocked);
                        if !body.is_empty() {
                            css.push_str(&format!("{}{{{body}}}\n", selectors.trim()));
                        }
                    }
                    None => {}
                }
            }
            Node::Token(Token::Semicolon) if matches!(first_word(&prelude), Some(Node::Token(Token::AtKeyword(_)))) => {
                // @import, @charset, @namespace: dropped.
                let at_rule: Vec<Node<'_>> = prelude.drain(..).cloned().collect();
                if mentions_remote(&at_rule) && !policy.allow_remote {
                    *blocked = true;
                }
            }
            Node::Token(Token::CDO | Token::CDC) => {}
            other => prelude.push(other),
        }
    }
    // What is left has no block: not a rule.
    let rest: Vec<Node<'_>> = prelude.into_iter().cloned().collect();
    if mentions_remote(&rest) && !policy.allow_remote {
        *blocked = true;
    }
}

fn first_word<'a, 'i>(nodes: &[&'a Node<'i>]) -> Option<&'a Node<'i>> {
    nodes.iter().copied().find(|n| !is_space(n))
}

/// A selector list or media query written back, if it is only plain
/// tokens (no url, function or block that could load anything).
fn plain(nodes: &[&Node<'_>]) -> Option<String> {
    let mut css = String::new();
    for node in nodes {
        match node {
            Node::Token(Token::UnquotedUrl(_) | Token::AtKeyword(_) | Token::CDO | Token::CDC) | Node::Bad => {
                return None;
            }
            Node::Token(token) => {
                let _ = token.to_css(&mut css);
            }
            Node::Block(Token::Function(name), inner)
                if [
                    "not",
                    "is",
                    "where",
                    "nth-child",
                    "nth-of-type",
                    "lang",
                    "dir",
                    "nth-last-child",
                    "nth-last-of-type",
                ]
                .contains(&name.to_ascii_lowercase().as_str()) =>
            {
                css.push_str(&format!("{}(", name.to_ascii_lowercase()));
                css.push_str(&plain(&inner.iter().collect::<Vec<_>>())?);
                css.push(')');
            }
            Node::Block(open @ (Token::ParenthesisBlock | Token::SquareBracketBlock), inner) => {
                let _ = open.to_css(&mut css);
                css.push_str(&plain(&inner.iter().collect::<Vec<_>>())?);
                css.push(if matches!(open, Token::SquareBracketBlock) { ']' } else { ')' });
            }
            Node::Block(..) => return None,
        }
    }
    Some(css)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(allow_remote: bool, images: &HashMap<String, String>) -> Policy<'_> {
        Policy { allow_remote, images }
    }

    #[test]
    fn every_spelling_of_a_remote_address_is_removed_and_told_of() {
        let none = HashMap::new();
        for style in [
            "background:url(https://evil.example/a.png)",
            "background:URL( 'https://evil.example/a.png' )",
            "background:\\75 rl(https://evil.example/a.png)",
            "background:u\\rl(https://evil.example/a.png)",
            "background-image:image-set(\"https://evil.example/a.png\" 1x)",
            "background-image:-webkit-image-set(url(https://evil.example/a.png) 1x)",
            "background-image:-webkit-cross-fade(url(https://evil.example/a.png), url(https://evil.example/b.png), 50%)",
            "content:\\75 rl(https://evil.example/a.png)",
            "list-style:square url(//evil.example/a.png)",
            "background:var(--x, url(https://evil.example/a.png))",
            "b\\61 ckground:url(https://evil.example/a.png)",
        ] {
            let (out, blocked) = clean_declarations(&format!("color: red; {style}; margin: 0"), policy(false, &none));
            assert!(!out.contains("evil"), "{style} → {out}");
            assert!(blocked, "{style} is told of");
            assert!(out.contains("color: red;") && out.contains("margin: 0;"), "{style} → {out}");
        }
    }

    #[test]
    fn allowed_remote_addresses_and_inline_images_are_kept() {
        let mut images = HashMap::new();
        images.insert("logo@x".to_owned(), "data:image/png;base64,AAAA".to_owned());
        let css = "background: #fff url(https://cdn.example/a.png) no-repeat; background-image: url(cid:logo@x)";
        let (out, blocked) = clean_declarations(css, policy(true, &images));
        assert_eq!(
            out,
            "background: #fff url(\"https://cdn.example/a.png\") no-repeat; background-image: url(\"data:image/png;base64,AAAA\");"
        );
        assert!(!blocked);
        let (out, blocked) = clean_declarations(css, policy(false, &images));
        assert_eq!(out, "background-image: url(\"data:image/png;base64,AAAA\");");
        assert!(blocked);
        let (out, _) =
            clean_declarations("position: fixed; top: 0; z-index: 9; COLOR: Blue !important", policy(true, &images));
        assert_eq!(out, "color: Blue !important;");
    }

    #[test]
    fn style_sheets_keep_rules_and_media_and_lose_imports_and_fonts() {
        let none = HashMap::new();
        let sheet = "@import url(https://evil.example/x.css);\n<!-- p { color: red } -->\n\
                     @font-face { font-family: X; src: url(https://evil.example/f.woff) }\n\
                     .a > b, td[align=center] { color: #333; position: absolute; background: url('https://evil.example/p.png') }\n\
                     @media (max-width: 600px) { .a { width: 100% !important } }\n\
                     p:not(.x) { content: '</style><script>alert(1)</script>'; font-family: '</style><img src=x>' }";
        let (out, blocked) = clean_stylesheet(sheet, policy(false, &none));
        assert!(blocked);
        assert!(!out.contains("evil") && !out.contains('<'), "{out}");
        assert!(out.contains("p{color: red;}"), "{out}");
        assert!(out.contains(".a > b, td[align=center]{color: #333;}"), "{out}");
        assert!(out.contains("@media (max-width: 600px){.a{width: 100% !important;}"), "{out}");
        assert!(out.contains("font-family: \"\\3c /style>\\3c img src=x>\""), "{out}");
    }

    #[test]
    fn hostile_nesting_is_cut_not_followed() {
        let deep = format!("width: {}1px{}", "calc(".repeat(10_000), ")".repeat(10_000));
        let (out, _) =
            clean_declarations(&format!("color: red; {deep}"), Policy { allow_remote: false, images: &HashMap::new() });
        assert_eq!(out, "color: red;");
    }
}
