//! `pos-ingest`: filled by the ingest issue.
fn main() {
    eprintln!("pos-ingest: not built yet");
    std::process::exit(2);
}
