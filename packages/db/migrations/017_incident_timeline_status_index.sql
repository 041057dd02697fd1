-- Digests rebuild each incident's status at a period's end from its status entries and count the
-- closes inside the period (repositories/digests.ts): an index on when status entries happened keeps
-- that a range scan however long the register grows.
CREATE INDEX incident_timeline_status_at_idx ON incident_timeline (at) WHERE kind = 'status';
