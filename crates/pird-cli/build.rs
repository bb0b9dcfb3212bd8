//! Gives the `pird` binary and its tests an rpath to libtorch, so that they run without
//! `LD_LIBRARY_PATH`; pird-embed's build script publishes the folder (see its build.rs).

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_PIRD_EMBED_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_PIRD_EMBED_LIBTORCH_LIB") {
        let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
        if target_os == "linux" || target_os == "macos" {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
        }
    }
}
