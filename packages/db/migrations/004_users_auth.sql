-- Users of the API, their API tokens and their browser sessions.
-- Secrets are never stored: passwords as scrypt hashes, tokens and session secrets as SHA-256.

CREATE TABLE users (
  id            bigserial   PRIMARY KEY,
  name          text        NOT NULL UNIQUE,
  display_name  text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('admin', 'pr', 'leader', 'analyst', 'ingest')),
  -- null: the user cannot log in with a password (an ingest crawler uses tokens only).
  password_hash text,
  disabled      boolean     NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id           bigserial   PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text        NOT NULL DEFAULT '',
  -- SHA-256 (hex) of the token: a 256-bit random token needs no salt or slow hash.
  token_hash   text        NOT NULL UNIQUE,
  -- The first characters of the token, so a person can tell their tokens apart.
  prefix       text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE sessions (
  -- SHA-256 (hex) of the secret in the cookie: a database leak does not hand out live sessions.
  id           text        PRIMARY KEY,
  user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
