//! A chat message and its role: what prompts, release files, providers, the rubric
//! grader and the cache all speak of.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Hash, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
    /// A tool's result in a conversation's history; never written in a prompt file.
    #[serde(skip_deserializing)]
    Tool,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One entry of a prompt's `messages`: a templated message, or the slot where a case's
/// conversation history goes (`insert`, then `role` and `content` are unused: `user`
/// and empty, so every message still has a template, an empty one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "MessageRepr", try_from = "MessageRepr")]
pub struct Message {
    pub role: Role,
    pub content: String,
    /// Image references, each a template that renders to a workspace path or an
    /// https URL.
    pub images: Vec<String>,
    /// The case variable holding the messages to insert here.
    pub insert: Option<String>,
}

impl Message {
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            images: Vec::new(),
            insert: None,
        }
    }

    pub fn insert(var: impl Into<String>) -> Message {
        Message {
            insert: Some(var.into()),
            ..Message::new(Role::User, "")
        }
    }
}

/// The serialised form: `{role, content[, images]}` or `{insert}`, so a prompt without
/// the newer fields keeps the canonical form (and content hash) it always had.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageRepr {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    insert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    images: Vec<String>,
}

impl From<Message> for MessageRepr {
    fn from(m: Message) -> MessageRepr {
        match m.insert {
            Some(var) => MessageRepr {
                insert: Some(var),
                role: None,
                content: None,
                images: Vec::new(),
            },
            None => MessageRepr {
                insert: None,
                role: Some(m.role),
                content: Some(m.content),
                images: m.images,
            },
        }
    }
}

impl TryFrom<MessageRepr> for Message {
    type Error = String;

    fn try_from(r: MessageRepr) -> Result<Message, String> {
        // A slot's other keys mean nothing (prompt files refuse them at their line).
        match (r.insert, r.role, r.content) {
            (Some(var), ..) => Ok(Message::insert(var)),
            (None, Some(role), Some(content)) => Ok(Message {
                images: r.images,
                ..Message::new(role, content)
            }),
            (None, None, _) => Err("missing field `role`".into()),
            (None, _, None) => Err("missing field `content`".into()),
        }
    }
}
