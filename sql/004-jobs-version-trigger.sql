-- Superseded: triggers need SUPER on hosts with binary logging; 006 drops them.
SELECT 1;
