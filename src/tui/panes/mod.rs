pub mod placeholder;
pub mod prompts;
