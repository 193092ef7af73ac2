//! `pos-query-api`: filled by the query API issue.
fn main() {
    eprintln!("pos-query-api: not built yet");
    std::process::exit(2);
}
