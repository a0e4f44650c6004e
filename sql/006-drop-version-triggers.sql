-- The calendar's change check no longer reads one counter that every job
-- write moves (a row all writers waited on, kept by triggers that need
-- SUPER on hosts with binary logging).  It reads a fingerprint of the
-- range instead: COUNT, SUM(version) and BIT_XOR(CRC32(id/version)) over
-- this index (the primary key, id, rides along in every InnoDB index), so
-- a job that changes, arrives or moves out of the range changes it.
DROP TRIGGER IF EXISTS jobs_version_insert;
DROP TRIGGER IF EXISTS jobs_version_update;
ALTER TABLE jobs DROP INDEX jobs_appointment,
	ADD INDEX jobs_calendar (appointment_time, version);
