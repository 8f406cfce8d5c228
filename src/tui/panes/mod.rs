pub mod diff;
pub mod diff_view;
pub mod evals;
pub mod evals_view;
pub mod prompts;
pub mod release;
pub mod release_view;
