-- Jobs: one Square booking being worked.  Times are UTC (the session's
-- time_zone is +00:00).  Staff-owned composite fields are JSON text.
CREATE TABLE jobs (
	id			VARCHAR(64)	NOT NULL,
	booking_id		VARCHAR(64)	NOT NULL,
	created_by		VARCHAR(16)	NOT NULL,
	created_at		DATETIME(3)	NOT NULL,
	updated_at		DATETIME(3)	NOT NULL,
	version			BIGINT		NOT NULL DEFAULT 1,
	-- Square-owned
	booking_version		BIGINT		NOT NULL DEFAULT 0,
	booking_status		VARCHAR(32)	NOT NULL,
	appointment_time	DATETIME	NOT NULL,
	duration_minutes	INT		NOT NULL DEFAULT 0,
	service_type		VARCHAR(1024)	NULL,
	service_variation_id	VARCHAR(64)	NULL,
	location_id		VARCHAR(64)	NULL,
	team_member_id		VARCHAR(64)	NULL,
	customer_id		VARCHAR(192)	NULL,
	customer_note		TEXT		NULL,
	customer_name		VARCHAR(255)	NULL,
	customer_phone		VARCHAR(255)	NULL,
	customer_email		VARCHAR(255)	NULL,
	customer_cached		TINYINT(1)	NOT NULL DEFAULT 0,
	customer_cached_at	DATETIME(3)	NULL,
	-- staff-owned
	work_status		VARCHAR(16)	NOT NULL DEFAULT 'scheduled',
	status_history		MEDIUMTEXT	NOT NULL,
	checklist		MEDIUMTEXT	NOT NULL,
	photos_meta		MEDIUMTEXT	NOT NULL,
	receipt_photos		MEDIUMTEXT	NOT NULL,
	post_completion_issue	TEXT		NULL,
	payment			TEXT		NULL,
	vehicle			TEXT		NOT NULL,
	notes			TEXT		NOT NULL,
	PRIMARY KEY (id),
	UNIQUE KEY jobs_booking (booking_id),
	KEY jobs_appointment (appointment_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One counter bumped in the same transaction as every job write: the
-- calendar's ETag, so an unchanged poll costs one primary-key read.
CREATE TABLE meta (
	name			VARCHAR(32)	NOT NULL,
	value			BIGINT		NOT NULL,
	PRIMARY KEY (name)
) ENGINE=InnoDB;
INSERT INTO meta (name, value) VALUES ('jobs_version', 1);
