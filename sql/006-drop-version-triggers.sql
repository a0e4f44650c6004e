-- The calendar's change check no longer reads one counter that every job
-- write moves (a row all writers waited on, kept by triggers that need
-- SUPER on hosts with binary logging).  It reads per-day stamps instead:
-- each write of a job moves the stamp of its day (UTC date of its
-- appointment), and of the day it left when it moves, so a range's
-- COUNT and SUM of stamps change with any committed change in it.
DROP TRIGGER IF EXISTS jobs_version_insert;
DROP TRIGGER IF EXISTS jobs_version_update;
CREATE TABLE calendar_days (
	day			DATE		NOT NULL,
	stamp			BIGINT		NOT NULL,
	PRIMARY KEY (day)
) ENGINE=InnoDB;
INSERT INTO calendar_days (day, stamp)
	SELECT DISTINCT DATE(appointment_time), 1 FROM jobs;
