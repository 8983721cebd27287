//! The desktop-usage command-line tool (work in progress).
fn main() {}
