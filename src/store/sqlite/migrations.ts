/**
 * The schema, as an append-only list: entry N brings a database from version N to N+1
 * (SQLite's user_version). Never edit a released entry; add one.
 * Every table that holds data carries workspace_id, and every query filters on it; the one
 * exception, segment_members, holds a segment_keys number that belongs to one workspace.
 */
export const migrations: readonly string[] = [
  `
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}'
  );

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    kind TEXT NOT NULL CHECK (kind IN ('write', 'secret')),
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX api_keys_workspace ON api_keys(workspace_id);

  -- The event log: append-only, seq is the log offset.
  CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT,
    user_id TEXT,
    anonymous_id TEXT,
    profile_id TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    body TEXT NOT NULL
  );
  CREATE UNIQUE INDEX events_message ON events(workspace_id, message_id);
  CREATE INDEX events_profile ON events(workspace_id, profile_id, seq);

  CREATE TABLE profiles (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    traits TEXT NOT NULL DEFAULT '{}',
    trait_times TEXT NOT NULL DEFAULT '{}',
    event_counts TEXT NOT NULL DEFAULT '{}',
    merged_into TEXT,
    merged_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX profiles_merged ON profiles(workspace_id, merged_into) WHERE merged_into IS NOT NULL;

  CREATE TABLE identities (
    workspace_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'anonymous')),
    value TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    linked_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, kind, value)
  ) WITHOUT ROWID;
  CREATE INDEX identities_profile ON identities(workspace_id, profile_id);

  -- Every merge, for audit and for data-subject requests that must follow merges.
  CREATE TABLE profile_merges (
    workspace_id TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    absorbed_id TEXT NOT NULL,
    merged_at INTEGER NOT NULL
  );
  CREATE INDEX profile_merges_survivor ON profile_merges(workspace_id, survivor_id);
  `,
  `
  -- What Attune knows about each profile (features, session, consent, stored segment
  -- memberships), as JSON: read and written with the profile's events, in the same commit.
  ALTER TABLE profiles ADD COLUMN knowledge TEXT NOT NULL DEFAULT '{}';
  -- Bumped on every change to the workspace's features or segments: caches recompile on a change.
  ALTER TABLE workspaces ADD COLUMN config_version INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE feature_definitions (
    workspace_id TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, name)
  ) WITHOUT ROWID;

  CREATE TABLE segment_definitions (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;

  -- Current members of stored segments, for sizes and member lists.
  CREATE TABLE segment_members (
    workspace_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, segment_id, profile_id)
  ) WITHOUT ROWID;

  -- Every entry into and exit from a segment, with its time.
  CREATE TABLE segment_changes (
    workspace_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('enter', 'leave')),
    at INTEGER NOT NULL
  );
  CREATE INDEX segment_changes_profile ON segment_changes(workspace_id, profile_id, at);

  -- The history of consent decisions per profile and purpose.
  CREATE TABLE consent_changes (
    workspace_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    granted INTEGER NOT NULL,
    source TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  CREATE INDEX consent_changes_profile ON consent_changes(workspace_id, profile_id, at);
  `,
  `
  -- Knowledge moves to a table of its own: a ~2 KB document inside the WITHOUT ROWID profiles
  -- row spilled to overflow pages, and every counter update rewrote it (docs/BENCHMARKS.md).
  CREATE TABLE profile_knowledge (
    workspace_id TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (workspace_id, profile_id)
  );
  INSERT INTO profile_knowledge (workspace_id, profile_id, state)
    SELECT workspace_id, id, knowledge FROM profiles WHERE knowledge <> '{}';
  ALTER TABLE profiles DROP COLUMN knowledge;
  `,
  `
  -- Actions and placements (src/core/decide), versioned with the features and segments by
  -- workspaces.config_version: actions' rules read them, so they compile together.
  CREATE TABLE action_definitions (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE placement_definitions (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  -- Decisions as made (a configurable sample), with the profile's segments at the time: for
  -- audit, data-subject export and off-policy evaluation (probability is the propensity).
  CREATE TABLE decisions (
    workspace_id TEXT NOT NULL,
    decision_id TEXT NOT NULL,
    profile_id TEXT,
    placement_id TEXT NOT NULL,
    action_id TEXT,
    variant TEXT,
    score REAL,
    probability REAL NOT NULL,
    fallback TEXT,
    segments TEXT NOT NULL,
    reasons TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, decision_id)
  );
  CREATE INDEX decisions_profile ON decisions(workspace_id, profile_id, at);
  -- Responses per action and placement, counted from interaction events as they are stored
  -- (derived from the log: a rebuild recounts them).
  CREATE TABLE action_outcomes (
    workspace_id TEXT NOT NULL,
    action_id TEXT NOT NULL,
    placement_id TEXT NOT NULL,
    impressions INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0,
    dismisses INTEGER NOT NULL DEFAULT 0,
    conversions INTEGER NOT NULL DEFAULT 0,
    conversion_value REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, action_id, placement_id)
  ) WITHOUT ROWID;
  `,
  // Experiments and metrics (src/core/experiments), versioned with the other definitions: the
  // collect commit aggregates with them. Measurement settings (holdout share, monthly cost) are
  // per workspace.
  `
  ALTER TABLE workspaces ADD COLUMN measurement TEXT;
  CREATE TABLE experiment_definitions (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  -- Ids of deleted experiments: never reused, because profiles keep the arms they were given.
  CREATE TABLE retired_experiments (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    retired_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE metric_definitions (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  -- Per experiment, arm and metric: centred moments of (x, y) over the arm's units (x the
  -- metric or a ratio's numerator, y the covariate or the denominator), kept up to date in the
  -- collect commit (derived from the log: a rebuild recomputes them).
  CREATE TABLE experiment_stats (
    workspace_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    arm_id TEXT NOT NULL,
    metric_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    mean_x REAL NOT NULL,
    mean_y REAL NOT NULL,
    m2_x REAL NOT NULL,
    m2_y REAL NOT NULL,
    c_xy REAL NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, experiment_id, arm_id, metric_id)
  ) WITHOUT ROWID;
  `,
  // Identity verification (src/workspaces/userHash.ts). The secret is kept as is, not hashed:
  // the server computes HMACs with it. Workspaces stored before this keep their behaviour:
  // verification is written as off for each of them, explicitly (new ones start with it on).
  `
  ALTER TABLE workspaces ADD COLUMN identity_secret TEXT;
  ALTER TABLE workspaces ADD COLUMN identity_secret_created_at INTEGER;
  UPDATE workspaces SET settings = json_set(settings, '$.identity.verification', json('false'))
    WHERE json_extract(settings, '$.identity.verification') IS NULL;
  `,
  // The memory-speed engine (src/profiles): the log is the only write on the request path and
  // the derived state is written behind with the log position it is complete up to. The state
  // of an existing file was written with its events, so it is complete up to the last event.
  // De-duplication moves to memory (src/profiles/DedupeWindow.ts): the unique index on message
  // ids, a random-key B-tree insert per event, goes.
  `
  CREATE TABLE state_checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
  );
  INSERT INTO state_checkpoint (id, seq) SELECT 1, coalesce(max(seq), 0) FROM events;
  DROP INDEX events_message;
  `,
  // The catalog (src/core/catalog): one JSON document per item, and the text a search looks
  // in (itemSearchText), so that a search is one pass over the workspace's rows with instr().
  // Items are data, not definitions: they bump no config_version.
  `
  CREATE TABLE catalog_items (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    item TEXT NOT NULL,
    search TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  `,
  // Online model state (src/recommend): item popularity and co-occurrence counts, derived from
  // the log and written behind with the profile state, one row per changed counter.
  `
  CREATE TABLE model_counters (
    workspace_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value REAL NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
  ) WITHOUT ROWID;
  `,
  // Trained recommender models (src/recommend/RecommenderModels.ts): one row per version with
  // its metadata, the payload in parts of at most 64 MB (SQLite's largest value is 1 GB and a
  // 20,000-item EASE model is 1.6 GB). A rowid table: its rows are small, the parts large, and
  // WITHOUT ROWID suits neither large rows nor listings that must not read payloads.
  `
  CREATE TABLE recommender_models (
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    trained_from_seq INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    payload_bytes INTEGER NOT NULL,
    active INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_id, version)
  );
  CREATE TABLE recommender_model_parts (
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    part INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (workspace_id, version, part)
  );
  `,
  // Trained prediction models (src/predict/PredictionService.ts): small JSON, the newest in
  // force; saving one bumps workspaces.config_version with it (rules read predictions.*).
  `
  CREATE TABLE prediction_models (
    workspace_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    model TEXT NOT NULL,
    PRIMARY KEY (workspace_id, version)
  ) WITHOUT ROWID;
  `,
  // Rank events of the Personalizer-compatible API (src/learn/PersonalizerService.ts): primary
  // records, not derived from the event log. learned_seq numbers the events in the order the
  // model learned them, so a replay rebuilds it exactly; the partial index finds the events
  // waiting for their reward (the default reward is due once the wait time has passed). A
  // snapshot of a workspace's model spares a start the replay of the events it has learned.
  `
  CREATE TABLE rank_events (
    id INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    context TEXT NOT NULL,
    actions TEXT NOT NULL,
    excluded_actions TEXT NOT NULL,
    chosen_action_id TEXT NOT NULL,
    probabilities TEXT NOT NULL,
    ranked_at INTEGER NOT NULL,
    activated_at INTEGER,
    reward REAL,
    reward_source TEXT,
    rewarded_at INTEGER,
    learned_seq INTEGER
  );
  CREATE UNIQUE INDEX rank_events_event ON rank_events (workspace_id, event_id);
  CREATE INDEX rank_events_order ON rank_events (workspace_id, id);
  CREATE UNIQUE INDEX rank_events_learned ON rank_events (workspace_id, learned_seq) WHERE learned_seq IS NOT NULL;
  CREATE INDEX rank_events_waiting ON rank_events (workspace_id, activated_at) WHERE learned_seq IS NULL AND reward IS NULL AND activated_at IS NOT NULL;
  CREATE TABLE rank_model_snapshots (
    workspace_id TEXT PRIMARY KEY,
    learned_seq INTEGER NOT NULL,
    dims INTEGER NOT NULL,
    ridge REAL NOT NULL,
    observations INTEGER NOT NULL,
    inverse BLOB NOT NULL,
    moment BLOB NOT NULL,
    theta BLOB NOT NULL,
    saved_at INTEGER NOT NULL
  );
  `,
  // The spread of conversion values per action (M2 about their mean, merged by Chan's formula),
  // for revenue bandits. Rows counted before it read 0: their conversions count as values equal
  // to their mean until attune rebuild recounts the derived tables from the log.
  `
  ALTER TABLE action_outcomes ADD COLUMN conversion_value_m2 REAL NOT NULL DEFAULT 0;
  `,
  // The audit trail (src/audit): one hash chain per workspace. Every field of an entry is in a
  // column or in `detail`, and all of it is hashed, so an edit anywhere is seen by verification.
  // The head is written with each append, so removing entries at the end is seen too. The
  // triggers refuse changes through SQLite as a second line; verification does not rely on
  // them (whoever holds the file can drop them). audit_keys holds each workspace's key for the
  // keyed hash of the people entries name.
  `
  CREATE TABLE audit_entries (
    workspace_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT,
    hash TEXT NOT NULL,
    PRIMARY KEY (workspace_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX audit_entries_action ON audit_entries (workspace_id, action, seq);
  CREATE INDEX audit_entries_target ON audit_entries (workspace_id, target_kind, target_id, seq);
  CREATE INDEX audit_entries_actor ON audit_entries (workspace_id, actor_kind, actor_id, seq);
  CREATE INDEX audit_entries_at ON audit_entries (workspace_id, at);
  CREATE TABLE audit_heads (
    workspace_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
  );
  CREATE TABLE audit_keys (
    workspace_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
  CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
  CREATE TRIGGER audit_heads_forward BEFORE UPDATE ON audit_heads WHEN NEW.seq <> OLD.seq + 1
  BEGIN SELECT RAISE(ABORT, 'an audit head moves one entry forward at a time'); END;
  CREATE TRIGGER audit_heads_no_delete BEFORE DELETE ON audit_heads
  BEGIN SELECT RAISE(ABORT, 'audit heads are not removed'); END;
  `,
  // People and roles (src/access, docs/access.md): a secret key's scope (null, as stored before
  // scopes, reads as `full`: existing keys keep every machine right), users with their
  // invitation and password hash, personal tokens and browser sessions (hashes only). A user's
  // rows go with the user (removeUser deletes them in one transaction).
  `
  ALTER TABLE api_keys ADD COLUMN scope TEXT CHECK (scope IN ('full', 'read', 'decide'));
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    reviewer_kinds TEXT NOT NULL,
    password_hash TEXT,
    invitation_hash TEXT UNIQUE,
    invitation_expires_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX users_email ON users (workspace_id, email);
  CREATE TABLE user_tokens (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER
  );
  CREATE INDEX user_tokens_user ON user_tokens (workspace_id, user_id);
  CREATE TABLE user_sessions (
    hash TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX user_sessions_user ON user_sessions (workspace_id, user_id);
  `,
  // Data quality (src/quality): counters the collect path keeps per UTC day and writes behind
  // (rejections, property types, skipped merges, future-dated events: what the log does not
  // hold), the tracking plan, the fairness settings; merges by time for the period's count.
  `
  CREATE TABLE quality_counters (
    workspace_id TEXT NOT NULL,
    day INTEGER NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL,
    variant TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, day, kind, subject, detail, variant)
  ) WITHOUT ROWID;
  CREATE TABLE tracking_plans (
    workspace_id TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE fairness_settings (
    workspace_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX profile_merges_time ON profile_merges(workspace_id, merged_at);
  `,
  // Data-subject rights (src/privacy): the per-workspace secret that keys the HMAC of a
  // person's identifiers, the suppression list (hashes only: later events naming them are
  // dropped and counted), the receipts of erasures (hashes only), and the log's end as it was
  // before an erasure deleted events at its tail (so a restart never finds the state ahead of it).
  `
  CREATE TABLE privacy_keys (
    workspace_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE suppressions (
    workspace_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    since INTEGER NOT NULL,
    dropped INTEGER NOT NULL DEFAULT 0,
    last_dropped_at INTEGER,
    PRIMARY KEY (workspace_id, hash)
  ) WITHOUT ROWID;
  CREATE TABLE privacy_receipts (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    receipt TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  CREATE TABLE log_end (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
  );
  `,
  // Consent enforcement (src/core/consent): why a membership changed when not by its rule;
  // `consent` for the exits of a person who withheld personalization. Null: the rule.
  `
  ALTER TABLE segment_changes ADD COLUMN reason TEXT;
  `,
  // Draft, review, publish (src/review): the review policy, drafts stored whole (approvals
  // inside), and every published version of a reviewable definition with what it touched.
  `
  CREATE TABLE review_policies (
    workspace_id TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE config_drafts (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    state TEXT NOT NULL,
    publish_at INTEGER,
    updated_at INTEGER NOT NULL,
    draft TEXT NOT NULL,
    PRIMARY KEY (workspace_id, id)
  ) WITHOUT ROWID;
  CREATE INDEX config_drafts_due ON config_drafts(publish_at) WHERE state = 'scheduled';
  CREATE TABLE config_versions (
    workspace_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    target_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    definition TEXT,
    draft_id TEXT,
    placements TEXT NOT NULL,
    segments TEXT NOT NULL,
    PRIMARY KEY (workspace_id, kind, target_id, version)
  ) WITHOUT ROWID;
  CREATE INDEX config_versions_time ON config_versions(workspace_id, at);
  `,
  // Retention (src/retention, docs/retention.md): each workspace's policy, and the audit
  // trail's purge anchor: the number and hash of the last entry a purge removed, from which
  // the chain verifies. The append-only trigger is replaced by one that lets a purge delete
  // only the prefix up to the anchor (same name, so whoever drops it drops this one); the
  // anchor names an entry held when it is set, moves only forward and is never removed.
  `
  CREATE TABLE retention_policies (
    workspace_id TEXT PRIMARY KEY,
    policy TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE audit_anchors (
    workspace_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  DROP TRIGGER audit_entries_no_delete;
  CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  WHEN OLD.seq > coalesce((SELECT seq FROM audit_anchors WHERE workspace_id = OLD.workspace_id), 0)
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: a purge deletes only the entries up to its anchor'); END;
  CREATE TRIGGER audit_anchors_held BEFORE INSERT ON audit_anchors
  WHEN NEW.hash IS NOT (SELECT hash FROM audit_entries WHERE workspace_id = NEW.workspace_id AND seq = NEW.seq)
  BEGIN SELECT RAISE(ABORT, 'an audit anchor is the hash of an entry held'); END;
  CREATE TRIGGER audit_anchors_forward BEFORE UPDATE ON audit_anchors
  WHEN NEW.workspace_id <> OLD.workspace_id OR NEW.seq <= OLD.seq
    OR NEW.hash IS NOT (SELECT hash FROM audit_entries WHERE workspace_id = NEW.workspace_id AND seq = NEW.seq)
  BEGIN SELECT RAISE(ABORT, 'an audit anchor moves forward, to an entry held'); END;
  CREATE TRIGGER audit_anchors_no_delete BEFORE DELETE ON audit_anchors
  BEGIN SELECT RAISE(ABORT, 'audit anchors are not removed'); END;
  `,
  // Workspace consent settings (src/core/consent): the defaults per purpose (opt-in or
  // opt-out) and the category map, as JSON; null: the built-in opt-out settings. Compiled
  // into the knowledge model, so setting them bumps config_version with them.
  `
  ALTER TABLE workspaces ADD COLUMN consent TEXT;
  `,
  // The studio's segment history (GET /admin/v1/segments/:id/history) reads one segment's changes by day:
  // an index by segment and time, at one more index entry per membership change written.
  `
  CREATE INDEX segment_changes_segment ON segment_changes(workspace_id, segment_id, at);
  `,
  // Bandit experiments (src/experiments/ExperimentBandits.ts): every version of their weights,
  // kept as the record of what new units were assigned with (the exposures carry the version).
  `
  CREATE TABLE experiment_weights (
    workspace_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    computed_at INTEGER NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (workspace_id, experiment_id, version)
  ) WITHOUT ROWID;
  `,
  // The cumulative effect over time (GET /admin/v1/experiments/:id/timeline): per experiment,
  // arm, metric and UTC day, the experiment_stats row as of the end of that day, written in the
  // same commit as the running totals (src/profiles/LiveState.ts says which day a change counts
  // on). Derived from the log like experiment_stats: experiments measured before this version
  // have no history until `attune rebuild`.
  `
  CREATE TABLE experiment_daily (
    workspace_id TEXT NOT NULL,
    experiment_id TEXT NOT NULL,
    arm_id TEXT NOT NULL,
    metric_id TEXT NOT NULL,
    day TEXT NOT NULL,
    n INTEGER NOT NULL,
    mean_x REAL NOT NULL,
    mean_y REAL NOT NULL,
    m2_x REAL NOT NULL,
    m2_y REAL NOT NULL,
    c_xy REAL NOT NULL,
    PRIMARY KEY (workspace_id, experiment_id, day, arm_id, metric_id)
  ) WITHOUT ROWID;
  `,
  // The volume tally (core/quality/volumeTally.ts): the data-quality report's events by day,
  // call type, name, source and lateness are counted at collection as `volume` counters; this
  // backfills them from the log once, so existing installs keep their history. Kept as it was
  // written (store/sqlite/volumeTallySql.ts has the living copy, for rebuilds): the 500 most
  // frequent keys of a workspace's day apart, the rest per call type in an overflow row.
  `
  INSERT INTO quality_counters (workspace_id, day, kind, subject, detail, variant, count)
  SELECT ws, day, 'volume', CASE WHEN rank <= 500 THEN json_array(type, name, source) ELSE json_array(type, NULL, NULL) END,
    late, CASE WHEN rank <= 500 THEN '' ELSE 'overflow' END, sum(n)
  FROM (
    SELECT *, dense_rank() OVER (PARTITION BY ws, day ORDER BY total DESC, type, name, source) AS rank
    FROM (SELECT *, sum(n) OVER (PARTITION BY ws, day, type, name, source) AS total FROM (
      SELECT workspace_id AS ws, received_at / 86400000 AS day, type, name,
        (CASE json_type(body, '$.context.library.name')
          WHEN 'text' THEN json_extract(body, '$.context.library.name') WHEN 'true' THEN '1' WHEN 'false' THEN '0' WHEN 'null' THEN NULL
          ELSE body -> '$.context.library.name' END) || '' AS source,
        CASE WHEN received_at - timestamp > 604800000 THEN '7d' WHEN received_at - timestamp > 86400000 THEN '1d'
          WHEN received_at - timestamp > 3600000 THEN '1h' ELSE '' END AS late,
        count(*) AS n
      FROM events GROUP BY 1, 2, 3, 4, 5, 6))
  ) WHERE true GROUP BY 1, 2, 4, 5, 6
  ON CONFLICT DO UPDATE SET count = count + excluded.count;
  `,
  // The data-quality report's unreadable numbers over all time (SqliteKnowledgeStore `quality`)
  // scanned every profile's knowledge of the workspace and parsed it, on each overview load
  // (0.1 to 0.5 s with 100,000 profiles): this covering index holds the figures of the few
  // profiles that have any, at one json_extract per knowledge write.
  `
  CREATE INDEX profile_knowledge_quality ON profile_knowledge(workspace_id, json_extract(state, '$.q')) WHERE json_extract(state, '$.q') IS NOT NULL;
  `,
  // Smaller stored profile state (issue 12: about 3,400 bytes a profile, goal 2,048).
  // - Knowledge: `state` keeps the fields SQL reads (consent, activity, data quality,
  //   experiment units) as JSON; the rest is deflated into `packed` (store/sqlite/knowledgeCodec.ts),
  //   a third of its JSON. SQL cannot deflate, so existing rows keep the whole document in
  //   `state` with `packed` null: they read as before and are packed at their next write
  //   (or all at once by `attune rebuild`).
  // - Segment members: a row repeated the workspace id and the segment id (about 40 bytes of
  //   text) for each of a profile's ~15 memberships. Each workspace's segment ids are numbered
  //   once in segment_keys (never deleted, so a number never changes meaning), and a member
  //   row is (number, profile, entered_at), carried over here. The workspace is the key's:
  //   every query reaches members through segment_keys filtered on workspace_id.
  `
  ALTER TABLE profile_knowledge ADD COLUMN packed BLOB;
  CREATE TABLE segment_keys (
    id INTEGER PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    segment_id TEXT NOT NULL,
    UNIQUE (workspace_id, segment_id)
  );
  INSERT INTO segment_keys (workspace_id, segment_id) SELECT DISTINCT workspace_id, segment_id FROM segment_members ORDER BY 1, 2;
  ALTER TABLE segment_members RENAME TO segment_members_by_name;
  CREATE TABLE segment_members (
    segment_key INTEGER NOT NULL,
    profile_id TEXT NOT NULL,
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (segment_key, profile_id)
  ) WITHOUT ROWID;
  INSERT INTO segment_members (segment_key, profile_id, entered_at)
    SELECT k.id, o.profile_id, o.entered_at FROM segment_members_by_name o
    JOIN segment_keys k ON k.workspace_id = o.workspace_id AND k.segment_id = o.segment_id ORDER BY 1, 2;
  DROP TABLE segment_members_by_name;
  `,
];
