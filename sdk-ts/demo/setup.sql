-- The chat demo's tables, run once as an administrator (root): see sdk-ts/README.md.
CREATE NAMESPACE IF NOT EXISTS demo;
-- Conversations: one list everyone sees and may add to.
CREATE SHARED TABLE IF NOT EXISTS demo.conversations (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  created_at TIMESTAMP DEFAULT NOW()
) WITH (ACCESS_LEVEL = 'public');
-- Messages: each user's own rows (a USER table), so a user sees only the messages they sent.
CREATE USER TABLE IF NOT EXISTS demo.messages (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  body TEXT NOT NULL,
  author TEXT DEFAULT CURRENT_USER(),
  sent_at TIMESTAMP DEFAULT NOW()
);
-- Typing state: ephemeral per-user events (a STREAM table).
CREATE STREAM TABLE IF NOT EXISTS demo.typing (
  conversation_id TEXT PRIMARY KEY,
  typing BOOLEAN NOT NULL,
  updated_at TIMESTAMP DEFAULT NOW()
) WITH (TTL_SECONDS = 30);
INSERT INTO demo.conversations (id, title) VALUES ('general', 'General'), ('random', 'Random');
