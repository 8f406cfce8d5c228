pub mod diff;
pub mod diff_view;
pub mod evals;
pub mod evals_view;
pub mod placeholder;
pub mod prompts;
