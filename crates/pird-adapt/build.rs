//! An rpath to libtorch for this crate's test binaries, as in pird-cli's build script (the folder
//! comes from pird-embed's build script through the `links` key).

fn main() {
    println!("cargo:rerun-if-env-changed=DEP_PIRD_EMBED_LIBTORCH_LIB");
    let unix_like = matches!(
        std::env::var("CARGO_CFG_TARGET_OS").as_deref(),
        Ok("linux" | "macos")
    );
    match std::env::var("DEP_PIRD_EMBED_LIBTORCH_LIB") {
        Ok(lib) if unix_like => println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}"),
        _ => {}
    }
}
