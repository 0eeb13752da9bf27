-- Lore schema 9: a document is found by its name. A query equal to (or, while typing, the start of)
-- a file's name or a document's title puts that document first; these two expression indexes make
-- the lookup a seek however many documents there are. The file name is the path after its last
-- '/': rtrim() strips every character but '/' from the right, leaving the folder part.
CREATE INDEX document_index_file_name ON document_index (lower(substr(file_path, length(rtrim(file_path, replace(file_path, '/', ''))) + 1)));
CREATE INDEX document_index_title ON document_index (lower(title));
