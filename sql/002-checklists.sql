-- Checklist templates per service type (Square service name); the row
-- named '*' is the default.  items: JSON {"tech":[{key,label}],"qc":[...]}.
CREATE TABLE checklist_templates (
	service_type		VARCHAR(255)	NOT NULL,
	items			TEXT		NOT NULL,
	PRIMARY KEY (service_type)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO checklist_templates (service_type, items) VALUES
('*', '{"tech":[{"key":"walkaround","label":"Walk-around and damage check"},{"key":"wash","label":"Exterior wash"},{"key":"interior","label":"Interior vacuum and wipe-down"},{"key":"glass","label":"Glass inside and out"}],"qc":[{"key":"qc_exterior","label":"Exterior spotless"},{"key":"qc_interior","label":"Interior spotless"},{"key":"qc_photos","label":"After photos taken"}]}'),
('Exterior Hand Wash', '{"tech":[{"key":"walkaround","label":"Walk-around and damage check"},{"key":"prerinse","label":"Pre-rinse and foam"},{"key":"wash","label":"Two-bucket hand wash"},{"key":"wheels","label":"Wheels and tyres"},{"key":"dry","label":"Dry and glass"}],"qc":[{"key":"qc_exterior","label":"No spots or streaks"},{"key":"qc_wheels","label":"Wheels clean"}]}'),
('Interior Detail', '{"tech":[{"key":"walkaround","label":"Walk-around and damage check"},{"key":"vacuum","label":"Vacuum seats, carpets and trunk"},{"key":"shampoo","label":"Shampoo mats and upholstery"},{"key":"surfaces","label":"Dash, console and door panels"},{"key":"glass","label":"Interior glass"}],"qc":[{"key":"qc_interior","label":"Interior spotless"},{"key":"qc_odour","label":"No odour"},{"key":"qc_photos","label":"After photos taken"}]}'),
('Full Detail', '{"tech":[{"key":"walkaround","label":"Walk-around and damage check"},{"key":"wash","label":"Hand wash and decontamination"},{"key":"clay","label":"Clay bar"},{"key":"polish","label":"Machine polish"},{"key":"protect","label":"Wax or sealant"},{"key":"interior","label":"Full interior detail"},{"key":"engine","label":"Engine bay wipe-down"}],"qc":[{"key":"qc_paint","label":"Paint checked under light"},{"key":"qc_interior","label":"Interior spotless"},{"key":"qc_photos","label":"After photos taken"}]}'),
('Ceramic Coating', '{"tech":[{"key":"walkaround","label":"Walk-around and paint reading"},{"key":"wash","label":"Wash and decontamination"},{"key":"correction","label":"Paint correction"},{"key":"prep","label":"Panel wipe"},{"key":"coat","label":"Coating applied"},{"key":"cure","label":"Cure time logged"}],"qc":[{"key":"qc_high_spots","label":"No high spots"},{"key":"qc_photos","label":"After photos taken"}]}');
