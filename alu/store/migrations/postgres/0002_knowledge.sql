-- What a target is known for: a JSON list of texts (facts, QA pairs, passages, example questions)
ALTER TABLE targets ADD COLUMN knowledge JSONB NOT NULL DEFAULT '[]';
