// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test`; do not edit.

export type AppInfo = { version: string, 
/**
 * Where the local database and the embedded server's data live.
 */
data_dir: string, };
