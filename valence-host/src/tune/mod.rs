//! Hyperparameter tuning by Bayesian optimisation.
//!
//! Modules, in data-flow order:
//!
//! - [`space`]: the search space (log-scaled and integer dimensions) and
//!   its initial designs.
//! - [`gp`]: the Gaussian process (Matérn 5/2 kernel, fitted
//!   hyperparameters) and its expected improvement.
//! - [`bayes`]: the optimisation loop, which always spends the whole budget,
//!   and random search, the baseline it must beat.
//! - [`testfns`]: Branin and Hartmann-3, the known functions it is tested on.
//! - [`trials`]: the result table, printed and saved.

pub mod bayes;
pub mod gp;
pub mod space;
pub mod testfns;
pub mod trials;

pub use bayes::{minimise, random_search, Budget, Trial};
pub use space::{Dim, Space};
