-- Hit counters of the throttles that must hold across processes (log-ins, sign-ups,
-- mail-sending forms, token requests). Unlogged: losing them in a crash only resets
-- the windows, and writes skip the WAL.
CREATE UNLOGGED TABLE rate_limits (
    key text PRIMARY KEY,
    -- Unix seconds when the current window ends.
    window_end bigint NOT NULL,
    hits integer NOT NULL
);

CREATE INDEX rate_limits_window_end ON rate_limits (window_end);
