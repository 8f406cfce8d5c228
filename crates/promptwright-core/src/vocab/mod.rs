//! The ground floor: the words every other module speaks. It imports nothing from the
//! rest of the engine, so loaders, providers, assertions and releases can all use it
//! without reaching into one another.

pub mod diagnostic;
pub mod explain;
pub mod message;
pub mod source;
pub mod suggest;
pub mod tools;

pub use diagnostic::{Diagnostic, LoadErrors};
pub use explain::Explain;
pub use message::{Message, Role};
pub use source::{ReadError, Source};
pub use suggest::did_you_mean;
pub use tools::{FormatKind, ResponseFormat, ToolCall, ToolChoice, ToolDef, shown_output};
