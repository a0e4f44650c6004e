-- Reconciliation: runs, the lease that keeps runs from overlapping, the
-- service-name cache, and the webhook events already processed.
CREATE TABLE reconcile_runs (
	id			BIGINT		NOT NULL AUTO_INCREMENT,
	started_at		DATETIME(3)	NOT NULL,
	finished_at		DATETIME(3)	NULL,
	run_trigger		VARCHAR(16)	NOT NULL,
	dry_run			TINYINT(1)	NOT NULL DEFAULT 0,
	window_start		DATETIME	NOT NULL,
	window_end		DATETIME	NOT NULL,
	scanned			INT		NOT NULL DEFAULT 0,
	created			INT		NOT NULL DEFAULT 0,
	updated			INT		NOT NULL DEFAULT 0,
	skipped			INT		NOT NULL DEFAULT 0,
	customers_refreshed	INT		NOT NULL DEFAULT 0,
	square_calls		INT		NOT NULL DEFAULT 0,
	errors			MEDIUMTEXT	NOT NULL,
	duration_ms		BIGINT		NOT NULL DEFAULT 0,
	status			VARCHAR(16)	NOT NULL DEFAULT 'running',
	PRIMARY KEY (id),
	KEY reconcile_runs_started (started_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A lease row: taken when expired or free, with an expiry so a crashed
-- run blocks nothing for long.  Plain rows replicate on Galera.
CREATE TABLE leases (
	name			VARCHAR(32)	NOT NULL,
	holder			VARCHAR(64)	NULL,
	expires_at		DATETIME(3)	NOT NULL,
	PRIMARY KEY (name)
) ENGINE=InnoDB;
INSERT INTO leases (name, holder, expires_at) VALUES
    ('reconcile', NULL, '1970-01-01 00:00:01');

CREATE TABLE service_names (
	variation_id		VARCHAR(64)	NOT NULL,
	name			VARCHAR(512)	NOT NULL,
	fetched_at		DATETIME(3)	NOT NULL,
	PRIMARY KEY (variation_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE webhook_events (
	event_id		VARCHAR(192)	NOT NULL,
	event_type		VARCHAR(64)	NOT NULL,
	booking_id		VARCHAR(64)	NULL,
	received_at		DATETIME(3)	NOT NULL,
	PRIMARY KEY (event_id),
	KEY webhook_events_received (received_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
