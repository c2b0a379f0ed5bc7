-- Every local username in use is reserved for good (sign-up now records each new one):
-- if an account row ever goes, its name still cannot be registered by someone else,
-- who would otherwise receive what was meant for the old owner (S32).
INSERT INTO reserved_usernames (username)
SELECT lower(username) FROM accounts WHERE domain IS NULL AND actor_type <> 'Application'
ON CONFLICT (username) DO NOTHING;
