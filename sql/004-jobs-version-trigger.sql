-- Every write to jobs moves the counter the calendar's ETag is made of,
-- whatever path it came by (staff, reconciliation, webhook), in the same
-- transaction as the write.
CREATE TRIGGER jobs_version_insert AFTER INSERT ON jobs FOR EACH ROW
	UPDATE meta SET value = value + 1 WHERE name = 'jobs_version';
CREATE TRIGGER jobs_version_update AFTER UPDATE ON jobs FOR EACH ROW
	UPDATE meta SET value = value + 1 WHERE name = 'jobs_version';
