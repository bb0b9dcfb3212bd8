//! Lets pird-embed's tests, examples and benches, and (through `links` metadata) the binaries of
//! crates that depend on pird-embed, find libtorch at run time without `LD_LIBRARY_PATH`.
//!
//! torch-sys links libtorch dynamically but gives no rpath, and publishes the folder it linked
//! against as `DEP_TCH_LIBTORCH_LIB` to its direct dependents. This script turns that into an rpath
//! for pird-embed's own link targets, and republishes it as `DEP_PIRD_EMBED_LIBTORCH_LIB` (see
//! `links` in Cargo.toml) so that a binary crate's build script can add the same rpath:
//!
//! ```text
//! if let Ok(lib) = std::env::var("DEP_PIRD_EMBED_LIBTORCH_LIB") {
//!     println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
//! }
//! ```

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return; // built without the `tch` feature
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" || target_os == "macos" {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    println!("cargo:libtorch_lib={lib}");
}
