-- Targets, their history and the decisions log. Statements are split on semicolons: keep them out of comments.
-- Every change to a target appends a history row, whose seq increases in commit order (writers hold an advisory lock)
CREATE TABLE targets (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    aliases JSONB NOT NULL DEFAULT '[]',
    kind TEXT NOT NULL CHECK (kind IN ('person', 'topic', 'fact', 'passage')),
    description TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    requester TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX targets_active ON targets (active);
CREATE TABLE history (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    actor TEXT NOT NULL,
    reason TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    snapshot JSONB NOT NULL
);
CREATE INDEX history_target ON history (target_id, seq);
CREATE TABLE decisions (
    id TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    record JSONB NOT NULL
);
CREATE INDEX decisions_created ON decisions (created_at);
