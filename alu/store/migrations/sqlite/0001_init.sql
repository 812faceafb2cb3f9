-- Targets, their history and the decisions log. Statements are split on semicolons: keep them out of comments.
-- Every change to a target appends a history row, whose seq increases in commit order (writers hold the write lock)
CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    aliases TEXT NOT NULL DEFAULT '[]',
    kind TEXT NOT NULL CHECK (kind IN ('person', 'topic', 'fact', 'passage')),
    description TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    requester TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX targets_active ON targets (active);
CREATE TABLE history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX history_target ON history (target_id, seq);
CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX decisions_created ON decisions (created_at);
