//! The model file is part of the firmware image: [`include_model!`] embeds
//! it with `include_bytes!`, so it is read in place from flash and costs no
//! RAM.
//!
//! Which file: each board example's `build.rs` resolves it and passes the
//! absolute path to the compiler as the environment variable
//! [`MODEL_PATH_ENV`]:
//!
//! 1. `VALENCE_MODEL` if set (relative paths are taken from the example's
//!    folder);
//! 2. otherwise the board's shipped default at the repository root:
//!    `models/default.vlm` (mel, key and onset features) on boards built
//!    with the harmony path, `models/mel.vlm` (mel statistics only) on the
//!    others;
//! 3. otherwise the build stops with a message saying both.
//!
//! The build script only locates the file; its contents are checked at
//! start-up by [`crate::start`], so a damaged file yields a firmware that
//! reports the damage and halts, never one that misbehaves.

/// The variable a board's build script sets to the model file's absolute path.
pub const MODEL_PATH_ENV: &str = "VALENCE_MODEL_PATH";

/// The variable a user sets to choose the model file at build time.
pub const MODEL_CHOICE_ENV: &str = "VALENCE_MODEL";

/// Expands to the bytes (`&'static [u8; N]`) of the model file chosen at
/// build time (see the module documentation).
#[macro_export]
macro_rules! include_model {
    () => {
        include_bytes!(env!("VALENCE_MODEL_PATH"))
    };
}
