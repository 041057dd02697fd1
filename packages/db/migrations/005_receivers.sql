-- Notification receivers (DingTalk / WeCom / Feishu robots, generic JSON webhooks) and the log of
-- every delivery made to them.
--
-- SECURITY: receivers.secret is a signing key and receivers.url often carries a credential too
-- (DingTalk access_token, WeCom key, Feishu hook token). Both are stored as given, because they
-- must be presented to the vendor as they are; protect this table with database access control
-- (only the API role reads it; backups are as sensitive as the table). The repositories never
-- return the secret except to the delivery worker.

CREATE TABLE receivers (
  id            bigserial   PRIMARY KEY,
  name          text        NOT NULL UNIQUE,
  kind          text        NOT NULL CHECK (kind IN ('dingtalk', 'wecom', 'feishu', 'webhook')),
  url           text        NOT NULL CHECK (url ~* '^https?://'),
  -- Signing key (DingTalk 加签 SEC…, Feishu 签名校验, our webhook HMAC); null: unsigned.
  secret        text,
  enabled       boolean     NOT NULL DEFAULT true,
  -- An admin's explicit allowlisting of a loopback/private/link-local target for this receiver
  -- (an intranet relay). Without it such addresses are refused at connect time.
  allow_private boolean     NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE deliveries (
  id           bigserial   PRIMARY KEY,
  receiver_id  bigint      NOT NULL REFERENCES receivers (id) ON DELETE CASCADE,
  -- Chosen by the caller (e.g. alert event id + receiver): a retried enqueue never sends twice.
  dedup_key    text        NOT NULL UNIQUE,
  -- The notification (vendor-neutral); each attempt formats and signs it afresh, since vendors
  -- reject signatures whose timestamp is too old.
  payload      jsonb       NOT NULL,
  -- pending: not tried yet; failed: tried, will be retried; sent; dead: gave up (kept, readable).
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
  attempts     integer     NOT NULL DEFAULT 0,
  last_error   text,
  last_status  integer,
  created_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deliveries_receiver_idx ON deliveries (receiver_id, id DESC);
CREATE INDEX deliveries_status_idx ON deliveries (status, id DESC);
-- The reconciler looks for unfinished deliveries whose job may have been lost with Redis.
CREATE INDEX deliveries_unfinished_idx ON deliveries (updated_at) WHERE status IN ('pending', 'failed');
