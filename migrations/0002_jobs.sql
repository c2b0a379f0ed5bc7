-- The durable job queue: everything that happens after a request answers (deliveries,
-- inbox processing, mail, fan-out …) is a row here. Workers claim rows with
-- FOR UPDATE SKIP LOCKED, hold a lease while working, and record the outcome.

CREATE SEQUENCE jobs_id_seq;
CREATE TABLE jobs (
  id           bigint PRIMARY KEY DEFAULT timestamp_id('jobs'),
  lane         text NOT NULL,                 -- local, delivery, inbox
  kind         text NOT NULL,                 -- deliver, confirmation_mail, …
  payload      jsonb NOT NULL,                -- ids and small data only
  host         text,                          -- target host of a delivery
  state        text NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'running', 'done', 'dead')),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  run_at       timestamptz NOT NULL DEFAULT now(),
  leased_until timestamptz,
  lease_owner  text,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX jobs_ready_idx ON jobs (lane, run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_leased_idx ON jobs (leased_until) WHERE state = 'running';
CREATE INDEX jobs_host_idx ON jobs (host) WHERE state = 'pending' AND host IS NOT NULL;
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state = 'done';
CREATE INDEX jobs_dead_idx ON jobs (id) WHERE state = 'dead';

-- Health of each host we deliver to: a circuit breaker so a failing host costs one probe
-- per interval, and the "unavailable" mark for hosts that failed for a long window.
CREATE TABLE delivery_hosts (
  host                 text PRIMARY KEY,
  consecutive_failures integer NOT NULL DEFAULT 0,
  first_failure_at     timestamptz,
  last_failure_at      timestamptz,
  last_error           text,
  circuit_open_until   timestamptz,
  probe_until          timestamptz,
  unavailable_since    timestamptz,
  last_success_at      timestamptz,
  updated_at           timestamptz NOT NULL DEFAULT now()
);
