//! Rebuilds the extension when its SQL changes. `extension_sql_file!` reads `sql/*.sql` while the
//! crate compiles but does not tell cargo, so an edit to a SQL file alone left the build, and the
//! install script generated from it, as they were (found when an edited pos.fraud_context_json
//! did not reach the installed 0.2.3 script).
fn main() {
    println!("cargo:rerun-if-changed=../sql");
}
